"""Pure functions from WooCommerce REST v3 payloads to the canonical records.

WooCommerce prints every date twice without a zone; only the ``*_gmt`` twin is read (UTC).
Money arrives as decimal strings and stays ``Decimal``; line ``price`` (a float in the
payload, post-discount and inexact) is never used: unit prices come from ``subtotal``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.core.links import alt_text, web_url
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

Payload = Mapping[str, Any]

PLACEHOLDER_TIME = datetime(1970, 1, 1, tzinfo=UTC)
"""``updated_at`` of the customer an order names: older than any real customer record, so
it creates a row to link the order to when none exists and never overwrites a real one."""

UNIT = Decimal("0.0001")
ZERO = Decimal("0")

FINANCIAL_STATUS = {
    "pending": "pending",
    "checkout-draft": "pending",
    "on-hold": "pending",
    "processing": "paid",
    "completed": "paid",
    "cancelled": "voided",
    "refunded": "refunded",
    "failed": "failed",
    "trash": "voided",
}
"""WooCommerce order status to the canonical payment state (on-hold awaits payment)."""

PRODUCT_STATUS = {"publish": "active", "trash": "archived"}


def parse_gmt(value: Any) -> datetime | None:
    """A zone-less ``*_gmt`` date as an aware UTC datetime; ``None`` when empty or unreadable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "T")
    try:
        moment = datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=UTC)


def money(value: Any) -> Decimal:
    """A money string (or number) as ``Decimal``; empty means zero."""
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return ZERO


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def address(data: Payload | None) -> dict[str, str] | None:
    """A billing/shipping block in the canonical address keys (those the data set uses)."""
    if not data:
        return None
    keys = {
        "first_name": "first_name",
        "last_name": "last_name",
        "company": "company",
        "address_1": "address1",
        "address_2": "address2",
        "city": "city",
        "state": "province_code",
        "postcode": "zip",
        "country": "country_code",
        "phone": "phone",
    }
    out = {ours: str(data[theirs]).strip() for theirs, ours in keys.items() if _text(data.get(theirs))}
    return out if any(k in out for k in ("address1", "city", "zip", "country_code")) else None


def customer(payload: Payload) -> CustomerRecord:
    """A registered customer (a WordPress user)."""
    billing = payload.get("billing") or {}
    created = parse_gmt(payload.get("date_created_gmt"))
    return CustomerRecord(
        platform_id=str(payload["id"]),
        updated_at=parse_gmt(payload.get("date_modified_gmt")) or created or PLACEHOLDER_TIME,
        created_at=created,
        email=_text(payload.get("email")) or _text(billing.get("email")),
        phone=_text(billing.get("phone")),
        first_name=_text(payload.get("first_name")) or _text(billing.get("first_name")),
        last_name=_text(payload.get("last_name")) or _text(billing.get("last_name")),
        address=address(billing),
    )


def order_customer(payload: Payload) -> CustomerRecord | None:
    """Who placed an order: the account it names (a link-only placeholder), else the guest by e-mail."""
    billing = payload.get("billing") or {}
    email = _text(billing.get("email"))
    common: dict[str, Any] = dict(
        email=email,
        phone=_text(billing.get("phone")),
        first_name=_text(billing.get("first_name")),
        last_name=_text(billing.get("last_name")),
        address=address(billing),
    )
    customer_id = int(payload.get("customer_id") or 0)
    if customer_id:
        return CustomerRecord(platform_id=str(customer_id), updated_at=PLACEHOLDER_TIME, **common)
    if email is None:
        return None
    return CustomerRecord(
        platform_id=guest_platform_id(email),
        is_guest=True,
        updated_at=order_updated_at(payload),
        created_at=parse_gmt(payload.get("date_created_gmt")),
        **common,
    )


def order_updated_at(payload: Payload) -> datetime:
    return parse_gmt(payload.get("date_modified_gmt")) or parse_gmt(payload.get("date_created_gmt")) or PLACEHOLDER_TIME


def line(item: Payload) -> LineRecord:
    quantity = int(item.get("quantity") or 0)
    subtotal = money(item.get("subtotal"))
    total = money(item.get("total"))
    product_id = int(item.get("product_id") or 0)
    variation_id = int(item.get("variation_id") or 0)
    unit = (subtotal / quantity).quantize(UNIT) if quantity else subtotal
    return LineRecord(
        platform_id=str(item["id"]),
        quantity=quantity,
        unit_price=unit,
        total=total,
        total_discount=subtotal - total,
        sku=str(item.get("sku") or ""),
        title=str(item.get("name") or ""),
        product_platform_id=str(product_id) if product_id else None,
        variant_platform_id=str(variation_id or product_id) if (variation_id or product_id) else None,
    )


def refund(payload: Payload) -> RefundRecord:
    """A refund resource (``/orders/{id}/refunds`` or ``/refunds``): positive amount, negative lines."""
    return RefundRecord(
        platform_id=str(payload["id"]),
        created_at=parse_gmt(payload.get("date_created_gmt")) or PLACEHOLDER_TIME,
        amount=money(payload.get("amount")),
        note=str(payload.get("reason") or payload.get("refund") or ""),
        lines=tuple(
            RefundLineRecord(
                platform_id=str(item["id"]),
                line_platform_id=_refunded_item_id(item),
                quantity=abs(int(item.get("quantity") or 0)),
                amount=abs(money(item.get("total"))),
            )
            for item in payload.get("line_items") or ()
        ),
    )


def _refunded_item_id(item: Payload) -> str:
    for meta in item.get("meta_data") or ():
        if meta.get("key") == "_refunded_item_id":
            return str(meta.get("value"))
    return ""


def refund_ids(payload: Payload) -> list[str]:
    """The ids in an order's ``refunds`` summary."""
    return [str(r["id"]) for r in payload.get("refunds") or () if r.get("id") is not None]


def order(payload: Payload, refunds: Sequence[Payload] | None = None) -> OrderRecord:
    """An order; ``refunds`` are the full refund resources of its summary (fetched by the caller).

    Without them the summary (``{id, reason, total}``, negative totals) gives amounts but no
    lines, and the order's modification time stands in for the refund dates.
    """
    status = str(payload.get("status") or "")
    updated = order_updated_at(payload)
    if refunds is None:
        refund_records = tuple(
            RefundRecord(
                platform_id=str(r["id"]),
                created_at=updated,
                amount=abs(money(r.get("total"))),
                note=str(r.get("reason") or r.get("refund") or ""),
            )
            for r in payload.get("refunds") or ()
        )
    else:
        by_id = {str(r["id"]): r for r in refunds}
        refund_records = tuple(refund(by_id[i]) for i in refund_ids(payload) if i in by_id)
    total = money(payload.get("total"))
    refunded = sum((r.amount for r in refund_records), ZERO)
    financial = FINANCIAL_STATUS.get(status, "paid")
    if financial == "paid" and refunded > 0:
        financial = "refunded" if refunded >= total else "partially_refunded"
    items = [line(i) for i in payload.get("line_items") or ()]
    billing = payload.get("billing") or {}
    return OrderRecord(
        platform_id=str(payload["id"]),
        currency=str(payload.get("currency") or ""),
        total=total,
        created_at=parse_gmt(payload.get("date_created_gmt")) or updated,
        updated_at=updated,
        name=f"#{payload.get('number') or payload['id']}",
        customer=order_customer(payload),
        email=_text(billing.get("email")),
        phone=_text(billing.get("phone")),
        subtotal=sum((money(i.get("subtotal")) for i in payload.get("line_items") or ()), ZERO),
        total_discount=money(payload.get("discount_total")),
        shipping=money(payload.get("shipping_total")),
        tax=money(payload.get("total_tax")),
        financial_status=financial,
        fulfillment_status="fulfilled" if status == "completed" else None,
        cancelled_at=updated if status == "cancelled" else None,
        cancel_reason="cancelled" if status == "cancelled" else None,
        discount_codes=tuple(str(c.get("code") or "") for c in payload.get("coupon_lines") or ()),
        shipping_address=address(payload.get("shipping")),
        lines=tuple(items),
        refunds=refund_records,
    )


def _variant(data: Payload, *, platform_id: str, title: str) -> VariantRecord:
    price = money(data.get("price") or data.get("regular_price"))
    regular = money(data.get("regular_price"))
    on_sale = bool(data.get("on_sale")) and regular > price
    return VariantRecord(
        platform_id=platform_id,
        price=price,
        sku=str(data.get("sku") or ""),
        title=title,
        compare_at_price=regular if on_sale else None,
        in_stock=data.get("stock_status") != "outofstock",
    )


def variation_title(variation: Payload) -> str:
    return " / ".join(str(a.get("option") or "") for a in variation.get("attributes") or ())


def product(payload: Payload, variations: Iterable[Payload] = ()) -> ProductRecord:
    """A product; a variable one needs its variations (``/products/{id}/variations``).

    Its ``updated_at`` is the newest of the product's and its variations' modification
    times, because editing a variation need not touch the parent.
    """
    variations = list(variations)
    updated = parse_gmt(payload.get("date_modified_gmt")) or parse_gmt(payload.get("date_created_gmt"))
    stamps = [updated] + [parse_gmt(v.get("date_modified_gmt")) for v in variations]
    newest = max((s for s in stamps if s is not None), default=PLACEHOLDER_TIME)
    if payload.get("type") == "variable":
        variants = tuple(_variant(v, platform_id=str(v["id"]), title=variation_title(v)) for v in variations)
    else:
        variants = (_variant(payload, platform_id=str(payload["id"]), title=""),)
    categories = payload.get("categories") or ()
    status = str(payload.get("status") or "publish")
    image = next(iter(payload.get("images") or ()), None) or {}
    return ProductRecord(
        platform_id=str(payload["id"]),
        title=str(payload.get("name") or ""),
        updated_at=newest,
        handle=str(payload.get("slug") or ""),
        category=str(categories[0].get("name") or "") if categories else "",
        status=PRODUCT_STATUS.get(status, "draft"),
        variants=variants,
        image_url=web_url(image.get("src")),
        image_alt=alt_text(image.get("alt")) if web_url(image.get("src")) else "",
        url=web_url(payload.get("permalink")) if status == "publish" else "",
    )
