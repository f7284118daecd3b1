"""The program-impact report the insights refresh keeps per period preset (``measure.impact_kept``):
kept, it answers exactly what the live computation answers at the refresh's as-of; its JSON comes
back as the same dataclasses; a margin rate changed since applies at once to its return; a window
changed since is never served from it; before a refresh the report is computed live and says so;
another merchant reads none of it; a period with days is refused."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.auth.api_keys import issue
from campaigns.models import Campaign, CampaignEntry, CampaignKind, CodeStatus, Group
from loyalty.models import Entry, EntryKind
from loyalty.program import publish
from loyalty.rules import Rules
from measure.impact import program_impact
from measure.impact_kept import ImpactPeriod, dump, load_report, period_impact, period_since
from measure.models import ProgramImpactReport
from measure.refresh import refresh_measurement
from store.models import Merchant, Store
from tests.measure.test_impact import NOW, START, at, plant, simulate
from tests.schema.conftest import AS_OF, admin, data
from tests.store.test_upsert import counted_statements

pytestmark = pytest.mark.db

QUERY = """query($period: ImpactPeriod, $since: Date, $until: Date) {
 programImpact(period: $period, since: $since, until: $until) {
  period since until asOf computedAt kept freshness
  method summary currencyCode windowDays
  raw { members { ...g } nonMembers { ...g } }
  matched { pairs unmatched members { ...g } controls { ...g } effect { ...e } ordersEffect { ...e } }
  prePost { members before { ...g } after { ...g } }
  roi { incrementalRevenue incrementalRevenueLow incrementalRevenueHigh marginRate incrementalMargin rewardsCost
        pointsCost net roi low high currencyCode }
  campaigns { campaign { id name } uplift { ...e } } } }
fragment g on GroupFigures { customers ordersPerCustomer revenuePerCustomer repeatRate }
fragment e on ImpactEstimate { value low high unit }"""

SOURCE = ("period", "since", "until", "asOf", "computedAt", "kept", "freshness")
SETTINGS = """mutation($input: MeasureSettingsInput!) { measureSettingsUpdate(input: $input) {
  settings { marginRate windowDays } userErrors { field message code } } }"""


def figures(answer: dict[str, Any]) -> dict[str, Any]:
    """The report's figures, without where they come from."""
    return {k: v for k, v in answer.items() if k not in SOURCE}


async def planted(name: str) -> Merchant:
    """A simulated program with matched members, costs (points earned in their windows at a point
    value, and whatever the planting adds) and a campaign with a holdout."""
    people = simulate(seed=2121, lift=0.5, people=300)
    merchant, profile_ids = await plant(people, name)
    await publish(merchant.id, Rules(currency="USD", point_value=Decimal("0.01")), at(START, 0))
    await Entry.bulk_create(
        [
            Entry(
                merchant=merchant,
                profile_id=pid,
                kind=EntryKind.EARN,
                key=f"kept-{pid}",
                available=200,
                lifetime=200,
                cause="",
                occurred_at=at(p.joins + timedelta(days=10)),
            )  # fmt: skip
            for pid, p in zip(profile_ids, people, strict=True)
            if p.joins is not None
        ]
    )
    store = await Store.get(merchant=merchant)
    campaign = await Campaign.create(
        merchant=merchant, name="Win-back", kind=CampaignKind.WIN_BACK, audience={}, actions={}, attribution_days=30
    )
    await CampaignEntry.bulk_create(
        [
            CampaignEntry(
                campaign=campaign,
                merchant_id=merchant.id,
                profile_id=pid,
                period=0,
                group=Group.HOLDOUT if k % 4 == 0 else Group.TREATED,
                entered_at=at(date(2025, 6, 1)),
                store_id=store.id,
                code_status=CodeStatus.NONE,
                points=0,
            )  # fmt: skip
            for k, pid in enumerate(profile_ids[:80])
        ]
    )
    return merchant


async def test_the_kept_json_comes_back_as_the_same_dataclasses_campaigns_the_merchants_own_only(db, world):
    merchant = await planted("Round Trip")
    found = await program_impact(merchant.id, now=NOW)
    assert found.matched.pairs > 0 and found.roi.roi is not None and found.roi.points_cost > 0
    assert found.campaigns and found.matched.effect.low is not None
    raw = json.loads(json.dumps(dump(found)))  # what a JSON column holds: text
    again = await load_report(merchant.id, raw)
    assert again == found
    assert dump(again) == dump(found)  # Decimal digits too: "12.30" stays "12.30"
    assert isinstance(again.roi.net, Decimal) and isinstance(again.matched.effect.value, float)
    assert again.campaigns[0].campaign.name == "Win-back"
    # A campaign of another merchant is never read through this merchant's report, nor one deleted since.
    assert (await load_report(world.other_merchant.id, raw)).campaigns == []
    await Campaign.filter(merchant_id=merchant.id).delete()
    assert await load_report(merchant.id, raw) == dataclasses.replace(found, campaigns=[])


async def test_right_after_a_refresh_each_preset_is_read_kept_and_equals_the_live_report(client, world):
    merchant = await planted("Kept Equals Live")
    counts = await refresh_measurement(merchant.id, NOW)
    assert (
        counts["program_impact"]
        == len(ImpactPeriod)
        == await ProgramImpactReport.filter(merchant_id=merchant.id).count()
    )
    assert period_since(ImpactPeriod.LAST_12_MONTHS, NOW) == date(2025, 1, 1)  # as the dashboard's periodSince
    assert period_since(ImpactPeriod.LAST_24_MONTHS, NOW) == date(2024, 1, 1)
    assert period_since(ImpactPeriod.ALL_TIME, NOW) is None
    for period in ImpactPeriod:
        with counted_statements() as statements:
            kept = await period_impact(merchant.id, period)
        assert len(statements) <= 4, statements  # settings, the row, its campaigns: no order is read
        assert kept.kept and kept.as_of == NOW and kept.since == period_since(period, NOW)
        assert kept.freshness.startswith("As of the insights refresh of 2025-12-31 12:00 UTC")
        assert kept.impact == await program_impact(merchant.id, period_since(period, NOW), now=NOW)
    assert kept.impact.matched.pairs > 0 and kept.impact.roi.roi is not None

    # Over HTTP: the kept answer is the live answer for the same days.
    key = (await issue(merchant.id, "kept")).secret
    for period in ImpactPeriod:
        answer = data(await admin(client, QUERY, {"period": period.name}, token=key))["programImpact"]
        assert answer["kept"] is True and answer["period"] == period.name
        assert answer["asOf"].startswith("2025-12-31T12:00:00") and answer["until"] == "2025-12-31"
        since = period_since(period, NOW)
        assert answer["since"] == (since.isoformat() if since else None)
        live = data(await admin(client, QUERY, {"since": answer["since"], "until": answer["until"]}, token=key))[
            "programImpact"
        ]
        assert live["kept"] is False and live["period"] is None
        assert figures(answer) == figures(live)
    # A second refresh replaces the three rows.
    await refresh_measurement(merchant.id, NOW + timedelta(days=1))
    rows = await ProgramImpactReport.filter(merchant_id=merchant.id)
    assert len(rows) == len(ImpactPeriod) and {r.as_of for r in rows} == {NOW + timedelta(days=1)}


async def test_a_margin_rate_changed_after_the_refresh_applies_at_once_to_the_kept_return(client, world):
    merchant = await planted("Margin Moves")
    await refresh_measurement(merchant.id, NOW)
    key = (await issue(merchant.id, "margin")).secret
    before = data(await admin(client, QUERY, {"period": "ALL_TIME"}, token=key))["programImpact"]
    assert before["kept"] is True and before["roi"]["marginRate"] == 0.3
    saved = data(await admin(client, SETTINGS, {"input": {"marginRate": 0.45}}, token=key))["measureSettingsUpdate"]
    assert saved["userErrors"] == []

    after = data(await admin(client, QUERY, {"period": "ALL_TIME"}, token=key))["programImpact"]
    assert after["kept"] is True and after["roi"]["marginRate"] == 0.45
    assert after["roi"]["incrementalMargin"] != before["roi"]["incrementalMargin"]
    assert after["roi"]["roi"] > before["roi"]["roi"]
    live = data(await admin(client, QUERY, {"until": "2025-12-31"}, token=key))["programImpact"]
    assert after["roi"] == live["roi"]  # the live report at 45 %, figure for figure
    assert figures(after) == figures(live)
    kept = await period_impact(merchant.id, ImpactPeriod.ALL_TIME)
    assert kept.impact == await program_impact(merchant.id, now=NOW)
    revenue = kept.impact.roi.incremental_revenue
    assert revenue is not None and kept.impact.roi.incremental_margin == (revenue * Decimal("0.45")).quantize(
        Decimal("0.01")
    )


async def test_a_window_changed_after_the_refresh_is_never_answered_from_the_kept_report(client, world):
    merchant = await planted("Window Moves")
    await refresh_measurement(merchant.id, NOW)
    key = (await issue(merchant.id, "window")).secret
    saved = data(await admin(client, SETTINGS, {"input": {"windowDays": 60}}, token=key))["measureSettingsUpdate"]
    assert saved["userErrors"] == []

    answer = data(await admin(client, QUERY, {"period": "ALL_TIME"}, token=key))["programImpact"]
    assert answer["kept"] is False and answer["windowDays"] == 60
    assert answer["freshness"].startswith("Computed now: the comparison window is 60 days")
    assert "60 days" in answer["matched"]["effect"]["unit"]
    found = await period_impact(merchant.id, ImpactPeriod.LAST_24_MONTHS, now=NOW)
    assert not found.kept and found.impact.window_days == 60
    assert found.impact == await program_impact(merchant.id, date(2024, 1, 1), now=NOW)
    # The next refresh keeps it with the new window, and it is read kept again.
    await refresh_measurement(merchant.id, NOW)
    again = data(await admin(client, QUERY, {"period": "ALL_TIME"}, token=key))["programImpact"]
    assert again["kept"] is True and again["windowDays"] == 60
    assert figures(again) == figures(answer)


async def test_a_kept_report_of_an_earlier_shape_is_computed_live_rather_than_failing(db, world):
    merchant = await planted("Earlier Shape")
    await refresh_measurement(merchant.id, NOW)
    row = await ProgramImpactReport.get(merchant_id=merchant.id, period=ImpactPeriod.ALL_TIME.value)
    row.report = {k: v for k, v in row.report.items() if k != "matched"}  # as kept before a field was added
    await row.save()
    found = await period_impact(merchant.id, ImpactPeriod.ALL_TIME, now=NOW)
    assert not found.kept and "earlier shape" in found.freshness
    assert found.impact == await program_impact(merchant.id, now=NOW)
    assert (await period_impact(merchant.id, ImpactPeriod.LAST_12_MONTHS)).kept  # the other presets still read kept


async def test_before_any_refresh_the_preset_is_computed_live_and_says_so(client, world):
    assert not await ProgramImpactReport.filter(merchant_id=world.merchant.id).exists()
    answer = data(await admin(client, QUERY, {"period": "ALL_TIME"}))["programImpact"]
    assert answer["kept"] is False and answer["period"] == "ALL_TIME" and answer["since"] is None
    assert answer["freshness"] == "Computed now: no insights refresh has kept this report yet."
    live = data(await admin(client, QUERY))["programImpact"]
    assert figures(answer) == figures(live) and live["freshness"] == "Computed now for the days asked."
    assert answer["raw"]["members"]["customers"] + answer["raw"]["nonMembers"]["customers"] > 0
    assert not await ProgramImpactReport.filter(merchant_id=world.merchant.id).exists()  # a read keeps nothing


async def test_another_merchants_key_reads_none_of_the_kept_report(client, world):
    await refresh_measurement(world.merchant.id, AS_OF)
    mine = data(await admin(client, QUERY, {"period": "LAST_12_MONTHS"}))["programImpact"]
    assert mine["kept"] is True and mine["since"] == "1997-08-01"
    assert mine["raw"]["members"]["customers"] + mine["raw"]["nonMembers"]["customers"] > 0
    other = (await issue(world.other_merchant.id, "other")).secret
    theirs = data(await admin(client, QUERY, {"period": "LAST_12_MONTHS"}, token=other))["programImpact"]
    assert theirs["kept"] is False  # nothing kept for them: this merchant's row is not theirs
    assert theirs["raw"]["members"]["customers"] == theirs["raw"]["nonMembers"]["customers"] == 0
    assert theirs["prePost"]["members"] == 0
    assert theirs["campaigns"] == []
    assert not await ProgramImpactReport.filter(merchant_id=world.other_merchant.id).exists()
    anonymous = await client.post("/graphql/admin", json={"query": QUERY, "variables": {"period": "ALL_TIME"}})
    assert anonymous.status_code == 401 and anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in anonymous.json() or anonymous.json()["data"] is None


async def test_a_period_with_days_or_an_unknown_period_is_refused_with_a_clear_error(client, world):
    for days in ({"since": "1998-01-01"}, {"until": "1998-06-30"}):
        response = await admin(client, QUERY, {"period": "LAST_12_MONTHS", **days})
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == "period"
        assert error["message"] == "period cannot be combined with since or until: ask by a preset or by days"
        assert response.json()["data"] is None
    response = await admin(client, QUERY, {"period": "LAST_7_DAYS"})
    assert "LAST_7_DAYS" in response.json()["errors"][0]["message"]
    assert not await ProgramImpactReport.all().exists()
