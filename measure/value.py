"""Customer value: CLV by acquisition cohort, store and platform; revenue by value tier per month
and how people move between tiers from one month end to the next.

CLV comes from insights' predictions: one grouped statement per dimension, run and kept at the
insights refresh that made the predictions (``measure.refresh``; live before the first). Each
prediction is in its person's main currency and groups are reported per currency: CLVs are
never added across currencies, and the merchant's main currency comes first.

Value tiers at past month ends: computed from the orders as of each month end, with insights'
own rules (``insights.segments.assign.segment_rows``: the same purchases, thresholds and per-currency
spend ranking a refresh uses), rather than snapshots taken at each refresh. Snapshots would give
history only from the day this shipped, one point per refresh, and would move whenever a
refresh's as-of moved; recomputing gives every month at once and the same answer for the same
orders. The rule is split in two for this: running purchases (``insights.purchases.RunningPurchases``)
take the orders once, in time order, and at each month end everyone is ranked on those sums
(``insights.segments.assign.value_tiers_at``, the tier step ``segment_rows`` itself uses), so the
history costs O(orders + months × people), not O(months × orders). It reads every order, so it
runs at the insights refresh (``app.jobs.insights``) and its small result (four rows per month, at
most twenty flows per month) is kept in ``measure.models``; the dashboard reads those rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from insights.history import MerchantHistory, load_history
from insights.models import ClvPrediction, RefreshRun, ValueTier
from insights.purchases import RunningPurchases
from insights.segments.assign import value_tiers_at
from insights.segments.rules import TIERS
from insights.settings import load_config
from measure.models import ClvGroupTotal, ValueTierFlow, ValueTierMonth
from measure.money import report_money
from measure.months import index_of, name_of, parse
from store.sql import insert_rows
from store.sql.measurement import ClvRow, clv_groups

_CENT = Decimal("0.01")


class ClvDimension(StrEnum):
    COHORT = "cohort"
    STORE = "store"
    PLATFORM = "platform"


_PLATFORM_LABELS = {"shopify": "Shopify", "woocommerce": "WooCommerce"}


@dataclass(frozen=True, slots=True)
class ClvGroup:
    key: str
    label: str
    customers: int
    average_clv: Decimal | None
    total_clv: Decimal | None
    currency: str


async def clv_breakdown(merchant_id: int, by: ClvDimension) -> list[ClvGroup]:
    """Predicted CLV summed and averaged per group and currency, main currency first."""
    main = (await report_money(merchant_id)).currency
    kept = await ClvGroupTotal.filter(merchant_id=merchant_id, dimension=by.value).order_by("id")
    rows = [ClvRow(r.key, r.label, r.currency, r.customers, r.total) for r in kept] or await clv_groups(
        connections.get("default"), merchant_id, ClvPrediction._meta.db_table, by.value
    )
    groups = [
        ClvGroup(
            key=r.key,
            label=_PLATFORM_LABELS.get(r.label, r.label) if by is ClvDimension.PLATFORM else r.label,
            customers=r.customers,
            average_clv=(r.total / r.customers).quantize(_CENT) if r.customers else None,
            total_clv=r.total.quantize(_CENT),
            currency=r.currency,
        )
        for r in rows
    ]
    return sorted(groups, key=lambda g: (g.currency != main, g.currency, g.key))


def _month_start(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


async def last_refresh_as_of(merchant_id: int) -> datetime:
    run = await RefreshRun.filter(merchant_id=merchant_id).order_by("-id").first()
    return run.as_of if run and run.as_of else datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ValueTierRows:
    """A merchant's value-tier history as rows to keep: four a month, and the month's flows."""

    months: list[dict[str, Any]]
    flows: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.months) + len(self.flows)


async def write_value_tiers(conn: BaseDBAsyncClient, merchant_id: int, rows: ValueTierRows) -> None:
    """Replace the merchant's kept value-tier history (inside the caller's transaction)."""
    await ValueTierMonth.filter(merchant_id=merchant_id).using_db(conn).delete()
    await ValueTierFlow.filter(merchant_id=merchant_id).using_db(conn).delete()
    await insert_rows(conn, ValueTierMonth, rows.months)
    await insert_rows(conn, ValueTierFlow, rows.flows)


async def refresh_value_tiers(
    merchant_id: int, as_of: datetime | None = None, history: MerchantHistory | None = None
) -> int:
    """Recompute and keep every month's tier revenue and flows up to ``as_of`` (default: the last
    insights refresh's as-of, else now); returns the rows written."""
    rows = await value_tier_rows(merchant_id, as_of, history)
    async with in_transaction() as conn:
        await write_value_tiers(conn, merchant_id, rows)
    return len(rows)


async def value_tier_rows(
    merchant_id: int, as_of: datetime | None = None, history: MerchantHistory | None = None
) -> ValueTierRows:
    """Every month's tier revenue and flows up to ``as_of`` (default: the last insights refresh's
    as-of, else now) from ``history`` (read here unless the caller has it), not yet kept."""
    as_of = as_of or await last_refresh_as_of(merchant_id)
    history = history or await load_history(merchant_id)
    config = await load_config(merchant_id)
    money = await report_money(merchant_id, as_of)
    months: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    revenue: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for o in history.orders:
        if o.created_at > as_of:
            break  # sorted by time
        if o.profile_id is not None:
            rate = money.rates.get(o.currency)
            revenue[index_of(o.created_at.date())][o.profile_id] += o.net * rate if rate is not None else Decimal(0)
    if revenue:
        first, last = min(revenue), index_of((as_of - timedelta(microseconds=1)).date())
        # one walk through the orders (sorted by time): each month end adds the month's orders to the
        # running purchases and ranks everyone once, so the whole history costs O(orders + months × people)
        running = RunningPurchases()
        added = 0
        before = np.empty(0, dtype=np.int8)
        none = len(TIERS)
        for month in range(first, last + 1):
            end = min(_month_start(month + 1) - timedelta(microseconds=1), as_of)
            while added < len(history.orders) and history.orders[added].created_at <= end:
                running.add(history.orders[added])
                added += 1
            now = value_tiers_at(running, config.tiers, end)
            was = np.full(len(now), none, dtype=np.int8)
            was[: len(before)] = before
            spend: dict[int, Decimal] = defaultdict(Decimal)
            buyers: Counter[int] = Counter()
            for pid, value in revenue.get(month, {}).items():
                i = running.position.get(pid)
                if i is not None:
                    tier = int(was[i]) if was[i] != none else int(now[i])
                    spend[tier] += value
                    buyers[tier] += 1
            holders = np.bincount(now, minlength=none)
            name = name_of(month)
            months += [
                {
                    "merchant_id": merchant_id,
                    "month": name,
                    "tier": str(tier),
                    "customers": buyers[t],
                    "holders": int(holders[t]),
                    "revenue": spend[t].quantize(Decimal("0.0001")),
                    "currency": money.currency,
                    "computed_at": as_of,
                }
                for t, tier in enumerate(TIERS)
            ]
            moves = np.bincount(was.astype(np.int64) * (none + 1) + now, minlength=(none + 1) ** 2)
            pairs = [
                (str(TIERS[f]) if f != none else None, str(TIERS[t]), int(moves[f * (none + 1) + t]))
                for f in range(none + 1)
                for t in range(none)
                if moves[f * (none + 1) + t]
            ]
            flows += [
                {
                    "merchant_id": merchant_id,
                    "to_month": name,
                    "from_tier": f,
                    "to_tier": t,
                    "customers": n,
                    "computed_at": as_of,
                }
                for f, t, n in sorted(pairs, key=lambda m: (m[0] or "", m[1]))
            ]
            before = now
    return ValueTierRows(months, flows)


@dataclass(frozen=True, slots=True)
class TierShare:
    tier: ValueTier
    revenue: Decimal
    share: float
    customers: int


@dataclass(frozen=True, slots=True)
class TierMonth:
    month: str
    currency: str
    tiers: list[TierShare]


async def value_tier_revenue(merchant_id: int, since: date | None = None, until: date | None = None) -> list[TierMonth]:
    """The kept months within ``since``..``until``, each with all four tiers."""
    query = ValueTierMonth.filter(merchant_id=merchant_id)
    if since is not None:
        query = query.filter(month__gte=name_of(index_of(since)))
    if until is not None:
        query = query.filter(month__lte=name_of(index_of(until)))
    by_month: dict[str, dict[str, ValueTierMonth]] = defaultdict(dict)
    for row in await query.order_by("month", "id"):
        by_month[row.month][row.tier] = row
    out = []
    for month, rows in sorted(by_month.items()):
        total = sum((r.revenue for r in rows.values()), Decimal(0))
        currency = next(iter(rows.values())).currency
        out.append(
            TierMonth(
                month,
                currency,
                [
                    TierShare(
                        tier,
                        (rows[tier].revenue if tier in rows else Decimal(0)).quantize(_CENT),
                        float(rows[tier].revenue / total) if tier in rows and total else 0.0,
                        rows[tier].customers if tier in rows else 0,
                    )
                    for tier in TIERS
                ],
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Flow:
    source: ValueTier | None
    target: ValueTier
    customers: int


@dataclass(frozen=True, slots=True)
class Flows:
    from_month: str
    to_month: str
    flows: list[Flow]


async def value_tier_flows(merchant_id: int, month: str | None = None) -> Flows | None:
    """Flows into ``month`` (YYYY-MM; default the latest kept) from the month before; None when none are kept.
    ValueError when ``month`` is not a month."""
    if month is None:
        latest = await ValueTierFlow.filter(merchant_id=merchant_id).order_by("-to_month").first()
        if latest is None:
            return None
        month = latest.to_month
    index = parse(month)
    rows = await ValueTierFlow.filter(merchant_id=merchant_id, to_month=name_of(index)).order_by("id")
    return Flows(
        name_of(index - 1),
        name_of(index),
        [Flow(ValueTier(r.from_tier) if r.from_tier else None, ValueTier(r.to_tier), r.customers) for r in rows],
    )
