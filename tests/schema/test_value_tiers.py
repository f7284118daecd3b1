"""The value view over the admin API: revenue per tier, the trend, and thresholds previewed, refused
by field, and saved (each test on its own copy of the world)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from app.auth.api_keys import issue
from insights.models import ProfileSegment, RefreshRun
from insights.refresh import refresh_merchant
from insights.segments.rfm import top_share
from insights.segments.rules import TierThresholds, tier_of
from insights.settings import load_config
from schema.insights.value_tiers import share
from tests.schema.conftest import AS_OF, admin, data, storefront

pytestmark = pytest.mark.db

VIEW = """{ insights { tierThresholds { atRiskAfterDays lostAfterDays vipTopShare }
  tiers { tier profiles }
  tierRevenue { tier profiles share revenue { amount currencyCode } }
  tierTrend(last: 5) { at thresholdChange tiers { tier profiles revenue { amount } } } } }"""
PREVIEW = """query($input: TierThresholdsInput!) { insights { tierThresholdsPreview(input: $input) {
  current { atRiskAfterDays lostAfterDays vipTopShare } proposed { atRiskAfterDays lostAfterDays vipTopShare }
  moved tiers { tier before after } moves { from to profiles } changes { name current proposed moves }
  userErrors { field message code } } } }"""
UPDATE = """mutation($input: TierThresholdsInput!) { tierThresholdsUpdate(input: $input) {
  thresholds { atRiskAfterDays lostAfterDays vipTopShare } moved userErrors { field message code } } }"""
MEMBERS = (
    """query($tier: ValueTier) { members(first: 250, valueTier: $tier) { nodes { profile { segment { tier } } } } }"""
)


async def _tiers(merchant_id: int) -> Counter:
    return Counter(await ProfileSegment.filter(merchant_id=merchant_id).values_list("tier", flat=True))


def _expected_tiers(rows: list[tuple[int, float]], thresholds: TierThresholds) -> Counter:
    """Tiers recomputed apart from the code under test: silence first, then spend rank."""
    shares = top_share([m for _, m in rows])
    return Counter(tier_of(days, float(s), thresholds) for (days, _), s in zip(rows, shares, strict=True))


async def test_the_view_shows_people_and_revenue_per_tier_as_the_stored_rows_sum_them(client, world):
    found = data(await admin(client, VIEW))["insights"]
    assert found["tierThresholds"] == {"atRiskAfterDays": 180, "lostAfterDays": 365, "vipTopShare": 0.2}
    rows = await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("tier", "monetary")
    revenue = {t["tier"]: Decimal(t["revenue"]["amount"]) for t in found["tierRevenue"]}
    for tier in ("vip", "regular", "at_risk", "lost"):
        assert revenue[tier.upper()] == sum((m for t, m in rows if t == tier), Decimal(0)).quantize(Decimal("0.01"))
    assert sum(t["profiles"] for t in found["tierRevenue"]) == len(rows)
    assert abs(sum(t["share"] for t in found["tierRevenue"]) - 1) < 1e-3
    assert [t["tier"] for t in found["tierTrend"][-1]["tiers"]] == ["VIP", "REGULAR", "AT_RISK", "LOST"]
    assert {t["tier"]: t["profiles"] for t in found["tierTrend"][-1]["tiers"]} == {
        t["tier"]: t["profiles"] for t in found["tiers"]
    }


def test_a_tiny_revenue_share_keeps_its_significant_digits_instead_of_rounding_to_zero():
    assert share(Decimal(100), Decimal(454_711)) == 0.0002199
    assert share(Decimal(0), Decimal(10)) == 0.0 and share(Decimal(1), Decimal(0)) == 0.0


async def test_a_preview_counts_who_would_move_without_changing_anything(client, world):
    before = await _tiers(world.merchant.id)
    runs = await RefreshRun.all().count()
    shown = data(await admin(client, PREVIEW, {"input": {"atRiskAfterDays": 90, "vipTopShare": 0.1}}))
    preview = shown["insights"]["tierThresholdsPreview"]
    assert preview["userErrors"] == [] and preview["proposed"] == {
        "atRiskAfterDays": 90,
        "lostAfterDays": 365,
        "vipTopShare": 0.1,
    }
    rows = await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("recency_days", "monetary")
    expected = _expected_tiers([(d, float(m)) for d, m in rows], TierThresholds(90, 365, 0.1))
    assert {t["tier"]: t["after"] for t in preview["tiers"]} == {
        t.upper(): expected[t] for t in ("vip", "regular", "at_risk", "lost")
    }
    assert {t["tier"]: t["before"] for t in preview["tiers"]} == {
        t.upper(): before[t] for t in ("vip", "regular", "at_risk", "lost")
    }
    assert preview["moved"] == sum(m["profiles"] for m in preview["moves"]) > 0
    assert {c["name"] for c in preview["changes"]} == {"AT_RISK_AFTER_DAYS", "VIP_TOP_SHARE"}
    assert all(0 < c["moves"] <= preview["moved"] for c in preview["changes"])
    assert await _tiers(world.merchant.id) == before and await RefreshRun.all().count() == runs


async def test_saving_thresholds_sorts_people_again_at_once_as_a_refresh_would_and_the_trend_shows_it(client, world):
    preview = data(await admin(client, PREVIEW, {"input": {"lostAfterDays": 200}}))["insights"]["tierThresholdsPreview"]
    saved = data(await admin(client, UPDATE, {"input": {"lostAfterDays": 200}}))["tierThresholdsUpdate"]
    assert saved == {
        "thresholds": {"atRiskAfterDays": 180, "lostAfterDays": 200, "vipTopShare": 0.2},
        "moved": preview["moved"],
        "userErrors": [],
    }
    now = await _tiers(world.merchant.id)
    assert {t.upper(): now[t] for t in now} == {t["tier"]: t["after"] for t in preview["tiers"] if t["after"]}
    assert (await load_config(world.merchant.id)).tiers == TierThresholds(180, 200, 0.2)
    view = data(await admin(client, VIEW))["insights"]
    assert view["tierTrend"][-1]["thresholdChange"] is True
    assert {t["tier"]: t["profiles"] for t in view["tierTrend"][-1]["tiers"]} == {
        t["tier"]: t["profiles"] for t in view["tiers"]
    }
    assert view["tierTrend"][-2]["thresholdChange"] is False
    scored = {
        r.profile_id: (r.tier, r.segment, r.r_score, r.why)
        for r in await ProfileSegment.filter(merchant_id=world.merchant.id)
    }
    await refresh_merchant(world.merchant.id, as_of=AS_OF)
    again = {
        r.profile_id: (r.tier, r.segment, r.r_score, r.why)
        for r in await ProfileSegment.filter(merchant_id=world.merchant.id)
    }
    assert again == scored


async def test_members_filter_by_value_tier_as_the_segments_say(client, world):
    for tier in ("VIP", "LOST"):
        nodes = data(await admin(client, MEMBERS, {"tier": tier}))["members"]["nodes"]
        tiers = {n["profile"]["segment"]["tier"] for n in nodes if n["profile"]["segment"]}
        assert nodes and tiers == {tier}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"atRiskAfterDays": 0}, "atRiskAfterDays"),
        ({"atRiskAfterDays": -5}, "atRiskAfterDays"),
        ({"lostAfterDays": 100}, "lostAfterDays"),
        ({"lostAfterDays": 10_000_000}, "lostAfterDays"),
        ({"vipTopShare": 0}, "vipTopShare"),
        ({"vipTopShare": 1.5}, "vipTopShare"),
        ({"vipTopShare": -0.1}, "vipTopShare"),
    ],
)
async def test_a_bad_threshold_is_refused_at_its_field_by_preview_and_save_and_nothing_changes(
    client, world, values, field
):
    before = await _tiers(world.merchant.id)
    preview = data(await admin(client, PREVIEW, {"input": values}))["insights"]["tierThresholdsPreview"]
    saved = data(await admin(client, UPDATE, {"input": values}))["tierThresholdsUpdate"]
    for errors in (preview["userErrors"], saved["userErrors"]):
        assert [(e["field"], e["code"]) for e in errors] == [(["input", field], "INVALID")] and errors[0]["message"]
    assert saved["thresholds"] is None and preview["proposed"] is None
    assert await _tiers(world.merchant.id) == before
    assert (await load_config(world.merchant.id)).tiers == TierThresholds()


async def test_two_bad_fields_are_both_named(client, world):
    errors = data(await admin(client, UPDATE, {"input": {"atRiskAfterDays": 0, "vipTopShare": 2}}))[
        "tierThresholdsUpdate"
    ]["userErrors"]
    assert [e["field"] for e in errors] == [["input", "atRiskAfterDays"], ["input", "vipTopShare"]]


async def test_a_wrongly_typed_threshold_is_a_request_error_not_a_save(client, world):
    body = (await admin(client, UPDATE, {"input": {"atRiskAfterDays": "ninety"}})).json()
    assert body["errors"] and body.get("data") is None
    assert (await load_config(world.merchant.id)).tiers == TierThresholds()


async def test_another_merchants_key_changes_only_its_own_thresholds(client, world):
    key = (await issue(world.other_merchant.id, "other")).secret
    before = await _tiers(world.merchant.id)
    saved = data(await admin(client, UPDATE, {"input": {"lostAfterDays": 400}}, token=key))["tierThresholdsUpdate"]
    assert saved["userErrors"] == [] and saved["moved"] == 0
    assert (await load_config(world.other_merchant.id)).tiers.lost_after_days == 400
    assert (await load_config(world.merchant.id)).tiers == TierThresholds()
    assert await _tiers(world.merchant.id) == before
    seen = data(await admin(client, VIEW, token=key))["insights"]
    assert seen["tierRevenue"] == [] and all(t["profiles"] == 0 for t in seen["tiers"])


async def test_a_storefront_credential_cannot_reach_the_thresholds(client, world):
    for response in (
        await storefront(client, world.shopify, UPDATE, {"input": {"lostAfterDays": 400}}),
        await admin(client, UPDATE, {"input": {"lostAfterDays": 400}}, token=world.shopify.public_key),
        await admin(client, UPDATE, {"input": {"lostAfterDays": 400}}, token="not-a-key"),
    ):
        assert response.json().get("errors") and not (response.json().get("data") or {}).get("tierThresholdsUpdate")
    assert (await load_config(world.merchant.id)).tiers == TierThresholds()


async def test_a_trend_longer_than_allowed_is_refused(client, world):
    body = (await admin(client, "{ insights { tierTrend(last: 500) { at } } }")).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


LAST = """{ insights { asOf lastRefresh { asOf warning modelCheck { currencyCode status } }
  modelCheck { currencyCode status } } }"""


async def test_saving_thresholds_keeps_the_last_refreshs_as_of_and_model_check_on_the_overview(client, world):
    before = data(await admin(client, LAST))["insights"]
    assert before["lastRefresh"]["asOf"] and before["modelCheck"]
    data(await admin(client, UPDATE, {"input": {"lostAfterDays": 200}}))
    after = data(await admin(client, LAST))["insights"]
    assert after == before
    assert await RefreshRun.filter(merchant_id=world.merchant.id, as_of=None).count() == 0
