"""The program-impact reads: the members who took part and everyone else who bought, their
history before a join day and what they bought in the days after it, grouped in the database.

A member here is a person who chose to take part: their join day is the day of their first
chosen engagement (``Engagement``: a reward redeemed, an action they did, a referral). Having a
member row is no choice where the program enrols every buyer at their first order, so it decides
nothing here; everyone who bought and never engaged is a non-member.

A person is a surviving profile (an account merged into another counts for the survivor). An
order counts when it is live, not a test and not cancelled, of a customer not erased; its
amount is the total net of refunds, converted to the report currency at the rates given
(an order in a currency without a rate counts as an order but adds no money). Days are whole
UTC days since 1970-01-01, so windows are the same on both databases. The store imports
neither loyalty nor measure: the caller names loyalty's tables and values (``Tables``).

The cell a person falls in as of a day is written once (``_cell``) and used for members and
for non-members, so a member and their matched non-members are compared on the same figures.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store.models import Customer, Order, Profile
from store.sql.dialect import Dialect, dialect_of

RECENCY_DAYS = (30, 90, 180, 365)
"""Recency buckets: days since the last order before the join day (none: never bought)."""
FREQUENCY = (1, 2, 3, 5, 10)
"""Frequency buckets: orders before the join day, from these counts up."""
MONETARY = (100, 250, 500, 1000)
"""Monetary buckets: revenue before the join day, in the report currency."""


@dataclass(frozen=True, slots=True)
class Engagement:
    """What counts as choosing to take part, in loyalty's own values."""

    redemption_statuses: Sequence[str]
    """A reward redeemed: its code issued, used or expired (a failed one was never given)."""
    entry_kinds: Sequence[str]
    """Ledger entries the shopper's own doing earns: actions, referrals."""
    automatic_causes: Sequence[str]
    """Causes of those entries the shopper did not choose (the first order's bonus ...)."""
    refused_referral: str
    """The status of a referral claim the program refused: no engagement."""


@dataclass(frozen=True, slots=True)
class Tables:
    entries: str
    redemptions: str
    referrals: str
    engagement: Engagement


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A member with a join day: their cell then and what they bought before and after it."""

    person: int
    join_day: int
    cell: int
    home_store: int | None
    orders_after: int
    revenue_after: Decimal
    orders_before: int
    revenue_before: Decimal


@dataclass(frozen=True, slots=True)
class ControlCell:
    """The non-members in one cell as of one day, and what they bought in the days after it."""

    day: int
    cell: int
    home_store: int | None
    people: int
    orders: int
    revenue: Decimal
    repeaters: int
    """People with at least two orders in the window."""


@dataclass(frozen=True, slots=True)
class GroupRow:
    customers: int
    orders: int
    revenue: Decimal
    repeaters: int


@dataclass(frozen=True, slots=True)
class MemberCosts:
    person: int
    rewards: Decimal
    """The value of reward codes issued to them in their window (issued or used, not failed or expired unused)."""
    points_earned: int
    points_spent: int


_CODE = re.compile(r"^[A-Z]{3}$")


def _param(dialect: Dialect, n: int) -> str:
    """Parameter ``n``, numbered on both databases (``?n`` on SQLite): a statement of several
    subqueries uses the merchant and the window more than once."""
    return dialect.pick(postgres=f"${n}", sqlite=f"?{n}")


def _day(dialect: Dialect, column: str) -> str:
    """Whole UTC days since 1970-01-01 of a stored time."""
    return dialect.pick(
        postgres=f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS INTEGER)",
        sqlite=f"(CAST(strftime('%s', {column}) AS INTEGER) / 86400)",
    )


def _converted(amount: str, currency: str, rates: Mapping[str, Decimal]) -> str:
    """``amount`` in the report currency; 0 for a currency without a rate. Rates are written as
    literals (checked: three capital letters, a Decimal) so both databases type them alike."""
    cases = []
    for code, rate in sorted(rates.items()):
        if not _CODE.match(code):
            raise ValueError(f"not a currency code: {code!r}")
        cases.append(f"WHEN '{code}' THEN {format(Decimal(rate), 'f')}")
    if not cases:
        return "0"
    return f"({amount}) * (CASE {currency} {' '.join(cases)} ELSE 0 END)"


def _buckets(value: str, bounds: Sequence[int]) -> str:
    """0 below the first bound, 1 from it, ... (``value`` never NULL)."""
    whens = " ".join(f"WHEN {value} >= {b} THEN {i + 1}" for i, b in reversed(list(enumerate(bounds))))
    return f"(CASE {whens} ELSE 0 END)"


def _cell(orders: str, money: str, last_day: str, day: str) -> str:
    """The RFM cell as one number: recency × 100 + frequency × 10 + monetary. Recency 0 is
    "never bought"; 1 the most recent bucket (within 30 days), up to 5 (over a year)."""
    recency_whens = " ".join(f"WHEN {day} - {last_day} <= {d} THEN {i + 1}" for i, d in enumerate(RECENCY_DAYS))
    recency = f"(CASE WHEN {last_day} IS NULL THEN 0 {recency_whens} ELSE {len(RECENCY_DAYS) + 1} END)"
    return f"({recency} * 100 + {_buckets(orders, FREQUENCY)} * 10 + {_buckets(money, MONETARY)})"


def _person_orders(dialect: Dialect, rates: Mapping[str, Decimal]) -> str:
    """Every counted order of the merchant (parameter 1) with its person, day and converted net."""
    net = _converted('o."total" - o."total_refunded"', 'o."currency"', rates)
    day = _day(dialect, 'o."platform_created_at"')
    return (
        f'SELECT COALESCE(pr."merged_into_id", c."profile_id") AS person, {day} AS d, {net} AS net '
        f'FROM "{Order._meta.db_table}" o '
        f'JOIN "{Customer._meta.db_table}" c ON c."id" = o."customer_id" '
        f'JOIN "{Profile._meta.db_table}" pr ON pr."id" = c."profile_id" '
        f'WHERE o."merchant_id" = {_param(dialect, 1)} AND o."deleted_at" IS NULL AND NOT o."test" '
        f'AND o."cancelled_at" IS NULL AND c."deleted_at" IS NULL'
    )


def _home(dialect: Dialect) -> str:
    """Each person's home store (the store of their first account) and the day they were first
    known (their first account's creation on the platform, or its first sync)."""
    first_seen = _day(dialect, 'COALESCE(c."platform_created_at", c."created_at")')
    return (
        "SELECT person, MAX(CASE WHEN rn = 1 THEN store END) AS store, MIN(seen) AS seen FROM ("
        f'SELECT COALESCE(pr."merged_into_id", c."profile_id") AS person, c."store_id" AS store, {first_seen} AS seen, '
        f'ROW_NUMBER() OVER (PARTITION BY COALESCE(pr."merged_into_id", c."profile_id") ORDER BY c."id") AS rn '
        f'FROM "{Customer._meta.db_table}" c JOIN "{Profile._meta.db_table}" pr ON pr."id" = c."profile_id" '
        f'WHERE c."merchant_id" = {_param(dialect, 1)} AND c."deleted_at" IS NULL'
        ") h GROUP BY person"
    )


def _literals(values: Sequence[str]) -> str:
    """Loyalty's values written into a statement, checked first: lower-case words only."""
    for value in values:
        if not re.match(r"^[a-z_]+$", value):
            raise ValueError(f"not a kind: {value!r}")
    return ", ".join(f"'{v}'" for v in values) or "''"


def _members(dialect: Dialect, tables: Tables) -> str:
    """Each member's person and join day: the day of their first chosen engagement, a reward
    redeemed (``redemption_statuses``), an entry of ``entry_kinds`` other than the automatic
    causes, or a referral claimed as a friend (not refused), whichever is first. Each source is
    one grouped scan, not a subquery per person (minutes on PostgreSQL)."""
    e = tables.engagement
    p = functools.partial(_param, dialect)
    redeemed, day_r = _literals(e.redemption_statuses), _day(dialect, 'MIN(r."created_at")')
    kinds, automatic = _literals(e.entry_kinds), _literals(e.automatic_causes)
    refused, day_e, day_f = (
        _literals([e.refused_referral]),
        _day(dialect, 'MIN(e."occurred_at")'),
        _day(dialect, 'MIN(f."created_at")'),
    )
    return (
        f'SELECT COALESCE(pr."merged_into_id", pr."id") AS person, MIN(ev.d) AS j FROM ('
        f'SELECT r."profile_id" AS profile_id, {day_r} AS d FROM "{tables.redemptions}" r '
        f'WHERE r."merchant_id" = {p(1)} AND r."status" IN ({redeemed}) GROUP BY r."profile_id" '
        f'UNION ALL SELECT e."profile_id", {day_e} FROM "{tables.entries}" e '
        f'WHERE e."merchant_id" = {p(1)} AND e."kind" IN ({kinds}) AND e."cause" NOT IN ({automatic}) '
        'GROUP BY e."profile_id" '
        f'UNION ALL SELECT f."friend_id", {day_f} FROM "{tables.referrals}" f '
        f'WHERE f."merchant_id" = {p(1)} AND f."status" NOT IN ({refused}) GROUP BY f."friend_id"'
        f') ev JOIN "{Profile._meta.db_table}" pr ON pr."id" = ev.profile_id '
        'GROUP BY COALESCE(pr."merged_into_id", pr."id")'
    )


def _materialized(dialect: Dialect) -> str:
    """Compute a CTE once: PostgreSQL otherwise may inline one used twice into every use."""
    return dialect.pick(postgres="AS MATERIALIZED", sqlite="AS")


def _rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in rows]


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


async def member_rows(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    rates: Mapping[str, Decimal],
    *,
    window: int,
    first_day: int,
    last_day: int,
) -> list[MemberRow]:
    """Members who joined on a day in [first_day, last_day], with their cell as of the join day
    (orders before it), their orders in the ``window`` days after the join day (from the next
    day) and in the ``window`` days before it. One statement."""
    dialect = dialect_of(conn)
    p = functools.partial(_param, dialect)
    sql = (
        f"WITH po {_materialized(dialect)} ({_person_orders(dialect, rates)}), mm {_materialized(dialect)} ({_members(dialect, tables)}), "
        f"home {_materialized(dialect)} ({_home(dialect)}), "
        "f AS (SELECT mm.person AS person, mm.j AS j, "
        "SUM(CASE WHEN po.d < mm.j THEN 1 ELSE 0 END) AS n0, "
        "COALESCE(SUM(CASE WHEN po.d < mm.j THEN po.net END), 0) AS m0, "
        "MAX(CASE WHEN po.d < mm.j THEN po.d END) AS last0, "
        f"SUM(CASE WHEN po.d > mm.j AND po.d <= mm.j + {p(2)} THEN 1 ELSE 0 END) AS n1, "
        f"COALESCE(SUM(CASE WHEN po.d > mm.j AND po.d <= mm.j + {p(2)} THEN po.net END), 0) AS r1, "
        f"SUM(CASE WHEN po.d >= mm.j - {p(2)} AND po.d < mm.j THEN 1 ELSE 0 END) AS nb, "
        f"COALESCE(SUM(CASE WHEN po.d >= mm.j - {p(2)} AND po.d < mm.j THEN po.net END), 0) AS rb "
        "FROM mm LEFT JOIN po ON po.person = mm.person "
        f"WHERE mm.j >= {p(3)} AND mm.j <= {p(4)} GROUP BY mm.person, mm.j) "
        f"SELECT f.person, f.j, {_cell('f.n0', 'f.m0', 'f.last0', 'f.j')}, home.store, f.n1, f.r1, f.nb, f.rb "
        "FROM f LEFT JOIN home ON home.person = f.person ORDER BY f.person"
    )
    _, rows = await conn.execute_query(sql, [merchant_id, window, first_day, last_day])
    return [
        MemberRow(int(who), int(j), int(cell), home, int(n1 or 0), _money(r1), int(nb or 0), _money(rb))
        for who, j, cell, home, n1, r1, nb, rb in _rows(rows)
    ]


async def control_cells(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    rates: Mapping[str, Decimal],
    *,
    window: int,
    days: Sequence[int],
) -> list[ControlCell]:
    """Non-members (people who never took part, member row or not) known before each of ``days``, grouped by their cell
    and home store as of that day, with what they bought in the ``window`` days after it (from
    the next day). One statement: days × non-members, grouped in the database."""
    if not days:
        return []
    dialect = dialect_of(conn)
    p = functools.partial(_param, dialect)
    day_list = dialect.pick(
        postgres=f"SELECT unnest({p(3)}::int[]) AS day", sqlite=f"SELECT value AS day FROM json_each({p(3)})"
    )
    sql = (
        f"WITH po {_materialized(dialect)} ({_person_orders(dialect, rates)}), mm {_materialized(dialect)} ({_members(dialect, tables)}), "
        f"home {_materialized(dialect)} ({_home(dialect)}), days AS ({day_list}), "
        "nm AS (SELECT home.person, home.store, home.seen FROM home "
        "WHERE NOT EXISTS (SELECT 1 FROM mm WHERE mm.person = home.person)), "
        # Each non-member's orders first (a hash join), then the days: joining the days first
        # let PostgreSQL scan every order once per (day, person).
        f"np {_materialized(dialect)} (SELECT nm.person, nm.store, nm.seen, po.d, po.net "
        "FROM nm LEFT JOIN po ON po.person = nm.person), "
        "f AS (SELECT days.day AS day, np.person AS person, np.store AS store, "
        "SUM(CASE WHEN np.d < days.day THEN 1 ELSE 0 END) AS n0, "
        "COALESCE(SUM(CASE WHEN np.d < days.day THEN np.net END), 0) AS m0, "
        "MAX(CASE WHEN np.d < days.day THEN np.d END) AS last0, "
        f"SUM(CASE WHEN np.d > days.day AND np.d <= days.day + {p(2)} THEN 1 ELSE 0 END) AS n1, "
        f"COALESCE(SUM(CASE WHEN np.d > days.day AND np.d <= days.day + {p(2)} THEN np.net END), 0) AS r1 "
        "FROM np JOIN days ON np.seen < days.day "
        "GROUP BY days.day, np.person, np.store) "
        f"SELECT f.day, {_cell('f.n0', 'f.m0', 'f.last0', 'f.day')} AS cell, f.store, COUNT(*), "
        "SUM(f.n1), COALESCE(SUM(f.r1), 0), SUM(CASE WHEN f.n1 >= 2 THEN 1 ELSE 0 END) "
        f"FROM f GROUP BY f.day, {_cell('f.n0', 'f.m0', 'f.last0', 'f.day')}, f.store"
    )
    _, rows = await conn.execute_query(sql, [merchant_id, window, dialect.ids(days)])
    return [
        ControlCell(int(day), int(cell), store, int(n), int(orders or 0), _money(revenue), int(rep or 0))
        for day, cell, store, n, orders, revenue, rep in _rows(rows)
    ]


async def period_groups(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    rates: Mapping[str, Decimal],
    *,
    first_day: int,
    last_day: int,
) -> dict[bool, GroupRow]:
    """Customers who ordered on a day in [first_day, last_day], split into members (who took part
    at any time) and non-members: customers, orders, revenue and repeaters (two orders or more)."""
    dialect = dialect_of(conn)
    p = functools.partial(_param, dialect)
    sql = (
        f"WITH po {_materialized(dialect)} ({_person_orders(dialect, rates)}), mm {_materialized(dialect)} ({_members(dialect, tables)}), "
        "g AS (SELECT po.person AS person, CASE WHEN mm.person IS NULL THEN 0 ELSE 1 END AS member, "
        "COUNT(*) AS n, SUM(po.net) AS r FROM po LEFT JOIN mm ON mm.person = po.person "
        f"WHERE po.d >= {p(2)} AND po.d <= {p(3)} GROUP BY po.person, mm.person) "
        "SELECT member, COUNT(*), SUM(n), COALESCE(SUM(r), 0), SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) "
        "FROM g GROUP BY member"
    )
    _, rows = await conn.execute_query(sql, [merchant_id, first_day, last_day])
    found = {False: GroupRow(0, 0, Decimal(0), 0), True: GroupRow(0, 0, Decimal(0), 0)}
    for member, customers, orders, revenue, repeaters in _rows(rows):
        found[bool(member)] = GroupRow(int(customers), int(orders or 0), _money(revenue), int(repeaters or 0))
    return found


async def member_costs(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    rates: Mapping[str, Decimal],
    *,
    window: int,
    first_day: int,
    last_day: int,
    earned_kinds: Sequence[str],
    spent_kinds: Sequence[str],
    reward_statuses: Sequence[str],
) -> list[MemberCosts]:
    """What each member who joined on a day in [first_day, last_day] cost from the join day to
    the ``window`` days after it: reward codes issued (in the report currency), points earned
    (positive entries of ``earned_kinds``) and points spent (``spent_kinds``). The join day is
    counted, unlike for orders: the reward that made them a member is the program's cost. Two
    grouped statements."""
    dialect = dialect_of(conn)
    p = functools.partial(_param, dialect)
    earned, spent, statuses = _literals(earned_kinds), _literals(spent_kinds), _literals(reward_statuses)
    in_window = f"{{d}} >= mm.j AND {{d}} <= mm.j + {p(2)}"
    entry_day = _day(dialect, 'e."occurred_at"')
    points_sql = (
        f"WITH mm {_materialized(dialect)} ({_members(dialect, tables)}) "
        f"SELECT mm.person, "
        f'SUM(CASE WHEN e."kind" IN ({earned}) AND e."lifetime" > 0 THEN e."lifetime" ELSE 0 END), '
        f'SUM(CASE WHEN e."kind" IN ({spent}) THEN -e."available" ELSE 0 END) '
        f'FROM mm JOIN "{Profile._meta.db_table}" pr ON COALESCE(pr."merged_into_id", pr."id") = mm.person '
        f'JOIN "{tables.entries}" e ON e."profile_id" = pr."id" AND e."merchant_id" = {p(1)} '
        f"WHERE mm.j >= {p(3)} AND mm.j <= {p(4)} AND {in_window.format(d=entry_day)} GROUP BY mm.person"
    )
    reward_day = _day(dialect, 'r."created_at"')
    value = _converted('r."value"', 'r."currency"', rates)
    rewards_sql = (
        f"WITH mm {_materialized(dialect)} ({_members(dialect, tables)}) "
        f"SELECT mm.person, COALESCE(SUM({value}), 0) "
        f'FROM mm JOIN "{Profile._meta.db_table}" pr ON COALESCE(pr."merged_into_id", pr."id") = mm.person '
        f'JOIN "{tables.redemptions}" r ON r."profile_id" = pr."id" AND r."merchant_id" = {p(1)} '
        f'WHERE mm.j >= {p(3)} AND mm.j <= {p(4)} AND r."status" IN ({statuses}) '
        f"AND {in_window.format(d=reward_day)} GROUP BY mm.person"
    )
    args = [merchant_id, window, first_day, last_day]
    _, point_rows = await conn.execute_query(points_sql, args)
    _, reward_rows = await conn.execute_query(rewards_sql, args)
    found: dict[int, MemberCosts] = {}
    for who, earned_points, spent_points in _rows(point_rows):
        found[int(who)] = MemberCosts(int(who), Decimal(0), int(earned_points or 0), int(spent_points or 0))
    for who, money in _rows(reward_rows):
        had = found.get(int(who), MemberCosts(int(who), Decimal(0), 0, 0))
        found[int(who)] = MemberCosts(int(who), _money(money), had.points_earned, had.points_spent)
    return [found[k] for k in sorted(found)]
