"""Idempotent, batched writes of canonical records into the store.

Each page is one transaction of a constant number of statements (customers, orders, lines,
stale-line cleanup, refunds, refund lines), whatever its size. A record whose platform
``updated_at`` is older than the stored one changes nothing; an equal timestamp changes the
row only when the content differs, so replaying a page is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store.deadlocks import retrying
from store.models import Customer, Order, OrderLine, Product, Refund, RefundLine, Store, Variant
from store.models.customers import email_key
from store.records import CustomerRecord, OrderRecord, ProductRecord, RefundRecord
from store.sql import Column, Upsert, delete_missing


def content_hash(record: object) -> str:
    """A fingerprint of a record's content, to tell a replay from a same-second edit."""
    return hashlib.md5(repr(record).encode(), usedforsecurity=False).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


_FIXED = frozenset({"merchant_id", "store_id", "platform_id", "created_at"})
"""Columns an update of a synced row leaves as first written."""
_CUSTOMERS = Upsert(Customer, exclude=frozenset({"id", "profile_id", "owner_id"}), keep=_FIXED, fresher_only=True)
"""Every column but the id and the links insights and loyalty own (``profile_id``, ``owner_id``)."""


def _customer_of_order(col: Column) -> str:
    return (
        '(SELECT c."id" FROM "customers" c WHERE c."store_id" = '
        f'{col("store_id")} AND c."platform_id" = {col("customer_platform_id")})'
    )


_ORDERS = Upsert(
    Order,
    keep=_FIXED,
    fresher_only=True,
    returning=("id", "platform_id"),
    computed={"customer_id": _customer_of_order},
    extra_inputs={"customer_platform_id": "text"},
)

_LINES = Upsert(OrderLine, keep=frozenset({"store_id", "platform_id"}))

_REFUNDS = Upsert(Refund, returning=("id", "platform_id"))
_REFUND_LINES = Upsert(RefundLine)

_PRODUCTS = Upsert(Product, keep=_FIXED, fresher_only=True, returning=("id", "platform_id"))
_VARIANTS = Upsert(Variant, keep=frozenset({"store_id", "platform_id"}))


def _customer_row(store: Store, record: CustomerRecord, now: datetime) -> dict[str, Any]:
    return {
        "merchant_id": store.merchant_id,
        "store_id": store.id,
        "platform_id": record.platform_id,
        "is_guest": record.is_guest,
        "email": record.email,
        "email_key": email_key(record.email),
        "verified_email": record.verified_email and not record.is_guest,
        "phone": record.phone,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "accepts_marketing": record.accepts_marketing,
        "address": dict(record.address) if record.address else None,
        "tags": record.tags,
        "locale": record.locale,
        "birthday": record.birthday,
        "platform_created_at": record.created_at,
        "platform_updated_at": record.updated_at,
        "content_hash": content_hash(record),
        "deleted_at": None,
        "created_at": now,
        "updated_at": now,
    }


@retrying
async def upsert_customers(store: Store, records: Sequence[CustomerRecord]) -> None:
    """Write one page of customers in one statement."""
    now = _now()
    async with in_transaction() as conn:
        await _CUSTOMERS.run(conn, _dedupe([_customer_row(store, r, now) for r in records]))


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the newest row per platform id: one statement cannot touch a row twice."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = newest.get(row["platform_id"])
        if seen is None or row["platform_updated_at"] >= seen["platform_updated_at"]:
            newest[row["platform_id"]] = row
    return [newest[key] for key in sorted(newest)]  # one lock order for every writer of a page


@retrying
async def upsert_orders(store: Store, records: Sequence[OrderRecord]) -> list[int]:
    """Write one page of orders with their customers, lines and refunds.

    Returns the ids of the orders that changed, so loyalty and insights can react to exactly those.
    """
    now = _now()
    customers = [_customer_row(store, r.customer, now) for r in records if r.customer]
    order_rows = _dedupe([_order_row(store, r, now) for r in records])
    by_platform_id = {r.platform_id: r for r in records}
    async with in_transaction() as conn:
        await _CUSTOMERS.run(conn, _dedupe(customers))
        written = await _ORDERS.run(conn, order_rows)
        ids = {row["platform_id"]: row["id"] for row in written}
        lines = [_line_row(store, ids[pid], line) for pid in ids for line in by_platform_id[pid].lines]
        await _LINES.run(conn, lines)
        await delete_missing(
            conn,
            OrderLine,
            parent="order_id",
            parent_ids=list(ids.values()),
            keep=[row["platform_id"] for row in lines],
        )
        refunds = [(ids[pid], by_platform_id[pid].currency, r) for pid in ids for r in by_platform_id[pid].refunds]
        await _write_refunds(conn, store, refunds, now)
    return list(ids.values())


async def _write_refunds(
    conn: BaseDBAsyncClient,
    store: Store,
    refunds: Sequence[tuple[int, str, RefundRecord]],
    now: datetime,
) -> int:
    """Insert new refunds (order id, currency, record) and their lines: two statements."""
    written = await _REFUNDS.run(
        conn, [_refund_row(store, order_id, currency, r, now) for order_id, currency, r in refunds]
    )
    refund_ids = {row["platform_id"]: row["id"] for row in written}
    await _REFUND_LINES.run(
        conn,
        [
            {
                "refund_id": refund_ids[r.platform_id],
                "store_id": store.id,
                "platform_id": line.platform_id,
                "line_platform_id": line.line_platform_id,
                "quantity": line.quantity,
                "amount": line.amount,
            }
            for _, _, r in refunds
            if r.platform_id in refund_ids
            for line in r.lines
        ],
    )
    return len(refund_ids)


@retrying
async def upsert_refunds(store: Store, order_platform_id: str, refunds: Sequence[RefundRecord]) -> int:
    """Add refunds that arrive on their own (a refund webhook); returns how many were new."""
    order = await Order.get_or_none(store_id=store.id, platform_id=order_platform_id)
    if order is None:
        raise LookupError(f"order {order_platform_id} of store {store.id} is not synced yet")
    async with in_transaction() as conn:
        return await _write_refunds(conn, store, [(order.id, order.currency, r) for r in refunds], _now())


def _order_row(store: Store, r: OrderRecord, now: datetime) -> dict[str, Any]:
    return {
        "merchant_id": store.merchant_id,
        "store_id": store.id,
        "customer_platform_id": r.customer.platform_id if r.customer else None,
        "platform_id": r.platform_id,
        "name": r.name,
        "email": r.email,
        "phone": r.phone,
        "currency": r.currency,
        "subtotal": r.subtotal,
        "total_discount": r.total_discount,
        "shipping": r.shipping,
        "tax": r.tax,
        "total": r.total,
        "total_refunded": r.total_refunded,
        "financial_status": r.financial_status,
        "fulfillment_status": r.fulfillment_status,
        "cancelled_at": r.cancelled_at,
        "cancel_reason": r.cancel_reason,
        "discount_codes": list(r.discount_codes),
        "shipping_address": dict(r.shipping_address) if r.shipping_address else None,
        "test": r.test,
        "platform_created_at": r.created_at,
        "platform_updated_at": r.updated_at,
        "content_hash": content_hash(r),
        "deleted_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _line_row(store: Store, order_id: int, line: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "store_id": store.id,
        "platform_id": line.platform_id,
        "product_platform_id": line.product_platform_id,
        "variant_platform_id": line.variant_platform_id,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "total_discount": line.total_discount,
        "total": line.total,
        "is_gift_card": line.is_gift_card,
    }


def _refund_row(store: Store, order_id: int, currency: str, r: RefundRecord, now: datetime) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "store_id": store.id,
        "platform_id": r.platform_id,
        "amount": r.amount,
        "currency": currency,
        "note": r.note,
        "store_credit": r.store_credit,
        "platform_created_at": r.created_at,
        "created_at": now,
    }


@retrying
async def upsert_products(store: Store, records: Sequence[ProductRecord]) -> int:
    """Write one page of products with their variants; returns products changed."""
    now = _now()
    rows = _dedupe(
        [
            {
                "merchant_id": store.merchant_id,
                "store_id": store.id,
                "platform_id": r.platform_id,
                "title": r.title,
                "handle": r.handle,
                "vendor": r.vendor,
                "category": r.category,
                "status": r.status,
                "image_url": r.image_url,
                "image_alt": r.image_alt,
                "url": r.url,
                "platform_updated_at": r.updated_at,
                "content_hash": content_hash(r),
                "deleted_at": None,
                "created_at": now,
                "updated_at": now,
            }
            for r in records
        ]
    )
    by_platform_id = {r.platform_id: r for r in records}
    async with in_transaction() as conn:
        written = await _PRODUCTS.run(conn, rows)
        ids = {row["platform_id"]: row["id"] for row in written}
        variants = [
            {
                "product_id": ids[pid],
                "store_id": store.id,
                "platform_id": v.platform_id,
                "sku": v.sku,
                "title": v.title,
                "price": v.price,
                "compare_at_price": v.compare_at_price,
                "in_stock": v.in_stock,
            }
            for pid in ids
            for v in by_platform_id[pid].variants
        ]
        await _VARIANTS.run(conn, variants)
        await delete_missing(
            conn,
            Variant,
            parent="product_id",
            parent_ids=list(ids.values()),
            keep=[v["platform_id"] for v in variants],
        )
    return len(ids)


async def mark_deleted(
    store: Store, model: type[Customer] | type[Order] | type[Product], platform_ids: Sequence[str]
) -> int:
    """Soft-delete rows the platform deleted: they leave every scope, their history stays. The
    change is stamped (``updated_at``), so an incremental insights refresh sees it."""
    if not platform_ids:
        return 0
    now = _now()
    return await model.filter(store_id=store.id, platform_id__in=list(platform_ids), deleted_at=None).update(
        deleted_at=now, updated_at=now
    )
