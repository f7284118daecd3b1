"""Admin GraphQL nodes (paged answers and bulk JSONL lines) -> canonical records. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from connectors.core.links import alt_text, web_url
from connectors.shopify.scalars import (
    address,
    money,
    numeric_id,
    required_timestamp,
    shop_money,
    tags,
    text,
    timestamp,
)
from store.records import (
    CustomerRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    RefundLineRecord,
    RefundRecord,
    VariantRecord,
    guest_platform_id,
)

Node = Mapping[str, Any]

FULFILLMENT = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "RESTOCKED": "restocked"}
"""GraphQL's display status in REST's words (REST says ``null`` for unfulfilled)."""


def nodes_of(connection: Mapping[str, Any] | None) -> list[Node]:
    """Nodes of a connection, whether it was selected as ``nodes`` or ``edges { node }``."""
    if not connection:
        return []
    if connection.get("nodes") is not None:
        return [n for n in connection["nodes"] if n]
    return [e["node"] for e in connection.get("edges") or [] if e and e.get("node")]


def _id_of(value: Mapping[str, Any] | None) -> str | None:
    return numeric_id(value["id"]) if value and value.get("id") else None


def customer(node: Node) -> CustomerRecord:
    email = node.get("defaultEmailAddress") or {}
    phone = node.get("defaultPhoneNumber") or {}
    return CustomerRecord(
        platform_id=numeric_id(node["id"]),
        updated_at=required_timestamp(node.get("updatedAt")),
        created_at=timestamp(node.get("createdAt")),
        email=email.get("emailAddress") or node.get("email"),
        phone=phone.get("phoneNumber") or node.get("phone"),
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        accepts_marketing=email.get("marketingState") == "SUBSCRIBED",
        verified_email=node.get("verifiedEmail") is True,
        address=address(node.get("defaultAddress")),
        tags=tags(node.get("tags")),
    )


def variant(node: Node) -> VariantRecord:
    compare = node.get("compareAtPrice")
    return VariantRecord(
        platform_id=numeric_id(node["id"]),
        price=money(node.get("price")),
        sku=text(node.get("sku")),
        title=text(node.get("title")),
        compare_at_price=money(compare) if compare not in (None, "") else None,
        in_stock=bool(node.get("availableForSale", True)),
    )


def product_url(shop: str, handle: str, status: str) -> str:
    """The product's page: ``https://{shop}.myshopify.com/products/{handle}``, which Shopify
    redirects to the shop's primary domain. Built from the handle because webhooks (REST)
    carry no URL, and both paths must give the same record."""
    if not shop or not handle or status != "active":
        return ""
    return web_url(f"https://{shop}/products/{quote(handle)}")


def product(node: Node, variants: Iterable[Node] | None = None, *, shop: str = "") -> ProductRecord:
    """A product; ``variants`` are given when they came apart from it (bulk lines, extra pages);
    ``shop`` (its myshopify domain) gives it a storefront URL."""
    found = list(variants) if variants is not None else nodes_of(node.get("variants"))
    image = node.get("featuredImage") or {}
    status = text(node.get("status")).lower() or "active"
    return ProductRecord(
        platform_id=numeric_id(node["id"]),
        title=text(node.get("title")),
        updated_at=required_timestamp(node.get("updatedAt")),
        handle=text(node.get("handle")),
        vendor=text(node.get("vendor")),
        category=text(node.get("productType")),
        status=status,
        variants=tuple(sorted((variant(v) for v in found), key=lambda v: int(v.platform_id))),
        image_url=web_url(image.get("url")),
        image_alt=alt_text(image.get("altText")) if web_url(image.get("url")) else "",
        url=product_url(shop, text(node.get("handle")), status),
    )


def line(node: Node) -> LineRecord:
    quantity = int(node.get("quantity") or 0)
    unit = shop_money(node.get("originalUnitPriceSet"))
    discount = shop_money(node.get("totalDiscountSet"))
    return LineRecord(
        platform_id=numeric_id(node["id"]),
        quantity=quantity,
        unit_price=unit,
        total=money(unit * quantity - discount),
        total_discount=discount,
        sku=text(node.get("sku")),
        title=text(node.get("title")),
        product_platform_id=_id_of(node.get("product")),
        variant_platform_id=_id_of(node.get("variant")),
        is_gift_card=bool(node.get("isGiftCard")),
    )


def refund_line(node: Node) -> RefundLineRecord:
    return RefundLineRecord(
        platform_id=numeric_id(node["id"]),
        line_platform_id=numeric_id(node["lineItem"]["id"]),
        quantity=int(node.get("quantity") or 0),
        amount=shop_money(node.get("subtotalSet")),
    )


def refund(node: Node, lines: Iterable[Node] | None = None) -> RefundRecord:
    found = list(lines) if lines is not None else nodes_of(node.get("refundLineItems"))
    return RefundRecord(
        platform_id=numeric_id(node["id"]),
        created_at=required_timestamp(node.get("createdAt") or node.get("updatedAt")),
        amount=shop_money(node.get("totalRefundedSet")),
        note=text(node.get("note")),
        lines=tuple(sorted((refund_line(rl) for rl in found), key=lambda r: int(r.platform_id))),
    )


def guest(email: str, phone: str | None, shipping: Mapping[str, str] | None, created_at: Any) -> CustomerRecord:
    """A guest checkout as a customer of the store, keyed by email; its latest order speaks for it."""
    names = shipping or {}
    return CustomerRecord(
        platform_id=guest_platform_id(email),
        updated_at=created_at,
        created_at=created_at,
        email=email,
        phone=phone,
        first_name=names.get("first_name"),
        last_name=names.get("last_name"),
        is_guest=True,
    )


def order(
    node: Node,
    lines: Iterable[Node] | None = None,
    refunds: Iterable[RefundRecord] | None = None,
) -> OrderRecord:
    """An order; ``lines`` and ``refunds`` are given when they were read apart from it."""
    created = required_timestamp(node.get("createdAt"))
    shipping = address(node.get("shippingAddress"))
    email = node.get("email") or None
    phone = node.get("phone") or None
    buyer = node.get("customer")
    if buyer:
        who: CustomerRecord | None = customer(buyer)
    elif email:
        who = guest(email, phone, shipping, created)
    else:
        who = None
    found_lines = list(lines) if lines is not None else nodes_of(node.get("lineItems"))
    found_refunds = list(refunds) if refunds is not None else [refund(r) for r in node.get("refunds") or []]
    total = node.get("totalPriceSet") or {}
    currency = ((total.get("shopMoney") or {}).get("currencyCode")) or node.get("currencyCode")
    reason = node.get("cancelReason")
    return OrderRecord(
        platform_id=numeric_id(node["id"]),
        currency=str(currency),
        total=shop_money(total),
        created_at=created,
        updated_at=required_timestamp(node.get("updatedAt")),
        name=text(node.get("name")),
        customer=who,
        email=email,
        phone=phone,
        subtotal=shop_money(node.get("subtotalPriceSet")),
        total_discount=shop_money(node.get("totalDiscountsSet")),
        shipping=shop_money(node.get("totalShippingPriceSet")),
        tax=shop_money(node.get("totalTaxSet")),
        financial_status=text(node.get("displayFinancialStatus")).lower() or "pending",
        fulfillment_status=FULFILLMENT.get(text(node.get("displayFulfillmentStatus"))),
        cancelled_at=timestamp(node.get("cancelledAt")),
        cancel_reason=reason.lower() if reason else None,
        discount_codes=tuple(node.get("discountCodes") or ()),
        shipping_address=shipping,
        test=bool(node.get("test")),
        lines=tuple(sorted((line(n) for n in found_lines), key=lambda r: int(r.platform_id))),
        refunds=tuple(sorted(found_refunds, key=lambda r: int(r.platform_id))),
    )
