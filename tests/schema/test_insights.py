"""The admin API's view of insight, over HTTP, against what the refresh stored (read-only: one shared world)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from insights.identity import explain_profile
from insights.models import (
    ClvPrediction,
    ProfileFact,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
    RefreshRun,
)
from schema.core.ids import to_gid
from schema.insights.distribution import distribution
from store.models import Customer, Profile
from tests.schema.conftest import AS_OF, admin, cross_store_profile, data, error_code

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

PROFILE = """query($id: ID!) { profile(id: $id) {
  facts { kind current { value platform observedAt store { id } address { city zip countryCode } acceptsMarketing }
          others { value platform observedAt store { id } } }
  preferences { topCategories { name share } topVendors { name share } priceSensitivity mainCurrencyCode
                preferredStore { id } sources { platform orders lastOrderAt store { id } } }
  transactions { orders refundedOrders refundRate firstOrderAt lastOrderAt
                 revenue { currencyCode orders revenue { amount currencyCode } refunded { amount } averageOrderValue { amount }
                           byStore { platform orders revenue { amount currencyCode } discountedRevenue { amount } store { id } } } }
  segment { name tier rScore fScore mScore rfm recencyDays frequency monetary { amount currencyCode } currencyCode asOf }
  churnBand
  prediction { currencyCode model dataStatus churnBand probabilityAlive { value low high } expectedOrders { value low high }
               expectedOrderValue { amount currencyCode } clv { value { amount } low { amount } high { amount } }
               horizonDays intervalLevel nextOrderAt asOf }
  predictions { currencyCode }
  identity { links { keys score customers { id store { platform } } } decisions { ruling } }
} }"""

PAGE = """query($segment: String, $tier: ValueTier, $band: ChurnBand, $store: ID, $search: String) {
  profiles(first: 250, segment: $segment, tier: $tier, churnBand: $band, storeId: $store, search: $search) {
    nodes { id } pageInfo { hasNextPage } } }"""


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


async def test_a_profiles_facts_show_the_current_value_and_the_others_with_their_store_and_time(client, world):
    profile_id = await cross_store_profile(world)
    found = data(await admin(client, PROFILE, {"id": to_gid("Profile", profile_id)}))["profile"]
    stored = await ProfileFact.filter(profile_id=profile_id)
    assert {f["kind"].lower() for f in found["facts"]} == {r.kind for r in stored}
    for fact in found["facts"]:
        rows = [r for r in stored if r.kind == fact["kind"].lower()]
        [current] = [r for r in rows if r.current]
        assert fact["current"]["store"]["id"] == to_gid("Store", current.store_id)
        assert fact["current"]["platform"] == current.platform.upper()
        assert fact["current"]["observedAt"].startswith(current.observed_at.isoformat()[:19])
        assert len(fact["others"]) == len(rows) - 1
        assert {o["platform"] for o in fact["others"]} <= {"SHOPIFY", "WOOCOMMERCE"}
    email = next(f for f in found["facts"] if f["kind"] == "EMAIL")["current"]["value"]
    assert email in {c.email.lower() for c in await Customer.filter(profile_id=profile_id) if c.email}
    address = next(f for f in found["facts"] if f["kind"] == "ADDRESS")["current"]
    assert address["address"]["zip"] in address["value"] and address["address"]["countryCode"] == "US"
    consent = next(f for f in found["facts"] if f["kind"] == "MARKETING_CONSENT")["current"]
    assert consent["value"] == str(consent["acceptsMarketing"]).lower()


async def test_a_profiles_transactions_are_per_currency_and_store_with_money_as_decimal_strings(client, world):
    profile_id = await cross_store_profile(world)
    found = data(await admin(client, PROFILE, {"id": to_gid("Profile", profile_id)}))["profile"]
    stats = await ProfileStats.get(profile_id=profile_id)
    revenue = await ProfileRevenue.filter(profile_id=profile_id).order_by("store_id")
    transactions = found["transactions"]
    assert (transactions["orders"], transactions["refundedOrders"]) == (stats.orders, stats.refunded_orders)
    [usd] = transactions["revenue"]
    total = sum((r.revenue for r in revenue), Decimal(0))
    assert usd["revenue"] == {"amount": _money(total), "currencyCode": "USD"}
    assert usd["orders"] == stats.orders == sum(r.orders for r in revenue)
    assert usd["averageOrderValue"]["amount"] == _money(total / stats.orders)
    assert [(s["store"]["id"], s["revenue"]["amount"]) for s in usd["byStore"]] == [
        (to_gid("Store", r.store_id), _money(r.revenue)) for r in revenue
    ]
    assert {s["platform"] for s in usd["byStore"]} == {"SHOPIFY", "WOOCOMMERCE"}
    preferences = found["preferences"]
    assert preferences["preferredStore"]["id"] == to_gid("Store", stats.preferred_store_id)
    assert [c["name"] for c in preferences["topCategories"]] == [c["name"] for c in stats.top_categories]
    assert preferences["priceSensitivity"] == stats.price_sensitivity and preferences["mainCurrencyCode"] == "USD"
    assert sum(s["orders"] for s in preferences["sources"]) == stats.orders


async def test_segment_churn_band_and_clv_are_what_the_refresh_stored_with_model_status_and_interval(client, world):
    profile_id = await cross_store_profile(world)
    found = data(await admin(client, PROFILE, {"id": to_gid("Profile", profile_id)}))["profile"]
    segment = await ProfileSegment.get(profile_id=profile_id)
    assert found["segment"] == {
        "name": segment.segment,
        "tier": segment.tier.upper(),
        "rScore": segment.r_score,
        "fScore": segment.f_score,
        "mScore": segment.m_score,
        "rfm": f"{segment.r_score}{segment.f_score}{segment.m_score}",
        "recencyDays": segment.recency_days,
        "frequency": segment.frequency,
        "monetary": {"amount": _money(segment.monetary), "currencyCode": "USD"},
        "currencyCode": "USD",
        "asOf": AS_OF.isoformat(),
    }
    prediction = await ClvPrediction.get(profile_id=profile_id)
    shown = found["prediction"]
    assert (
        (shown["model"], shown["dataStatus"])
        == ("mbgnbd+gamma_gamma", "SUFFICIENT")
        == (prediction.model, prediction.status.upper())
    )
    assert shown["churnBand"] == found["churnBand"] == prediction.churn_risk.upper()
    assert shown["probabilityAlive"] == {
        "value": prediction.probability_alive,
        "low": prediction.probability_alive_low,
        "high": prediction.probability_alive_high,
    }
    assert shown["expectedOrders"]["value"] == prediction.expected_orders
    assert shown["clv"] == {
        "value": {"amount": _money(prediction.clv)},
        "low": {"amount": _money(prediction.clv_low)},
        "high": {"amount": _money(prediction.clv_high)},
    }
    assert (
        Decimal(shown["clv"]["low"]["amount"])
        <= Decimal(shown["clv"]["value"]["amount"])
        <= Decimal(shown["clv"]["high"]["amount"])
    )
    assert shown["intervalLevel"] == prediction.interval_level and shown["horizonDays"] == 365
    assert found["predictions"] == [{"currencyCode": "USD"}]


async def test_identity_names_the_keys_that_linked_the_customers_and_never_their_values(client, world):
    profile_id = await cross_store_profile(world)
    found = data(await admin(client, PROFILE, {"id": to_gid("Profile", profile_id)}))["profile"]["identity"]
    explained = await explain_profile(profile_id)
    assert [sorted(link["keys"]) for link in found["links"]] == [
        sorted(k.upper() for k in link["keys"]) for link in explained["links"]
    ]
    assert [{c["id"] for c in link["customers"]} for link in found["links"]] == [
        {to_gid("Customer", c) for c in link["customers"]} for link in explained["links"]
    ]
    assert {c["store"]["platform"] for link in found["links"] for c in link["customers"]} == {"SHOPIFY", "WOOCOMMERCE"}
    assert found["decisions"] == [] and "@" not in str(found)


async def test_profiles_filter_by_segment_tier_and_churn_band_exactly(client, world):
    merchant = world.merchant.id
    live = set(await Profile.filter(merchant_id=merchant, merged_into_id=None).values_list("id", flat=True))

    async def shown(**variables) -> set[int]:
        page = data(await admin(client, PAGE, variables))["profiles"]
        assert not page["pageInfo"]["hasNextPage"]
        return {int(n["id"].rsplit("/", 1)[1]) for n in page["nodes"]}

    segments = await ProfileSegment.filter(merchant_id=merchant).values_list("profile_id", "segment", "tier")
    for name in {s for _, s, _ in segments}:
        assert await shown(segment=name) == {p for p, s, _ in segments if s == name} & live, name
    for tier in ("VIP", "REGULAR", "AT_RISK", "LOST"):
        assert await shown(tier=tier) == {p for p, _, t in segments if t == tier.lower()} & live, tier
    bands = await ClvPrediction.filter(merchant_id=merchant).values_list("profile_id", "churn_risk")
    for band in ("LOW", "MEDIUM", "HIGH"):
        expected = {p for p, b in bands if b == band.lower()} & live
        assert await shown(band=band) == expected and expected, band
    both = await shown(tier="VIP", band="LOW", store=to_gid("Store", world.shopify.id))
    on_shopify = set(await Customer.filter(store_id=world.shopify.id).values_list("profile_id", flat=True))
    assert both == {p for p, _, t in segments if t == "vip"} & {p for p, b in bands if b == "low"} & on_shopify & live
    unknown = (await admin(client, PAGE, {"segment": "no such segment"})).json()
    assert unknown["data"] is None and unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "champions" in unknown["errors"][0]["message"]  # names the segments that exist


async def test_the_overview_counts_segments_tiers_churn_bands_and_buckets_clv(client, world):
    merchant = world.merchant.id
    found = data(
        await admin(
            client,
            """{ insights { asOf segments { name profiles share } tiers { tier profiles }
        churnBands { band profiles } clvDistribution(buckets: 6) { currencyCode profiles total { amount } median { amount }
        buckets { low { amount } high { amount } profiles total { amount } } } } }""",
        )
    )["insights"]
    segments = await ProfileSegment.filter(merchant_id=merchant).values_list("segment", "tier")
    assert found["asOf"] == AS_OF.isoformat()
    assert {s["name"]: s["profiles"] for s in found["segments"]} == Counter(s for s, _ in segments)
    assert [s["profiles"] for s in found["segments"]] == sorted(
        (s["profiles"] for s in found["segments"]), reverse=True
    )
    assert abs(sum(s["share"] for s in found["segments"]) - 1) < 0.01
    assert {t["tier"]: t["profiles"] for t in found["tiers"]} == {
        t: Counter(x for _, x in segments)[t.lower()] for t in ("VIP", "REGULAR", "AT_RISK", "LOST")
    }
    bands = await ClvPrediction.filter(merchant_id=merchant).values_list("churn_risk", flat=True)
    assert {b["band"]: b["profiles"] for b in found["churnBands"]} == {
        b: Counter(bands)[b.lower()] for b in ("LOW", "MEDIUM", "HIGH")
    }
    [usd] = found["clvDistribution"]
    values = await ClvPrediction.filter(merchant_id=merchant).values_list("clv", flat=True)
    expected = distribution(values, 6)
    assert usd["profiles"] == len(values) == sum(b["profiles"] for b in usd["buckets"])
    assert Decimal(usd["total"]["amount"]) == sum(values, Decimal(0))
    assert [b["profiles"] for b in usd["buckets"]] == [b.count for b in expected.buckets]
    assert len(usd["buckets"]) == 6 and usd["buckets"][-1]["high"] is None
    assert all(
        Decimal(b["low"]["amount"]) <= Decimal(b["total"]["amount"]) / max(b["profiles"], 1)
        for b in usd["buckets"]
        if b["profiles"]
    )
    assert all(
        a["high"]["amount"] == b["low"]["amount"] for a, b in zip(usd["buckets"], usd["buckets"][1:], strict=False)
    )


async def test_the_overview_shows_the_last_refresh_with_each_steps_time(client, world):
    run = await RefreshRun.filter(merchant_id=world.merchant.id).order_by("-started_at").first()
    found = data(
        await admin(client, "{ insights { lastRefresh { status kind reason seconds steps { name seconds } counts } } }")
    )
    last = found["insights"]["lastRefresh"]
    assert last["status"] == "COMPLETE"
    assert (last["kind"], last["reason"]) == (run.kind.upper(), run.counts["why"])
    assert [(s["name"], s["seconds"]) for s in last["steps"]] == list(run.step_seconds.items())
    assert last["steps"][0]["name"] == "identity" and last["counts"]["segments"] == run.counts["segments"]
    assert last["seconds"] == pytest.approx(sum(run.step_seconds.values()), abs=1e-3)


async def test_a_bucket_count_out_of_range_is_a_bad_user_input(client, world):
    for buckets in (1, 51):
        response = await admin(client, f"{{ insights {{ clvDistribution(buckets: {buckets}) {{ profiles }} }} }}")
        assert (
            error_code(response) == "BAD_USER_INPUT" and "between 2 and 50" in response.json()["errors"][0]["message"]
        )
