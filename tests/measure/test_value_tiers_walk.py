"""The month-end value tiers come from one walk through the orders (running purchases, ranked at each
month end), and must be exactly what insights' own ``segment_rows`` answers at that instant: on
random histories with several currencies, refunds, free orders and split checkouts, and on the
sandbox merchant through the rows a refresh keeps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from insights.history import MerchantHistory, OrderRow, load_history
from insights.purchases import RunningPurchases
from insights.segments.assign import segment_rows, value_tiers_at
from insights.segments.rules import TIERS, TierThresholds
from insights.settings import InsightsConfig, load_config
from measure.models import ValueTierFlow, ValueTierMonth
from measure.value import refresh_value_tiers
from tests.schema.conftest import AS_OF

START = datetime(2024, 1, 1, tzinfo=UTC)

orders = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(1, 12)),  # the person (None: no profile)
        st.sampled_from(["USD", "USD", "EUR", "GBP"]),
        st.sampled_from([0, 10, 10, 25, 40, 99, 150]),  # equal spends are common: ties in the ranking
        st.sampled_from([0, 0, 0, 5, -1]),  # refunded: nothing, part, or all (-1)
        # hours after START, on few days over two years: one person's orders often share a day
        st.tuples(st.integers(0, 120), st.integers(0, 23)).map(lambda t: t[0] * 6 * 24 + t[1]),
    ),
    min_size=1,
    max_size=120,
)
thresholds = st.tuples(st.integers(1, 200), st.integers(0, 300), st.sampled_from([0.0, 0.2, 0.5, 1.0])).map(
    lambda t: TierThresholds(at_risk_after_days=t[0], lost_after_days=t[0] + t[1], vip_top_share=t[2])
)


def _history(raw: list[tuple[int | None, str, int, int, int]]) -> MerchantHistory:
    rows = [
        OrderRow(
            i,
            1,
            person,
            currency,
            Decimal(total),
            Decimal(total if refund < 0 else min(refund, total)),
            False,
            START + timedelta(hours=hours),
        )
        for i, (person, currency, total, refund, hours) in enumerate(raw, start=1)
    ]
    rows.sort(key=lambda o: (o.created_at, o.id))
    return MerchantHistory(1, {1: "shopify"}, rows, {}, {})


def _month_ends(first: datetime, last: datetime) -> list[datetime]:
    ends, y, m = [], first.year, first.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        ends.append(datetime(y, m, 1, tzinfo=UTC) - timedelta(microseconds=1))
        if ends[-1] >= last:
            return ends


@settings(max_examples=150, deadline=None, database=None)
@given(raw=orders, tiers=thresholds)
@example(  # two orders on one day are one purchase: the main currency is the one of two purchase days
    raw=[(1, "USD", 150, 0, 1), (1, "USD", 150, 0, 2), (1, "EUR", 10, 0, 6 * 24), (1, "EUR", 10, 0, 12 * 24)],
    tiers=TierThresholds(at_risk_after_days=20, lost_after_days=40, vip_top_share=1.0),
)
def test_the_walk_gives_segment_rows_tiers_at_every_month_end(raw, tiers) -> None:
    history = _history(raw)
    config = InsightsConfig(tiers=tiers)
    running, added = RunningPurchases(), 0
    for end in _month_ends(history.orders[0].created_at, history.orders[-1].created_at):
        while added < len(history.orders) and history.orders[added].created_at <= end:
            running.add(history.orders[added])
            added += 1
        walked = {
            pid: TIERS[int(t)] for pid, t in zip(running.profile_ids, value_tiers_at(running, tiers, end), strict=True)
        }
        direct = {row["profile_id"]: row["tier"] for row in segment_rows(history, config, end, explain=False)}
        assert walked == direct, end


def test_orders_out_of_time_order_are_refused() -> None:
    history = _history([(1, "USD", 10, 0, 48), (1, "USD", 10, 0, 0)])
    running = RunningPurchases()
    running.add(history.orders[1])
    with pytest.raises(ValueError, match="time order"):
        running.add(history.orders[0])


@pytest.mark.db
async def test_the_kept_month_ends_hold_segment_rows_tiers_on_the_sandbox(world) -> None:
    merchant_id = world.merchant.id
    await refresh_value_tiers(merchant_id, AS_OF)
    history = await load_history(merchant_id)
    config = await load_config(merchant_id)
    checked = 0
    before: dict[int, str] = {}
    for month, end in (
        ("1997-01", datetime(1997, 2, 1, tzinfo=UTC)),
        ("1997-06", datetime(1997, 7, 1, tzinfo=UTC)),
        ("1997-07", datetime(1997, 8, 1, tzinfo=UTC)),
        ("1998-06", AS_OF),
    ):
        now = {
            r["profile_id"]: str(r["tier"])
            for r in segment_rows(history, config, end - timedelta(microseconds=1), explain=False)
        }
        kept = {r.tier: r.holders for r in await ValueTierMonth.filter(merchant_id=merchant_id, month=month)}
        assert kept == {str(t): n for t, n in Counter(now.values()).items()} | {
            str(t): 0 for t in TIERS if str(t) not in now.values()
        }, month
        if month == "1997-07":  # the month before was checked too: the flows are the two segment_rows answers
            flows = await ValueTierFlow.filter(merchant_id=merchant_id, to_month=month)
            assert Counter({(f.from_tier, f.to_tier): f.customers for f in flows}) == Counter(
                (before.get(pid), tier) for pid, tier in now.items()
            )
        before = now
        checked += sum(kept.values())
    assert checked > 1000
