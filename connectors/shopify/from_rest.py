"""Webhook bodies (the REST representation of a resource) -> canonical records. Pure functions.

Written to give exactly the record :mod:`from_graphql` gives for the same state, so a webhook
and the next sync agree and the store's replay check sees no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.core.links import alt_text, web_url
from connectors.shopify.from_graphql import guest, product_url
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
)

Body = Mapping[str, Any]


def _amount(body: Body, set_key: str, plain_key: str) -> Decimal:
    """A money field, from its ``*_set`` bag when present (strings there), else the plain string."""
    bag = body.get(set_key)
    return shop_money(bag) if bag else money(body.get(plain_key))


def customer(body: Body) -> CustomerRecord:
    consent = body.get("email_marketing_consent") or {}
    return CustomerRecord(
        platform_id=numeric_id(body["id"]),
        updated_at=required_timestamp(body.get("updated_at")),
        created_at=timestamp(body.get("created_at")),
        email=body.get("email") or None,
        phone=body.get("phone") or None,
        first_name=body.get("first_name"),
        last_name=body.get("last_name"),
        accepts_marketing=consent.get("state") == "subscribed" if body.get("email") else False,
        verified_email=body.get("verified_email") is True,
        address=address(body.get("default_address")),
        tags=tags(body.get("tags")),
    )


def variant(body: Body) -> VariantRecord:
    compare = body.get("compare_at_price")
    quantity = body.get("inventory_quantity")
    return VariantRecord(
        platform_id=numeric_id(body["id"]),
        price=money(body.get("price")),
        sku=text(body.get("sku")),
        title=text(body.get("title")),
        compare_at_price=money(compare) if compare not in (None, "") else None,
        in_stock=body.get("inventory_policy") == "continue" or quantity is None or int(quantity) > 0,
    )


def product(body: Body, *, shop: str = "") -> ProductRecord:
    """A product from a ``products/*`` webhook; its picture is ``image`` (the first of ``images``)."""
    image = body.get("image") or next(iter(body.get("images") or ()), None) or {}
    status = text(body.get("status")).lower() or "active"
    return ProductRecord(
        platform_id=numeric_id(body["id"]),
        title=text(body.get("title")),
        updated_at=required_timestamp(body.get("updated_at")),
        handle=text(body.get("handle")),
        vendor=text(body.get("vendor")),
        category=text(body.get("product_type")),
        status=status,
        variants=tuple(sorted((variant(v) for v in body.get("variants") or []), key=lambda v: int(v.platform_id))),
        image_url=web_url(image.get("src")),
        image_alt=alt_text(image.get("alt")) if web_url(image.get("src")) else "",
        url=product_url(shop, text(body.get("handle")), status),
    )


def line(body: Body) -> LineRecord:
    quantity = int(body.get("quantity") or 0)
    unit = _amount(body, "price_set", "price")
    discount = _amount(body, "total_discount_set", "total_discount")
    return LineRecord(
        platform_id=numeric_id(body["id"]),
        quantity=quantity,
        unit_price=unit,
        total=money(unit * quantity - discount),
        total_discount=discount,
        sku=text(body.get("sku")),
        title=text(body.get("title")),
        product_platform_id=str(body["product_id"]) if body.get("product_id") else None,
        variant_platform_id=str(body["variant_id"]) if body.get("variant_id") else None,
        is_gift_card=bool(body.get("gift_card")),
    )


def refund(body: Body) -> RefundRecord:
    """A refund: its amount is what its successful refund transactions returned."""
    paid_back = [
        money(t.get("amount"))
        for t in body.get("transactions") or []
        if t.get("kind") == "refund" and t.get("status", "success") == "success"
    ]
    lines = [
        RefundLineRecord(
            platform_id=numeric_id(rl["id"]),
            line_platform_id=numeric_id(rl["line_item_id"]),
            quantity=int(rl.get("quantity") or 0),
            amount=_amount(rl, "subtotal_set", "subtotal"),
        )
        for rl in body.get("refund_line_items") or []
    ]
    return RefundRecord(
        platform_id=numeric_id(body["id"]),
        created_at=required_timestamp(body.get("created_at")),
        amount=money(sum(paid_back, Decimal(0))),
        note=text(body.get("note")),
        lines=tuple(sorted(lines, key=lambda r: int(r.platform_id))),
    )


def order(body: Body) -> OrderRecord:
    created = required_timestamp(body.get("created_at"))
    shipping = address(body.get("shipping_address"))
    email = body.get("email") or None
    phone = body.get("phone") or None
    if body.get("customer"):
        who: CustomerRecord | None = customer(body["customer"])
    elif email:
        who = guest(email, phone, shipping, created)
    else:
        who = None
    total_set = body.get("total_price_set") or {}
    currency = (total_set.get("shop_money") or {}).get("currency_code") or body.get("currency")
    reason = body.get("cancel_reason")
    return OrderRecord(
        platform_id=numeric_id(body["id"]),
        currency=str(currency),
        total=_amount(body, "total_price_set", "total_price"),
        created_at=created,
        updated_at=required_timestamp(body.get("updated_at")),
        name=text(body.get("name")),
        customer=who,
        email=email,
        phone=phone,
        subtotal=_amount(body, "subtotal_price_set", "subtotal_price"),
        total_discount=_amount(body, "total_discounts_set", "total_discounts"),
        shipping=_amount(body, "total_shipping_price_set", "total_shipping_price"),
        tax=_amount(body, "total_tax_set", "total_tax"),
        financial_status=text(body.get("financial_status")).lower() or "pending",
        fulfillment_status=body.get("fulfillment_status") or None,
        cancelled_at=timestamp(body.get("cancelled_at")),
        cancel_reason=reason.lower() if reason else None,
        discount_codes=tuple(c["code"] for c in body.get("discount_codes") or [] if c.get("code")),
        shipping_address=shipping,
        test=bool(body.get("test")),
        lines=tuple(sorted((line(li) for li in body.get("line_items") or []), key=lambda r: int(r.platform_id))),
        refunds=tuple(sorted((refund(r) for r in body.get("refunds") or []), key=lambda r: int(r.platform_id))),
    )


def deleted_id(body: Body) -> str:
    """The id a ``customers/delete`` or ``products/delete`` body names."""
    return numeric_id(body["id"])
