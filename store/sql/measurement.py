"""Measurement's reads: orders grouped by person (or store account) and month, in the database.

An order counts as insights' history counts it: live (not deleted), not a test, not cancelled,
placed by a customer that is not erased and has a profile; its revenue is its total net of
refunds, converted to the report's currency by ``rates`` (orders in a currency without a rate
make their customer active but add no revenue). The unit is the person (the customer's profile)
across stores, or the store account (the customer) when one store is asked for. Months are
calendar months in UTC, numbered ``year * 12 + month - 1`` so that consecutive months differ by 1.

Each function is one statement whatever the number of months or customers: the grouping happens
in the database and only one row per month (or cohort cell, or group) comes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store.models import Customer, Order, Store
from store.sql.dialect import Dialect, dialect_of

_MONEY = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose orders: one merchant, all its stores (``store_id`` None: the person) or one store (the account)."""

    merchant_id: int
    store_id: int | None = None
    rates: Mapping[str, Decimal] | None = None
    """Units of the report's currency per unit of each order currency; None: no revenue is read."""


@dataclass(frozen=True, slots=True)
class MonthActivity:
    month: int
    active: int
    new: int
    retained: int
    """Active this month and in the month before."""
    orders: int
    became_repeat: int
    """Customers whose second counted order ever falls in this month."""


@dataclass(frozen=True, slots=True)
class CohortCellRow:
    cohort: int
    months_since: int
    active: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class ClvRow:
    key: str
    label: str
    currency: str
    customers: int
    total: Decimal


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_MONEY)


def _rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in rows]


def month_index(dialect: Dialect, column: str) -> str:
    """``year * 12 + month - 1`` of a stored time, in UTC."""
    return dialect.pick(
        postgres=f"(CAST(EXTRACT(YEAR FROM {column} AT TIME ZONE 'UTC') AS INTEGER) * 12 "
        f"+ CAST(EXTRACT(MONTH FROM {column} AT TIME ZONE 'UTC') AS INTEGER) - 1)",
        sqlite=f"(CAST(strftime('%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%m', {column}) AS INTEGER) - 1)",
    )


def _counted(dialect: Dialect, scope: Scope, args: list[Any]) -> str:
    """The counted orders as a subquery: unit, order id, time, month index and revenue. Parameters are
    appended in the order they appear in the text (SQLite's are positional)."""
    p = dialect.param
    revenue = "0"
    if scope.rates:
        cases = []
        for currency, rate in sorted(scope.rates.items()):
            args += [currency, dialect.pick(postgres=rate, sqlite=str(rate))]
            cases.append(f"WHEN {p(len(args) - 1)} THEN CAST({p(len(args))} AS NUMERIC)")
        revenue = f'(o."total" - o."total_refunded") * (CASE o."currency" {" ".join(cases)} ELSE 0 END)'
    args.append(scope.merchant_id)
    where = [
        f'o."merchant_id" = {p(len(args))}',
        'o."deleted_at" IS NULL',
        'NOT o."test"',
        'o."cancelled_at" IS NULL',
        'c."deleted_at" IS NULL',
        'c."profile_id" IS NOT NULL',
    ]
    if scope.store_id is not None:
        args.append(scope.store_id)
        where.append(f'o."store_id" = {p(len(args))}')
    unit = 'c."profile_id"' if scope.store_id is None else 'o."customer_id"'
    month = month_index(dialect, 'o."platform_created_at"')
    return (
        f'SELECT {unit} AS unit, o."id" AS oid, o."platform_created_at" AS at, '
        f"{month} AS mi, {revenue} AS revenue "
        f'FROM "{Order._meta.db_table}" o JOIN "{Customer._meta.db_table}" c ON c."id" = o."customer_id" '
        f"WHERE {' AND '.join(where)}"
    )


async def month_activity(conn: BaseDBAsyncClient, scope: Scope) -> list[MonthActivity]:
    """Per month with orders: active, new, retained customers, orders and customers turning repeat."""
    dialect = dialect_of(conn)
    args: list[Any] = []
    counted = _counted(dialect, scope, args)
    sql = (
        f"WITH o AS ({counted}), "
        "um AS (SELECT unit, mi, COUNT(*) AS n FROM o GROUP BY unit, mi), "
        "w AS (SELECT mi, n, MIN(mi) OVER (PARTITION BY unit) AS first_mi, "
        "LAG(mi) OVER (PARTITION BY unit ORDER BY mi) AS prev_mi, "
        "SUM(n) OVER (PARTITION BY unit ORDER BY mi ROWS UNBOUNDED PRECEDING) AS cum FROM um) "
        "SELECT mi, COUNT(*), SUM(CASE WHEN mi = first_mi THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN prev_mi = mi - 1 THEN 1 ELSE 0 END), SUM(n), "
        "SUM(CASE WHEN cum >= 2 AND cum - n < 2 THEN 1 ELSE 0 END) FROM w GROUP BY mi ORDER BY mi"
    )
    _, rows = await conn.execute_query(sql, args)
    return [MonthActivity(*(int(v) for v in row)) for row in _rows(rows)]


async def median_gap_days(conn: BaseDBAsyncClient, scope: Scope) -> dict[int, float]:
    """Per month: the median of the days between each order placed in it and the same customer's
    order before (any month); months without such a pair are absent."""
    dialect = dialect_of(conn)
    args: list[Any] = []
    counted = _counted(dialect, scope, args)
    gap = dialect.pick(
        postgres="EXTRACT(EPOCH FROM (at - prev_at)) / 86400.0",
        sqlite="julianday(at) - julianday(prev_at)",
    )
    sql = (
        f"WITH o AS ({counted}), "
        "l AS (SELECT mi, at, LAG(at) OVER (PARTITION BY unit ORDER BY at, oid) AS prev_at FROM o), "
        f"g AS (SELECT mi, {gap} AS gap FROM l WHERE prev_at IS NOT NULL), "
        "r AS (SELECT mi, gap, ROW_NUMBER() OVER (PARTITION BY mi ORDER BY gap) AS rn, "
        "COUNT(*) OVER (PARTITION BY mi) AS cnt FROM g) "
        "SELECT mi, AVG(gap) FROM r WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY mi ORDER BY mi"
    )
    _, rows = await conn.execute_query(sql, args)
    return {int(mi): float(value) for mi, value in _rows(rows)}


async def cohort_cells(conn: BaseDBAsyncClient, scope: Scope) -> list[CohortCellRow]:
    """Per cohort (month of first counted order) and months since: active customers and revenue."""
    dialect = dialect_of(conn)
    args: list[Any] = []
    counted = _counted(dialect, scope, args)
    sql = (
        f"WITH o AS ({counted}), "
        "um AS (SELECT unit, mi, SUM(revenue) AS rev FROM o GROUP BY unit, mi), "
        "w AS (SELECT mi, rev, MIN(mi) OVER (PARTITION BY unit) AS cohort FROM um) "
        "SELECT cohort, mi - cohort, COUNT(*), SUM(rev) FROM w GROUP BY cohort, mi - cohort ORDER BY cohort, mi - cohort"
    )
    _, rows = await conn.execute_query(sql, args)
    return [CohortCellRow(int(c), int(s), int(n), _money(rev)) for c, s, n, rev in _rows(rows)]


async def clv_groups(conn: BaseDBAsyncClient, merchant_id: int, predictions: str, dimension: str) -> list[ClvRow]:
    """CLV predictions (table ``predictions``: profile_id, currency, clv) summed per group and currency.

    ``dimension``: ``cohort`` (YYYY-MM of the person's first counted order on any store; people
    whose counted orders are all gone are ``none``), ``store`` (the store of the person's first
    account, as insights' home store) or ``platform`` (that store's platform)."""
    dialect = dialect_of(conn)
    args: list[Any] = []

    def merchant() -> str:
        """The merchant id as the next parameter (SQLite's are positional, so each use binds again)."""
        args.append(merchant_id)
        return dialect.param(len(args))

    customers, stores, orders = Customer._meta.db_table, Store._meta.db_table, Order._meta.db_table
    if dimension == "cohort":
        month = dialect.pick(
            postgres="to_char(MIN(o.\"platform_created_at\") AT TIME ZONE 'UTC', 'YYYY-MM')",
            sqlite="strftime('%Y-%m', MIN(o.\"platform_created_at\"))",
        )
        group = (
            f'SELECT c."profile_id" AS pid, {month} AS gkey, {month} AS glabel '
            f'FROM "{orders}" o JOIN "{customers}" c ON c."id" = o."customer_id" '
            f'WHERE o."merchant_id" = {merchant()} AND o."deleted_at" IS NULL AND NOT o."test" '
            f'AND o."cancelled_at" IS NULL AND c."deleted_at" IS NULL AND c."profile_id" IS NOT NULL '
            f'GROUP BY c."profile_id"'
        )
    elif dimension in ("store", "platform"):
        key, label = (
            ('CAST(s."id" AS TEXT)', 'COALESCE(NULLIF(s."name", \'\'), s."domain")')
            if dimension == "store"
            else ('s."platform"', 's."platform"')
        )
        group = (
            f"SELECT h.pid AS pid, {key} AS gkey, {label} AS glabel FROM ("
            f'SELECT c."profile_id" AS pid, MIN(c."id") AS cid FROM "{customers}" c '
            f'WHERE c."merchant_id" = {merchant()} AND c."deleted_at" IS NULL AND c."profile_id" IS NOT NULL '
            f'GROUP BY c."profile_id") h JOIN "{customers}" c ON c."id" = h.cid JOIN "{stores}" s ON s."id" = c."store_id"'
        )
    else:
        raise ValueError(f"unknown CLV dimension {dimension!r}")
    sql = (
        f"SELECT COALESCE(g.gkey, 'none'), COALESCE(g.glabel, 'none'), v.\"currency\", COUNT(*), SUM(v.\"clv\") "
        f'FROM "{predictions}" v LEFT JOIN ({group}) g ON g.pid = v."profile_id" '
        f'WHERE v."merchant_id" = {merchant()} '
        f"GROUP BY COALESCE(g.gkey, 'none'), COALESCE(g.glabel, 'none'), v.\"currency\" "
        f"ORDER BY 1, 3"
    )
    _, rows = await conn.execute_query(sql, args)
    return [ClvRow(str(k), str(lab), str(cur), int(n), _money(total)) for k, lab, cur, n, total in _rows(rows)]
