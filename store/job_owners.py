"""Whose job is it: the merchant a job's first argument belongs to, as one SQL expression per kind.

A job row carries its merchant so a merchant's credentials see only their own jobs. The
merchant is derived from what the job works on (a store, an order, a delivery...) rather than
passed by each caller, so no enqueue can forget it; the embedded runner computes it inside its
INSERT, at no extra round trip on webhook intake.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from store.models import Job
from store.sql import dialect_of


class Owner(StrEnum):
    """What a job's first argument is an id of (a list of ids: its first one)."""

    OPERATOR = "operator"
    MERCHANT = "merchant"
    STORE = "store"
    WEBHOOK_EVENT = "webhook_event"
    CUSTOMER = "customer"
    ORDER = "order"


_MERCHANT_OF: dict[Owner, str] = {
    Owner.MERCHANT: 'SELECT m."id" FROM "merchants" m WHERE m."id" = {ref}',
    Owner.STORE: 'SELECT s."merchant_id" FROM "stores" s WHERE s."id" = {ref}',
    Owner.WEBHOOK_EVENT: (
        'SELECT s."merchant_id" FROM "webhook_events" e JOIN "stores" s ON s."id" = e."store_id" WHERE e."id" = {ref}'
    ),
    Owner.CUSTOMER: 'SELECT c."merchant_id" FROM "customers" c WHERE c."id" = {ref}',
    Owner.ORDER: 'SELECT o."merchant_id" FROM "orders" o WHERE o."id" = {ref}',
}


def merchant_sql(owner: Owner, ref: str) -> str:
    """The SQL expression of the merchant owning the id ``ref`` (NULL: the operator's job)."""
    lookup = _MERCHANT_OF.get(owner)
    return f"({lookup.format(ref=ref)})" if lookup else "NULL"


def reference(owner: Owner, args: Sequence[Any]) -> int | None:
    """The id a job's arguments name for its owner, if any."""
    if owner is Owner.OPERATOR or not args:
        return None
    first = args[0]
    if isinstance(first, list | tuple):
        first = first[0] if first else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


async def merchant_of(owner: Owner, args: Sequence[Any]) -> int | None:
    """The merchant of a job with these arguments, read now (for runners that write the row late)."""
    ref = reference(owner, args)
    if ref is None:
        return None
    conn = Job._meta.db
    sql = f"SELECT {merchant_sql(owner, dialect_of(conn).param(1))} AS merchant_id"
    rows = await conn.execute_query_dict(sql, [ref])
    return rows[0]["merchant_id"] if rows else None
