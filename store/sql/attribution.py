"""Orders attributed to the entries of a campaign: per entry, what the person bought in the
window after entering and whether an order carried the entry's code, in one grouped statement.

An entry table is any model with ``id``, ``merchant_id``, ``campaign_id``, ``profile_id``,
``group``, ``entered_at`` and ``code`` columns (``campaigns.models.CampaignEntry``); the store
does not import campaigns, so the caller hands the models in. An entry's ``profile_id`` is a
member key, as campaign audiences name people: each customer account stands for the member
holding its points (``owner_id``, else its insight profile before loyalty gave it an owner),
followed through loyalty's merges (``aliases``, a merged key to the member holding it now). The
entry's orders are those of every account of its member, on any store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.models import Customer, Order
from store.sql.dialect import Dialect, dialect_of
from store.sql.encoding import dumps

_MONEY = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class EntryOrders:
    """One entry's orders in one currency (an entry whose person paid in two currencies has two)."""

    entry_id: int
    group: str
    currency: str
    orders: int
    """Live orders (not cancelled, test or deleted) placed in the window."""
    revenue: Decimal
    """Their totals net of refunds."""
    redeemed: bool
    """An order after entering carried the entry's code (compared without case), window or not."""
    discount: Decimal
    """The discounts of the orders that carried the code."""


def _money(value: Any) -> Decimal:
    """SQLite sums the stored decimal text as a double: back to the column's four places."""
    return Decimal(str(value or 0)).quantize(_MONEY)


def _numbered(dialect: Dialect) -> Callable[[int], str]:
    """Placeholders by number, since these statements use a parameter more than once (SQLite's
    plain ``?`` takes the next parameter each time it appears)."""
    return dialect.param if dialect.postgres else lambda n: f"?{n}"


def _aliases(dialect: Dialect, n: int) -> str:
    """Pairs ``(p, h)`` bound as parameter ``n``: profile ``p`` counts for member ``h``."""
    return dialect.pick(
        postgres=f"SELECT p, h FROM json_to_recordset(${n}::json) AS a(p bigint, h bigint)",
        sqlite=f"SELECT json_extract(value, '$.p') AS p, json_extract(value, '$.h') AS h FROM json_each(?{n})",
    )


def _window_sql(dialect: Dialect, entries: str) -> str:
    customers, orders = Customer._meta.db_table, Order._meta.db_table
    p = _numbered(dialect)
    if dialect.postgres:
        after = 'o."platform_created_at" >= e."entered_at"'
        in_window = f'o."platform_created_at" < e."entered_at" + make_interval(days => {p(4)})'
        coded = (
            'EXISTS (SELECT 1 FROM jsonb_array_elements_text(o."discount_codes"::jsonb) AS d(c) '
            'WHERE lower(d.c) = lower(e."code"))'
        )
    else:
        after = 'julianday(o."platform_created_at") >= julianday(e."entered_at")'
        in_window = f'julianday(o."platform_created_at") < julianday(e."entered_at") + {p(4)}'
        coded = 'EXISTS (SELECT 1 FROM json_each(o."discount_codes") AS d WHERE lower(d.value) = lower(e."code"))'
    before_now = dialect.pick(
        postgres=f'o."platform_created_at" < {p(3)}',
        sqlite=f'julianday(o."platform_created_at") < julianday({p(3)})',
    )
    coded = f'(e."code" IS NOT NULL AND {coded})'
    return (
        f"WITH aliases AS ({_aliases(dialect, 5)}), "
        f'anchors AS (SELECT c."id" AS customer_id, COALESCE(c."owner_id", c."profile_id") AS anchor '
        f'FROM "{customers}" AS c WHERE c."merchant_id" = {p(1)}), '
        f"people AS (SELECT n.customer_id, COALESCE(a.h, n.anchor) AS key FROM anchors AS n "
        f"LEFT JOIN aliases AS a ON a.p = n.anchor WHERE n.anchor IS NOT NULL) "
        f'SELECT e."id", e."group", o."currency", '
        f"SUM(CASE WHEN {in_window} THEN 1 ELSE 0 END), "
        f'SUM(CASE WHEN {in_window} THEN o."total" - o."total_refunded" ELSE 0 END), '
        f"MAX(CASE WHEN {coded} THEN 1 ELSE 0 END), "
        f'SUM(CASE WHEN {coded} THEN o."total_discount" ELSE 0 END) '
        f'FROM "{entries}" AS e JOIN people AS pe ON pe.key = e."profile_id" '
        f'JOIN "{orders}" AS o ON o."customer_id" = pe.customer_id '
        f'WHERE e."merchant_id" = {p(1)} AND e."campaign_id" = {p(2)} AND o."merchant_id" = {p(1)} '
        f'AND o."deleted_at" IS NULL AND o."cancelled_at" IS NULL AND NOT o."test" '
        f"AND {after} AND {before_now} "
        f'GROUP BY e."id", e."group", o."currency"'
    )


async def entry_orders(
    conn: BaseDBAsyncClient,
    entries: type[Model],
    *,
    merchant_id: int,
    campaign_id: int,
    days: int,
    now: datetime,
    aliases: Mapping[int, int],
) -> list[EntryOrders]:
    """Per entry of the campaign and order currency, the orders placed from ``entered_at`` to
    ``entered_at + days`` (and before ``now``), and the code's use by any order after entering.
    Entries whose person has no order after entering are absent."""
    dialect = dialect_of(conn)
    pairs = dumps([{"p": p, "h": h} for p, h in aliases.items()])
    sql = _window_sql(dialect, entries._meta.db_table)
    _, rows = await conn.execute_query(sql, [merchant_id, campaign_id, dialect.time(now), days, pairs])
    return [
        EntryOrders(int(r[0]), str(r[1]), str(r[2]), int(r[3] or 0), _money(r[4]), bool(r[5]), _money(r[6]))
        for r in rows
    ]


async def fresh_statistics(conn: BaseDBAsyncClient, rows: Mapping[type[Model], int]) -> bool:
    """Give PostgreSQL statistics of the models' tables when it believes one holds fewer than
    half of the rows given for it (rows one campaign is known to have there); returns whether
    it did.

    The statements here join the entries, messages and orders on plans chosen from table
    statistics. A run writes a campaign's entries and messages in one go, and until the tables
    are analyzed (autovacuum takes a while, and may be off) the planner sees the empty tables
    of before and nests loops over every entry: minutes at 75,000 entries instead of a second.
    ANALYZE samples, so it costs a fraction of a second at that size, and runs only when stale."""
    dialect = dialect_of(conn)
    wanted = {m._meta.db_table: n for m, n in rows.items() if n >= 1000}
    if not dialect.postgres or not wanted:
        return False
    _, found = await conn.execute_query(
        "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname = ANY($1::text[])", [list(wanted)]
    )
    believed = {str(name): float(n) for name, n in found}
    if all(believed.get(table, -1) >= n / 2 for table, n in wanted.items()):
        return False
    await dialect.analyze(conn, wanted)
    return True


@dataclass(frozen=True, slots=True)
class MessageCount:
    group: str
    status: str
    opened: bool
    messages: int


async def message_counts(
    conn: BaseDBAsyncClient, entries: type[Model], messages: type[Model], *, merchant_id: int, campaign_id: int
) -> list[MessageCount]:
    """The campaign's messages by the entry's group, their status and whether they were opened."""
    p = _numbered(dialect_of(conn))
    opened = 'm."opened_at" IS NOT NULL'
    sql = (
        f'SELECT e."group", m."status", {opened}, COUNT(*) '
        f'FROM "{messages._meta.db_table}" AS m JOIN "{entries._meta.db_table}" AS e ON e."id" = m."entry_id" '
        f'WHERE m."merchant_id" = {p(1)} AND m."campaign_id" = {p(2)} AND e."campaign_id" = {p(2)} '
        f'GROUP BY e."group", m."status", {opened}'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, campaign_id])
    return [MessageCount(str(r[0]), str(r[1]), bool(r[2]), int(r[3])) for r in rows]


async def recipients(
    conn: BaseDBAsyncClient, entries: type[Model], messages: type[Model], *, merchant_id: int, campaign_id: int
) -> dict[str, int]:
    """Entries of each group with at least one message of the campaign."""
    p = _numbered(dialect_of(conn))
    sql = (
        f'SELECT e."group", COUNT(DISTINCT m."entry_id") '
        f'FROM "{messages._meta.db_table}" AS m JOIN "{entries._meta.db_table}" AS e ON e."id" = m."entry_id" '
        f'WHERE m."merchant_id" = {p(1)} AND m."campaign_id" = {p(2)} AND e."campaign_id" = {p(2)} '
        f'GROUP BY e."group"'
    )
    _, rows = await conn.execute_query(sql, [merchant_id, campaign_id])
    return {str(r[0]): int(r[1]) for r in rows}
