"""A merchant's purchases read for the insights refresh: pages of rows, and sums per person.

Orders count when live, not test and not cancelled; a person is a live customer's profile.
Orders come in pages (a keyset), each with its lines, so no read holds a whole table at once. Sums per person are GROUP BY
in the database. SQLite sums stored money text as floats, so there money is summed as integer
ten-thousandths (``MoneyField`` has 4 places) and comes back exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient

from store.models import Customer, Order, OrderLine, Product
from store.sql.dialect import Dialect, dialect_of

PAGE = 20_000
"""Rows per page of the keyset reads."""

_LIVE = 'o."deleted_at" IS NULL AND NOT o."test" AND o."cancelled_at" IS NULL'
_PERSON = 'c."deleted_at" IS NULL AND c."profile_id" IS NOT NULL'
_PLACES = 4


def _numbered(dialect: Dialect) -> Callable[[int], str]:
    """Placeholders by number: these statements use the merchant id twice (SQLite's plain ``?``
    takes the next parameter each time)."""
    return dialect.param if dialect.postgres else lambda n: f"?{n}"


def _among(dialect: Dialect, column: str, n: int) -> str:
    """``column`` is one of the ids bound as parameter ``n`` (``dialect.ids``), numbered on SQLite
    too, as these statements number their parameters."""
    if dialect.postgres:
        return f"{column} IN (SELECT unnest(${n}::bigint[]))"
    return f"{column} IN (SELECT value FROM json_each(?{n}))"


def _people(dialect: Dialect, profiles: Collection[int] | None, n: int) -> tuple[str, list[Any]]:
    """The filter to ``profiles`` (an incremental refresh) as parameter ``n``, or nothing (everyone)."""
    if profiles is None:
        return "", []
    return " AND " + _among(dialect, 'c."profile_id"', n), [dialect.ids(sorted(profiles))]


def _money(dialect: Dialect, column: str) -> str:
    """A money column summed exactly: numeric on PostgreSQL, integer ten-thousandths on SQLite."""
    if dialect.postgres:
        return f"SUM({column})"
    return f"SUM(CAST(ROUND(CAST({column} AS REAL) * 10000) AS INTEGER))"


def _positive(dialect: Dialect, column: str) -> str:
    """SQLite compares a money column's text with a number as text, so it is cast first."""
    return f"{column} > 0" if dialect.postgres else f"CAST({column} AS REAL) > 0"


def money_reader(dialect: Dialect) -> Callable[[Any], Decimal]:
    """Turns a ``_money`` sum (or NULL) into an exact Decimal with the field's 4 places."""
    if dialect.postgres:
        return lambda v: Decimal(0).scaleb(-_PLACES) if v is None else cast(Decimal, v)
    return lambda v: Decimal(int(v or 0)).scaleb(-_PLACES)


def _time() -> Callable[[Any], datetime]:
    field = cast(fields.DatetimeField[Any], Order._meta.fields_map["platform_created_at"])
    return cast(Callable[[Any], datetime], field.to_python_value)


def _table(model: Any) -> str:
    return str(model._meta.db_table)


OrderTuple = tuple[int, int, int | None, str, Decimal, Decimal, bool, datetime]
"""(id, store id, customer id or None, currency, total, refunded, discounted, created at)"""
LineTuple = tuple[int, int | None, Decimal]
"""(order id, product id or None, total)"""


async def order_pages(
    conn: BaseDBAsyncClient, merchant_id: int, page: int = PAGE, *, customers: Collection[int] | None = None
) -> AsyncIterator[tuple[list[OrderTuple], list[LineTuple]]]:
    """Live orders by (created at, id), with the lines of each page's orders; money and times as
    the ORM reads them, ``discounted`` a bool, a line's product matched by store and platform id.
    ``customers``: only these customers' orders (an incremental refresh; found by customer id).

    The keyset is (created at, id), not id alone: the (merchant, created at) index then finds
    each page where the last one ended, where an id keyset scans and sorts all of the
    merchant's orders for every page."""
    dialect = dialect_of(conn)
    p = _numbered(dialect)
    select = (
        f'SELECT o."id", o."store_id", o."customer_id", o."currency", o."total", o."total_refunded", '
        f'{_positive(dialect, "o.total_discount")}, o."platform_created_at" FROM "{_table(Order)}" AS o '
        f'WHERE o."merchant_id" = {p(1)} AND {_LIVE}'
    )
    chosen = [] if customers is None else [dialect.ids(sorted(customers))]

    def among(n: int) -> str:
        return "" if customers is None else " AND " + _among(dialect, 'o."customer_id"', n)

    order = f' ORDER BY o."platform_created_at", o."id" LIMIT {p(2)}'
    after = f' AND o."platform_created_at" >= {p(3)} AND (o."platform_created_at" > {p(3)} OR o."id" > {p(4)})'
    line_order = 'l."order_id"'
    lines = (
        f'SELECT l."order_id", pr."id", l."total" FROM "{_table(OrderLine)}" AS l '
        f'LEFT JOIN "{_table(Product)}" AS pr ON pr."store_id" = l."store_id" '
        f'AND pr."platform_id" = l."product_platform_id" '
        f"WHERE {dialect.in_ids(line_order, 1)} "
        f'ORDER BY l."id"'
    )
    money = _decimal_reader(dialect)
    when = _time()
    _, rows = await conn.execute_query(select + among(3) + order, [merchant_id, page, *chosen])
    while rows:
        orders = [
            (int(r[0]), int(r[1]), r[2], str(r[3]), money(r[4]), money(r[5]), bool(r[6]), when(r[7])) for r in rows
        ]
        _, found = await conn.execute_query(lines, [dialect.ids(o[0] for o in orders)])
        yield orders, [(int(r[0]), r[1], money(r[2])) for r in found]
        if len(rows) < page:
            return
        last = rows[-1]
        _, rows = await conn.execute_query(
            select + among(5) + after + order, [merchant_id, page, last[7], last[0], *chosen]
        )


def _decimal_reader(dialect: Dialect) -> Callable[[Any], Decimal]:
    """Stored money as the ORM reads it (4 places)."""
    if dialect.postgres:
        return lambda v: cast(Decimal, v)
    field = cast(fields.DecimalField[Any], Order._meta.fields_map["total"])
    return cast(Callable[[Any], Decimal], field.to_python_value)


@dataclass(frozen=True, slots=True)
class StoreCurrencySums:
    """One person's live orders at one store in one currency."""

    profile_id: int
    store_id: int
    currency: str
    orders: int
    refunded_orders: int
    revenue: Decimal
    refunded: Decimal
    discounted_revenue: Decimal
    first_order_at: datetime
    last_order_at: datetime


async def store_currency_sums(
    conn: BaseDBAsyncClient, merchant_id: int, profiles: Collection[int] | None = None
) -> list[StoreCurrencySums]:
    """Per person, store and currency, ordered so; one GROUP BY over the merchant's orders (or
    over ``profiles``' orders only)."""
    dialect = dialect_of(conn)
    p = _numbered(dialect)
    people, chosen = _people(dialect, profiles, 2)
    discounted = f'CASE WHEN {_positive(dialect, "o.total_discount")} THEN o."total" ELSE 0 END'
    sql = (
        f'SELECT c."profile_id", o."store_id", o."currency", COUNT(*), '
        f"SUM(CASE WHEN {_positive(dialect, 'o.total_refunded')} THEN 1 ELSE 0 END), "
        f"{_money(dialect, 'o.total')}, {_money(dialect, 'o.total_refunded')}, {_money(dialect, discounted)}, "
        f'MIN(o."platform_created_at"), MAX(o."platform_created_at") '
        f'FROM "{_table(Order)}" AS o JOIN "{_table(Customer)}" AS c ON c."id" = o."customer_id" '
        f'WHERE o."merchant_id" = {p(1)} AND {_LIVE} AND {_PERSON}{people} '
        f'GROUP BY c."profile_id", o."store_id", o."currency" ORDER BY c."profile_id", o."store_id", o."currency"'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, *chosen])
    money = money_reader(dialect)
    when = _time()
    return [
        StoreCurrencySums(
            int(r[0]),
            int(r[1]),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            money(r[5]),
            money(r[6]),
            money(r[7]),
            when(r[8]),
            when(r[9]),
        )
        for r in rows
    ]


async def line_spend(
    conn: BaseDBAsyncClient, merchant_id: int, profiles: Collection[int] | None = None
) -> list[tuple[int, str, str, str, Decimal]]:
    """Line spend per person, order currency, product category and vendor, ordered by person:
    (profile id, currency, category, vendor, spend); lines without a known product are left out."""
    dialect = dialect_of(conn)
    p = _numbered(dialect)
    people, chosen = _people(dialect, profiles, 2)
    sql = (
        f'SELECT c."profile_id", o."currency", pr."category", pr."vendor", {_money(dialect, "l.total")} '
        f'FROM "{_table(OrderLine)}" AS l JOIN "{_table(Order)}" AS o ON o."id" = l."order_id" '
        f'JOIN "{_table(Customer)}" AS c ON c."id" = o."customer_id" '
        f'JOIN "{_table(Product)}" AS pr ON pr."merchant_id" = {p(1)} AND pr."store_id" = l."store_id" '
        f'AND pr."platform_id" = l."product_platform_id" '
        f'WHERE o."merchant_id" = {p(1)} AND {_LIVE} AND {_PERSON}{people} '
        f'GROUP BY c."profile_id", o."currency", pr."category", pr."vendor" ORDER BY c."profile_id"'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, *chosen])
    money = money_reader(dialect)
    return [(int(r[0]), str(r[1]), str(r[2] or ""), str(r[3] or ""), money(r[4])) for r in rows]


async def shipping_addresses(
    conn: BaseDBAsyncClient, merchant_id: int, profiles: Collection[int] | None = None
) -> list[tuple[int, int, dict[str, Any], datetime]]:
    """Each distinct shipping address per person and store with its newest order time:
    (profile id, store id, address, observed at). Every order counts, as the address was given."""
    dialect = dialect_of(conn)
    p = _numbered(dialect)
    people, chosen = _people(dialect, profiles, 2)
    sql = (
        f'SELECT c."profile_id", o."store_id", o."shipping_address", MAX(o."platform_created_at") '
        f'FROM "{_table(Order)}" AS o JOIN "{_table(Customer)}" AS c ON c."id" = o."customer_id" '
        f'WHERE o."merchant_id" = {p(1)} AND o."deleted_at" IS NULL AND o."shipping_address" IS NOT NULL '
        f'AND {_PERSON}{people} GROUP BY c."profile_id", o."store_id", o."shipping_address"'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, *chosen])
    field = cast(fields.JSONField[Any], Order._meta.fields_map["shipping_address"])
    when = _time()
    out = []
    for profile_id, store_id, address, seen in rows:
        value = field.to_python_value(address)
        if isinstance(value, dict):
            out.append((int(profile_id), int(store_id), value, when(seen)))
    return out


async def money_totals(
    conn: BaseDBAsyncClient, table: str, merchant_id: int, groups: tuple[str, ...], money: str
) -> list[tuple[Any, ...]]:
    """Per group of one merchant's rows of ``table`` (a derived table its caller names, e.g. the
    segments): the group's values, the number of rows and the exact sum of the money column."""
    dialect = dialect_of(conn)
    keys = ", ".join(f'"{g}"' for g in groups)
    sql = (
        f'SELECT {keys}, COUNT(*), {_money(dialect, chr(34) + money + chr(34))} FROM "{table}" '
        f'WHERE "merchant_id" = {_numbered(dialect)(1)} GROUP BY {keys} ORDER BY {keys}'
    )
    _, rows = await conn.execute_query(sql, [merchant_id])
    read = money_reader(dialect)
    return [(*(r[i] for i in range(len(groups))), int(r[len(groups)]), read(r[len(groups) + 1])) for r in rows]


async def purchase_span(conn: BaseDBAsyncClient, merchant_id: int) -> tuple[datetime, datetime] | None:
    """The first and the last live order with a positive total net of refunds (the merchant's
    purchases as the refresh reads them), or None: two walks of the (merchant, created at) index."""
    dialect = dialect_of(conn)
    p = _numbered(dialect)
    net = (
        'o."total" - o."total_refunded" > 0'
        if dialect.postgres
        else 'CAST(o."total" AS REAL) - CAST(o."total_refunded" AS REAL) > 0'
    )
    sql = (
        f'SELECT o."platform_created_at" FROM "{_table(Order)}" AS o WHERE o."merchant_id" = {p(1)} '
        f'AND {_LIVE} AND {net} ORDER BY o."platform_created_at" {{}} LIMIT 1'
    )
    when = _time()
    _, first = await conn.execute_query(sql.format("ASC"), [merchant_id])
    if not first:
        return None
    _, last = await conn.execute_query(sql.format("DESC"), [merchant_id])
    return when(first[0][0]), when(last[0][0])
