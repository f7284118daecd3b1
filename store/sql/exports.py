"""The CSV exports' reads that the ORM cannot say in one statement: segment sizes with their
members, spend and CLV, grouped in the database.

The store does not import insights or loyalty, so the caller names their tables (``Tables``).
A member counts in the segment of the person its points are kept under (the surviving profile
of its key), so a merged person is counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.models import Profile
from store.sql.dialect import dialect_of
from store.sql.reads import Row, select


@dataclass(frozen=True, slots=True)
class Tables:
    segments: str
    predictions: str
    members: str


@dataclass(frozen=True, slots=True)
class SegmentTotals:
    """One named segment in one currency: people, members among them, net spend and predicted CLV."""

    segment: str
    currency: str
    people: int
    members: int
    revenue: Decimal
    clv: Decimal


_MONEY = Decimal("0.0001")


def _money(value: Any) -> Decimal:
    """A sum as exact money: SQLite sums the stored text as a float, so it is rounded back to 4 places."""
    return Decimal(str(value or 0)).quantize(_MONEY)


async def segment_totals(conn: BaseDBAsyncClient, tables: Tables, merchant_id: int) -> list[SegmentTotals]:
    """Every segment of the merchant with its totals, largest first, in one statement."""
    p = dialect_of(conn).param
    profiles = Profile._meta.db_table
    sql = (
        f'WITH held AS (SELECT DISTINCT COALESCE(k."merged_into_id", k."id") AS person FROM "{tables.members}" m '
        f'JOIN "{profiles}" k ON k."id" = m."profile_id" WHERE m."merchant_id" = {p(1)} AND m."merged_into_id" IS NULL) '
        'SELECT g."segment", g."currency", COUNT(*), COUNT(h.person), SUM(g."monetary"), SUM(COALESCE(c."clv", 0)) '
        f'FROM "{tables.segments}" g LEFT JOIN held h ON h.person = g."profile_id" '
        f'LEFT JOIN "{tables.predictions}" c ON c."profile_id" = g."profile_id" AND c."currency" = g."currency" '
        f'WHERE g."merchant_id" = {p(2)} GROUP BY g."segment", g."currency" '
        'ORDER BY COUNT(*) DESC, g."segment", g."currency"'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, merchant_id])
    return [SegmentTotals(str(r[0]), str(r[1]), int(r[2]), int(r[3] or 0), _money(r[4]), _money(r[5])) for r in rows]


async def rows_of_people(
    conn: BaseDBAsyncClient,
    model: type[Model],
    columns: Sequence[str],
    merchant_id: int,
    ids: Sequence[int],
    *,
    column: str = "profile_id",
    live: bool = False,
) -> list[Row]:
    """``columns`` of the merchant's ``model`` rows whose ``column`` is one of ``ids`` (a page of
    people): the id list is one parameter, and ``live`` leaves out soft-deleted rows."""
    dialect = dialect_of(conn)
    quoted = f'"{column}"'
    where = f'"merchant_id" = {dialect.param(1)} AND {dialect.in_ids(quoted, 2)}'
    if live:
        where += ' AND "deleted_at" IS NULL'
    return await select(conn, model, columns, where, [merchant_id, dialect.ids(ids)])
