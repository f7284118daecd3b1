"""Program economics for the store owner: outstanding liability in money, redemption rate,
breakage and the cost of rewards issued, overall, per store and per tier; and points issued,
redeemed and expired per day, week or month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.functions import Sum

from loyalty.errors import NoProgram
from loyalty.models import Entry, EntryKind, Member, Redemption, RedemptionStatus
from loyalty.program import load_program
from store.sql import dialect_of

EARNED = [
    k.value
    for k in (
        EntryKind.PENDING,
        EntryKind.EARN,
        EntryKind.CLAWBACK,
        EntryKind.REVERSAL,
        EntryKind.ACTION,
        EntryKind.REFERRAL,
        EntryKind.TIER_REWARD,
        EntryKind.AUTOMATION,
        EntryKind.CAMPAIGN,
        EntryKind.ADJUST,
    )
]
SPENT = [EntryKind.REDEEM.value, EntryKind.REDEEM_REFUND.value]


@dataclass
class Figures:
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    outstanding: int = 0
    liability: Decimal = Decimal(0)
    reward_cost: dict[str, Decimal] = field(default_factory=dict)
    members: int = 0

    @property
    def redemption_rate(self) -> float | None:
        return round(self.redeemed / self.earned, 4) if self.earned else None

    @property
    def breakage(self) -> float | None:
        return round(self.expired / self.earned, 4) if self.earned else None


@dataclass
class Economics:
    currency: str
    point_value: Decimal
    total: Figures
    stores: dict[int | None, Figures]
    """Attributed by where points were earned or spent; expiry and actions belong to no store."""
    tiers: dict[str | None, Figures]


async def economics(merchant_id: int, now: datetime | None = None) -> Economics:
    now = now or datetime.now(UTC)
    rules = (await load_program(merchant_id)).rules_now(now)
    if rules is None:
        raise NoProgram(f"merchant {merchant_id} has no loyalty program")
    value = rules.point_value
    tier_of = dict(await Member.filter(merchant_id=merchant_id).values_list("profile_id", "tier"))
    rows = (
        await Entry.filter(merchant_id=merchant_id)
        .annotate(a=Sum("available"), p=Sum("pending"), lt=Sum("lifetime"))
        .group_by("profile_id", "store_id", "kind")
        .values_list("profile_id", "store_id", "kind", "a", "p", "lt")
    )
    total, stores, tiers = Figures(), defaultdict(Figures), defaultdict(Figures)
    for pid, store_id, kind, a, _p, lt in rows:
        a, lt = int(a or 0), int(lt or 0)
        for figures in (total, stores[store_id], tiers[tier_of.get(pid)]):
            if kind in EARNED:
                figures.earned += lt
            elif kind in SPENT:
                figures.redeemed -= a
            elif kind == EntryKind.EXPIRE.value:
                figures.expired -= a
            figures.outstanding += a
    for tier in tier_of.values():
        tiers[tier].members += 1
    total.members = len(tier_of)
    for figures in (total, *stores.values(), *tiers.values()):
        figures.liability = (max(0, figures.outstanding) * value).quantize(Decimal("0.01"))
    redemptions = await Redemption.filter(
        merchant_id=merchant_id, status__in=[RedemptionStatus.ISSUED, RedemptionStatus.USED]
    ).values_list("profile_id", "store_id", "currency", "value")
    for pid, store_id, currency, money in redemptions:
        for figures in (total, stores[store_id], tiers[tier_of.get(pid)]):
            figures.reward_cost[currency] = figures.reward_cost.get(currency, Decimal(0)) + Decimal(money)
    return Economics(rules.currency, value, total, dict(stores), dict(tiers))


class Interval(StrEnum):
    """The length of a timeline's periods (UTC; weeks start on Monday)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


INTERVALS = tuple(i.value for i in Interval)
"""Timeline buckets, in UTC; a week starts on Monday."""


@dataclass(frozen=True)
class Period:
    start: datetime
    issued: int
    """Points earned by positive entries (orders, actions, referrals, tier rewards, credits)."""
    redeemed: int
    """Points spent on rewards, net of those given back (failed or expired codes)."""
    expired: int


def bucket_start(interval: Interval, when: datetime) -> datetime:
    """The start of the interval holding ``when`` (UTC)."""
    when = when.astimezone(UTC)
    day = datetime(when.year, when.month, when.day, tzinfo=UTC)
    if interval == Interval.DAY:
        return day
    if interval == Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    raise ValueError(f"interval must be one of {INTERVALS}")


def next_bucket(interval: Interval, start: datetime) -> datetime:
    if interval == Interval.MONTH:
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + timedelta(days=7 if interval == Interval.WEEK else 1)


def _as_start(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


async def first_activity(merchant_id: int) -> datetime | None:
    """When the first point was issued, redeemed or expired: where a full timeline starts."""
    kinds = [*EARNED, *SPENT, EntryKind.EXPIRE.value]
    found = await (
        Entry.filter(merchant_id=merchant_id, kind__in=kinds)
        .order_by("occurred_at")
        .first()
        .values_list("occurred_at", flat=True)
    )
    return _as_start(found) if found is not None else None


async def timeline(
    merchant_id: int,
    interval: Interval,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    latest: int | None = None,
) -> list[Period]:
    """Points issued, redeemed and expired per interval from ``start`` (inclusive) to ``end``
    (exclusive), oldest first, in one statement; ``latest`` keeps only the newest intervals
    that have any activity. Intervals without activity are not returned."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}")
    conn = Entry._meta.db
    earned = ", ".join(f"'{k}'" for k in EARNED)
    spent = ", ".join(f"'{k}'" for k in SPENT)
    dialect = dialect_of(conn)
    bucket = dialect.time_bucket('"occurred_at"', interval)
    where, params = [f'"merchant_id" = {dialect.param(1)}'], [merchant_id]
    for op, when in ((">=", start), ("<", end)):
        if when is not None:
            params.append(dialect.time(when))
            where.append(f'"occurred_at" {op} {dialect.param(len(params))}')
    limit = f" LIMIT {int(latest)}" if latest is not None else ""
    sql = (
        f"SELECT {bucket} AS bucket, "
        f'SUM(CASE WHEN "kind" IN ({earned}) AND "lifetime" > 0 THEN "lifetime" ELSE 0 END), '
        f'SUM(CASE WHEN "kind" IN ({spent}) THEN -"available" ELSE 0 END), '
        f'SUM(CASE WHEN "kind" = \'{EntryKind.EXPIRE.value}\' THEN -"available" ELSE 0 END) '
        f'FROM "{Entry._meta.db_table}" WHERE {" AND ".join(where)} '
        f"AND \"kind\" IN ({earned}, {spent}, '{EntryKind.EXPIRE.value}') "
        f"GROUP BY bucket ORDER BY bucket DESC{limit}"
    )
    _, rows = await conn.execute_query(sql, params)
    periods = [Period(_as_start(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows]
    return periods[::-1]
