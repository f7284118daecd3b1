"""Copy the shared sandbox data set's Shopify store into the simulator's mutable records.

Truth labels (``person_id``) stay behind: nothing here keeps them. Per-record choices the
data set does not make (customer account state, stock levels) are derived from the record
id, so the same data set always gives the same shop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal

from sandbox.dataset import Customer as DataCustomer
from sandbox.dataset import Order as DataOrder
from sandbox.dataset import Product as DataProduct
from sandbox.dataset import StoreData

from .records import (
    EXTRA_ID_BASES,
    Address,
    AppliedCode,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLineItem,
    Variant,
    allocate,
)

# The data set's two codes, as the merchant configured them (used to type REST discount_codes).
KNOWN_CODES: Mapping[str, tuple[str, Decimal]] = {
    "WELCOME10": ("percentage", Decimal("0.10")),
    "SAVE5": ("fixed_amount", Decimal("5.00")),
}


def _spread(record_id: int, purpose: str) -> int:
    """A stable number 0..9999 for a record, so derived attributes do not depend on order."""
    digest = hashlib.sha256(f"{purpose}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000


def address(
    raw: Mapping[str, str] | None, first: str | None, last: str | None, phone: str | None = None
) -> Address | None:
    if not raw:
        return None
    return Address(
        first_name=first,
        last_name=last,
        address1=raw.get("address1"),
        city=raw.get("city"),
        province_code=raw.get("province_code"),
        zip=raw.get("zip"),
        country_code=raw.get("country_code"),
        phone=phone,
    )


def customer(c: DataCustomer) -> Customer:
    # Accounts made at checkout stay DISABLED until the buyer activates them, and their email
    # stays unverified until then.
    state = "DISABLED" if _spread(c.platform_id, "state") < 3000 else "ENABLED"
    return Customer(
        id=c.platform_id,
        first_name=c.first_name,
        last_name=c.last_name,
        email=c.email,
        phone=c.phone,
        address=address(c.address, c.first_name, c.last_name, c.phone),
        created_at=c.created_at,
        updated_at=c.updated_at,
        accepts_marketing=c.accepts_marketing,
        state=state,
        verified_email=state == "ENABLED",
        consent_updated_at=c.created_at if c.accepts_marketing else None,
    )


def product(p: DataProduct) -> Product:
    variants = [
        Variant(
            id=v.platform_id,
            product_id=p.platform_id,
            title=v.title,
            sku=v.sku,
            price=v.price,
            compare_at_price=None,
            inventory_quantity=(5 + _spread(v.platform_id, "stock") % 60) if v.in_stock else 0,
            position=i,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for i, v in enumerate(p.variants, start=1)
    ]
    return Product(
        id=p.platform_id,
        title=p.title,
        handle=p.handle,
        vendor=p.vendor,
        product_type=p.category,
        status="ACTIVE",
        tags=[p.category.lower()],
        created_at=p.created_at,
        updated_at=p.updated_at,
        published_at=p.created_at,
        variants=variants,
        body_html=f"<p>{p.title} by {p.vendor}.</p>",
    )


def order(o: DataOrder, vendors: Mapping[int, str], next_transaction: int) -> Order:
    shares = allocate(o.total_discount, [li.line_total for li in o.lines])
    lines = [
        LineItem(
            id=li.platform_id,
            order_id=o.platform_id,
            product_id=li.product_platform_id,
            variant_id=li.variant_platform_id,
            title=li.title,
            variant_title=li.variant_title,
            sku=li.sku,
            vendor=vendors.get(li.product_platform_id, ""),
            quantity=li.quantity,
            unit_price=li.unit_price,
            discount=share,
        )
        for li, share in zip(o.lines, shares, strict=True)
    ]
    codes = []
    for code in o.discount_codes:
        kind = KNOWN_CODES.get(code, ("fixed_amount", o.total_discount))[0]
        codes.append(AppliedCode(code=code, amount=o.total_discount, type=kind))
    by_id = {li.id: li for li in lines}
    refunds = []
    for i, r in enumerate(o.refunds):
        refund_lines = []
        for j, rl in enumerate(r.lines):
            li = by_id[rl.line_platform_id]
            li.refunded_quantity += rl.quantity
            li.refunded_amount += rl.amount
            refund_lines.append(
                RefundLineItem(
                    id=r.platform_id * 10 + j,
                    line_item_id=li.id,
                    quantity=rl.quantity,
                    subtotal=rl.amount,
                )
            )
        refunds.append(
            Refund(
                id=r.platform_id,
                order_id=o.platform_id,
                created_at=r.created_at,
                note=r.note,
                lines=refund_lines,
                amount=r.amount,
                transaction_id=next_transaction + i,
            )
        )
    status = {
        "paid": "PAID",
        "refunded": "REFUNDED",
        "partially_refunded": "PARTIALLY_REFUNDED",
        "pending": "PENDING",
        "authorized": "AUTHORIZED",
        "voided": "VOIDED",
    }
    first, last = o.first_name, o.last_name
    record = Order(
        id=o.platform_id,
        number=o.number,
        email=o.email,
        phone=o.phone,
        customer_id=o.customer_platform_id,
        billing_address=address(o.billing_address, first, last, o.phone),
        shipping_address=address(o.shipping_address, first, last, o.phone),
        created_at=o.created_at,
        updated_at=o.updated_at,
        processed_at=o.created_at,
        currency=o.currency,
        lines=lines,
        total_discount=o.total_discount,
        shipping=o.shipping,
        tax=o.tax,
        codes=codes,
        financial_status=status.get(o.financial_status, "PAID"),
        fulfillment_status="FULFILLED",
        cancelled_at=o.cancelled_at,
        cancel_reason="OTHER" if o.cancelled_at else None,
        refunds=refunds,
    )
    if record.total != o.total:
        raise ValueError(f"order {o.platform_id}: total {record.total} != data set {o.total}")
    return record


def load(store: StoreData) -> tuple[list[Customer], list[Product], list[Order]]:
    """Records for one store view of the data set (customers, products, orders)."""
    products = [product(p) for p in store.products]
    vendors = {p.id: p.vendor for p in products}
    orders = []
    transaction = EXTRA_ID_BASES["transaction"] + 1
    for o in store.orders:
        orders.append(order(o, vendors, transaction))
        transaction += len(o.refunds)
    return [customer(c) for c in store.customers], products, orders
