"""The admin API explains its insight: the model check, a why on every prediction and segment,
the ranges behind each RFM score, all as the refresh stored them (read-only: one shared world)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from insights.models import ClvPrediction, ProfileSegment, RefreshRun
from schema.core.ids import to_gid
from tests.schema.conftest import admin, cross_store_profile, data, error_code

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

CHECK = """{ insights {
  modelCheck { currencyCode status model holdoutWeeks calibrationEnd asOf customers repeatBuyers predictedTotal actualTotal
               groups { repeatOrders customers predicted actual } }
  lastRefresh { status asOf warning modelCheck { currencyCode status } } } }"""

RANGES = """query($currency: String) { insights { scoreRanges(currencyCode: $currency) { currencyCode
  recency { score fewestDays mostDays profiles } frequency { score fewestOrders mostOrders profiles }
  monetary { score lowest { amount currencyCode } highest { amount } profiles } } } }"""

PROFILE = """query($id: ID!) { profile(id: $id) {
  segment { rfm rScore fScore mScore recencyDays frequency why
            scoreRanges { recency { score fewestDays mostDays } frequency { score fewestOrders mostOrders }
                          monetary { score lowest { amount } highest { amount } } } }
  predictions { currencyCode why orderProbability horizonDays } } }"""


async def test_the_overview_shows_the_stored_model_check_and_the_last_refresh_without_a_warning(client, world):
    run = await RefreshRun.filter(merchant_id=world.merchant.id).order_by("-started_at").first()
    found = data(await admin(client, CHECK))["insights"]
    [check] = found["modelCheck"]
    [stored] = run.model_check
    assert check["status"] == "SUFFICIENT" and check["currencyCode"] == "USD" and check["model"] == "mbgnbd"
    assert (check["calibrationEnd"], check["asOf"], check["holdoutWeeks"]) == ("1998-04-01", "1998-07-01", 13)
    assert (check["customers"], check["repeatBuyers"]) == (stored["customers"], stored["repeat_buyers"])
    assert (check["predictedTotal"], check["actualTotal"]) == (stored["predicted_total"], stored["actual_total"])
    assert [(g["repeatOrders"], g["customers"], g["predicted"], g["actual"]) for g in check["groups"]] == [
        (g["repeat_orders"], g["customers"], g["predicted"], g["actual"]) for g in stored["groups"]
    ]
    last = found["lastRefresh"]
    assert last["warning"] is None and last["asOf"].startswith("1998-07-01")
    assert last["modelCheck"] == [{"currencyCode": "USD", "status": "SUFFICIENT"}]


async def test_score_ranges_are_the_lowest_and_highest_figures_of_the_people_holding_each_score(client, world):
    rows = await ProfileSegment.filter(merchant_id=world.merchant.id)
    expected: dict[tuple[str, int], list] = defaultdict(list)
    for row in rows:
        expected[("r", row.r_score)].append(row.recency_days)
        expected[("f", row.f_score)].append(row.frequency)
        expected[("m", row.m_score)].append(row.monetary)
    [usd] = data(await admin(client, RANGES))["insights"]["scoreRanges"]
    assert usd["currencyCode"] == "USD"
    got = {("r", r["score"]): (r["fewestDays"], r["mostDays"], r["profiles"]) for r in usd["recency"]}
    got |= {("f", f["score"]): (f["fewestOrders"], f["mostOrders"], f["profiles"]) for f in usd["frequency"]}
    got |= {
        ("m", m["score"]): (Decimal(m["lowest"]["amount"]), Decimal(m["highest"]["amount"]), m["profiles"])
        for m in usd["monetary"]
    }
    assert got == {key: (min(v), max(v), len(v)) for key, v in expected.items()}
    assert [r["score"] for r in usd["recency"]] == sorted(r["score"] for r in usd["recency"])
    assert all(m["lowest"]["currencyCode"] == "USD" for m in usd["monetary"])
    print(f"\nrecency ranges: {[(r['score'], r['fewestDays'], r['mostDays']) for r in usd['recency']]}")


async def test_a_profile_shows_the_ranges_behind_its_own_scores_and_the_whys_the_refresh_stored(client, world):
    profile_id = await cross_store_profile(world)
    found = data(await admin(client, PROFILE, {"id": to_gid("Profile", profile_id)}))["profile"]
    segment, stored = found["segment"], await ProfileSegment.get(profile_id=profile_id)
    assert segment["why"] == stored.why and segment["why"].startswith(f"{stored.frequency} order")
    same_r = await ProfileSegment.filter(
        merchant_id=world.merchant.id, currency=stored.currency, r_score=stored.r_score
    )
    ranges = segment["scoreRanges"]
    assert ranges["recency"] == {
        "score": stored.r_score,
        "fewestDays": min(r.recency_days for r in same_r),
        "mostDays": max(r.recency_days for r in same_r),
    }
    assert ranges["recency"]["fewestDays"] <= segment["recencyDays"] <= ranges["recency"]["mostDays"]
    assert ranges["frequency"]["fewestOrders"] <= segment["frequency"] <= ranges["frequency"]["mostOrders"]
    assert ranges["frequency"]["score"] == stored.f_score and ranges["monetary"]["score"] == stored.m_score
    predictions = {p.currency: p for p in await ClvPrediction.filter(profile_id=profile_id)}
    for shown in found["predictions"]:
        assert shown["why"] == predictions[shown["currencyCode"]].why
        assert f"within {shown['horizonDays']} days" in shown["why"]


async def test_a_currency_without_segments_has_no_ranges_and_a_malformed_one_is_refused(client, world):
    assert data(await admin(client, RANGES, {"currency": "eur"}))["insights"]["scoreRanges"] == []
    assert [
        r["currencyCode"] for r in data(await admin(client, RANGES, {"currency": " usd "}))["insights"]["scoreRanges"]
    ] == ["USD"]
    for bad in ("dollars", "", "U$D", "12", "x" * 5000):
        response = await admin(client, RANGES, {"currency": bad})
        assert error_code(response) == "BAD_USER_INPUT", (bad, response.json())


async def test_another_merchants_ranges_and_model_check_are_not_shown(client, world):
    others = await ProfileSegment.filter(merchant_id=world.other_merchant.id).count()
    [usd] = data(await admin(client, RANGES))["insights"]["scoreRanges"]
    mine = await ProfileSegment.filter(merchant_id=world.merchant.id).count()
    assert sum(r["profiles"] for r in usd["recency"]) == mine, f"the other merchant has {others} segment rows"
