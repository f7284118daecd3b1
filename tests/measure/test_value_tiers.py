"""Value tiers month by month, kept at the refresh: each month end's tiers equal a hand calculation of
insights' tier rule over the raw orders, the flows between two month ends conserve people, and each
month's tier revenue adds up to the month's revenue of people with a tier."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.jobs.insights import insights_refresh
from insights.settings import load_config
from measure.models import ValueTierFlow, ValueTierMonth
from measure.value import refresh_value_tiers
from tests.measure.hand import Raw, name, next_month, raw_orders
from tests.schema.conftest import AS_OF, admin, data
from tests.store.test_upsert import counted_statements

pytestmark = pytest.mark.db

REVENUE = """query($since: Date, $until: Date) { valueTierRevenue(since: $since, until: $until) {
  month currencyCode tiers { valueTier revenue share customers } } }"""
FLOWS = """query($month: String) { valueTierFlows(month: $month) { fromMonth toMonth flows { from to customers } } }"""


def tiers_by_hand(orders: list[Raw], end: datetime, at_risk: int, lost: int, vip_share: float) -> dict[int, str]:
    """Insights' tier rule written out: purchase days (positive net) up to ``end``, silence first, then
    the share of people who spent at least as much."""
    days: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for o in orders:
        if o.at <= end and o.net > 0:
            days[o.unit][o.at.date()] += o.net
    spend = {u: sum(d.values(), Decimal(0)) for u, d in days.items()}
    out = {}
    for unit, bought in days.items():
        silence = (end.date() - max(bought)).days
        share = sum(1 for s in spend.values() if s >= spend[unit]) / len(spend)
        if silence > lost:
            out[unit] = "LOST"
        elif silence > at_risk:
            out[unit] = "AT_RISK"
        else:
            out[unit] = "VIP" if share <= vip_share else "REGULAR"
    return out


def month_end(month: tuple[int, int]) -> datetime:
    y, m = next_month(month)
    return min(datetime(y, m, 1, tzinfo=UTC) - timedelta(microseconds=1), AS_OF)


async def test_tiers_revenue_and_flows_are_the_hand_calculation_month_by_month(client, world):
    await refresh_value_tiers(world.merchant.id, AS_OF)
    orders = await raw_orders(world.merchant.id)
    rules = (await load_config(world.merchant.id)).tiers
    months = data(await admin(client, REVENUE))["valueTierRevenue"]
    first, last = orders[0].month, orders[-1].month
    assert months[0]["month"] == name(first) and months[-1]["month"] == name(last)
    assert len(months) >= 12
    before: dict[int, str] = {}
    month = first
    checked_flows = 0
    while month <= last:
        now = tiers_by_hand(
            orders, month_end(month), rules.at_risk_after_days, rules.lost_after_days, rules.vip_top_share
        )
        found = next(m for m in months if m["month"] == name(month))
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        buyers: dict[str, set[int]] = defaultdict(set)
        for o in orders:
            if o.month == month and (tier := before.get(o.unit) or now.get(o.unit)):
                revenue[tier] += o.net
                buyers[tier].add(o.unit)
        total = sum(revenue.values(), Decimal(0))
        assert [t["valueTier"] for t in found["tiers"]] == ["VIP", "REGULAR", "AT_RISK", "LOST"]
        for t in found["tiers"]:
            assert abs(Decimal(t["revenue"]) - revenue[t["valueTier"]]) <= Decimal("0.01"), (found["month"], t)
            assert t["customers"] == len(buyers[t["valueTier"]])
            assert abs(t["share"] - (float(revenue[t["valueTier"]] / total) if total else 0.0)) < 1e-6
        flows = data(await admin(client, FLOWS, {"month": name(month)}))["valueTierFlows"]
        got = Counter({(f["from"], f["to"]): f["customers"] for f in flows["flows"]})
        assert got == Counter((before.get(u), t) for u, t in now.items()), name(month)
        # conservation: everyone with a tier at the earlier end is somewhere at the later one
        assert sum(got.values()) == len(now)
        assert sum(n for (f, _), n in got.items() if f is not None) == len(before)
        checked_flows += len(got)
        before, month = now, next_month(month)
    assert checked_flows > 20
    assert {t for t in before.values()} >= {"VIP", "REGULAR", "AT_RISK", "LOST"}


async def test_the_latest_flows_by_default_and_a_bad_month_is_refused(client, world):
    empty = data(await admin(client, FLOWS))["valueTierFlows"]
    assert empty == {"fromMonth": "", "toMonth": "", "flows": []}  # before any refresh kept them
    await refresh_value_tiers(world.merchant.id, AS_OF)
    latest = data(await admin(client, FLOWS))["valueTierFlows"]
    assert (latest["fromMonth"], latest["toMonth"]) == ("1998-05", "1998-06")
    bad = await admin(client, FLOWS, {"month": "1998-13"})
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_reading_the_tiers_costs_the_same_statements_for_two_months_or_all(client, world):
    await refresh_value_tiers(world.merchant.id, AS_OF)
    with counted_statements() as two:
        data(await admin(client, REVENUE, {"since": "1997-02-01", "until": "1997-03-31"}))
    with counted_statements() as every:
        data(await admin(client, REVENUE))
    assert len(two) == len(every)


async def test_the_insights_refresh_job_keeps_the_tiers_at_its_as_of(world):
    assert not await ValueTierMonth.filter(merchant_id=world.merchant.id).exists()
    await insights_refresh({}, world.merchant.id, AS_OF.isoformat())
    kept = await ValueTierMonth.filter(merchant_id=world.merchant.id)
    assert kept and {row.computed_at for row in kept} == {AS_OF}
    assert max(row.month for row in kept) == "1998-06"
    assert await ValueTierFlow.filter(merchant_id=world.merchant.id, to_month="1998-06").exists()
    assert not await ValueTierMonth.filter(merchant_id=world.other_merchant.id).exists()
