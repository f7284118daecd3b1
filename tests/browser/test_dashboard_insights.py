"""The dashboard explains its insight, in headless Chromium against ``rapport demo``: the model check
on the Overview (chart and its table), the why of a member's segment and predictions with the
ranges behind "RFM 311", and the last refresh's as-of warning. Expected text comes from the admin
API over HTTP at test time; the warning test dates a refresh before the first order and then
refreshes as of today again, so the shared demo is left as it was found."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.dashboard_support import admin, go, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

CHECK = """query { insights { modelCheck { currencyCode status predictedTotal actualTotal customers
  groups { repeatOrders customers predicted actual } } } }"""
MEMBER = """query { members(first: 50) { nodes { id profile {
  segment { rfm mScore why scoreRanges { recency { score fewestDays mostDays } frequency { score fewestOrders mostOrders } } }
  predictions { currencyCode why } } } } }"""
LAST = "query { insights { lastRefresh { status asOf warning } } }"
KEPT = "query { programImpact(period: ALL_TIME) { kept asOf } }"
REFRESH = """mutation($input: RefreshInsightsInput!) { refreshInsights(input: $input) {
  queued userErrors { field message code } } }"""


async def _refresh_and_wait(demo: dict[str, Any], as_of: str | None, since: str | None) -> dict[str, Any]:
    """Queues a refresh through the admin API and waits for a newer run than ``since`` to finish,
    measurements kept included.

    The refresh job goes on after its insights run (it keeps the measurements), so a refresh asked
    for just after the previous run finished may find that job still queued: ask again until it is
    taken."""
    deadline = time.monotonic() + 300
    while True:
        queued = (await admin(demo, REFRESH, {"input": {"asOf": as_of}}))["refreshInsights"]
        codes = [e["code"] for e in queued["userErrors"]]
        if queued["queued"] or codes != ["ALREADY_QUEUED"] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert queued["queued"], queued["userErrors"]
    while time.monotonic() < deadline:
        last = (await admin(demo, LAST))["insights"]["lastRefresh"]
        if last and last["asOf"] != since and last["status"] != "RUNNING":
            assert last["status"] == "COMPLETE", last
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("the refresh did not finish in 5 minutes")
    # then the measurements the job keeps after it (one transaction), which other pages read
    while time.monotonic() < deadline:
        kept = (await admin(demo, KEPT))["programImpact"]
        if kept["kept"] and datetime.fromisoformat(kept["asOf"]) == datetime.fromisoformat(last["asOf"]):
            return dict(last)
        await asyncio.sleep(0.5)
    raise AssertionError("the refresh's measurements were not kept in 5 minutes")


async def test_the_overview_shows_the_model_check_with_the_apis_figures(demo, page, page_errors, screenshot):
    [check] = (await admin(demo, CHECK))["insights"]["modelCheck"]
    assert check["status"] == "SUFFICIENT" and len(check["groups"]) == 8
    await open_dashboard(page, demo)
    figure = page.locator(f"#chart-model-check-{check['currencyCode']}")
    await page.wait_for_selector(f"#chart-model-check-{check['currencyCode']}[data-chart-ready=true]")
    label = await figure.locator("canvas").get_attribute("aria-label")
    assert f"customers placed {int(check['actualTotal']):,}" in label
    await figure.locator("summary").click()
    rows = await figure.locator("tbody tr").all_inner_texts()
    assert len(rows) == 9 and rows[-1].startswith("All")
    for group, row in zip(check["groups"], rows, strict=False):
        cells = row.split("\t")
        assert cells[0] == (f"{group['repeatOrders']}+" if group["repeatOrders"] == 7 else str(group["repeatOrders"]))
        assert cells[1] == f"{group['customers']:,}"
        assert float(cells[2]) == pytest.approx(group["predicted"], abs=0.006)
        assert float(cells[3]) == pytest.approx(group["actual"], abs=0.006)
    await figure.scroll_into_view_if_needed()
    await screenshot(page, "dashboard-model-check")
    assert page_errors == []


async def test_a_member_page_shows_the_whys_and_the_ranges_behind_the_rfm_scores(demo, page, page_errors, screenshot):
    nodes = (await admin(demo, MEMBER))["members"]["nodes"]
    member = next(n for n in nodes if n["profile"] and n["profile"]["segment"] and n["profile"]["predictions"])
    profile = member["profile"]
    await open_dashboard(page, demo, f"#/members/{quote(member['id'], safe='')}")
    why = page.get_by_test_id("segment-why")
    await why.wait_for()
    assert await why.inner_text() == f"Why: {profile['segment']['why']}."
    recency = profile["segment"]["scoreRanges"]["recency"]
    ranges = await page.get_by_test_id("score-ranges").inner_text()
    low, high = recency["fewestDays"], recency["mostDays"]
    days = f"{low:,}" if low == high else f"{low:,}–{high:,}"
    assert f"R{recency['score']} = last order {days} days ago" in ranges
    frequency = profile["segment"]["scoreRanges"]["frequency"]
    assert f"F{frequency['score']} = " in ranges and f"M{profile['segment']['mScore']} = " in ranges
    predictions = await page.get_by_test_id("prediction-why").inner_text()
    for prediction in profile["predictions"]:
        assert f"Why ({prediction['currencyCode']}): {prediction['why']}." in predictions
    await page.get_by_test_id("segment-explained").scroll_into_view_if_needed()
    await screenshot(page, "dashboard-member-why")
    assert page_errors == []


async def test_a_refresh_dated_before_the_first_order_is_warned_about_on_the_overview(
    demo, page, page_errors, screenshot
):
    before = (await admin(demo, LAST))["insights"]["lastRefresh"]
    assert before["warning"] is None, "the demo's own refresh is as of today, the day after its history"
    try:
        suspect = await _refresh_and_wait(demo, "1990-01-01T00:00:00+00:00", before["asOf"])
        assert suspect["warning"].startswith("as-of 1990-01-01 is before the first order")
        await open_dashboard(page, demo)
        warning = page.get_by_test_id("as-of-warning")
        await warning.wait_for()
        text = await warning.inner_text()
        assert "Insights may be misleading." in text and suspect["warning"] in text
        assert await warning.get_attribute("role") == "alert"
        await screenshot(page, "dashboard-as-of-warning")
    finally:
        restored = await _refresh_and_wait(demo, None, "1990-01-01T00:00:00+00:00")
    assert restored["warning"] is None and restored["asOf"] == before["asOf"]
    await go(page, "#/members")
    await go(page, "#/")
    await page.wait_for_selector("[id^=chart-model-check][data-chart-ready=true]")
    assert await page.get_by_test_id("as-of-warning").count() == 0
    assert page_errors == []
