"""The dashboard's measurement pages in headless Chromium against ``rapport demo``: retention per month
and the cohort heatmap show the admin API's numbers, the Program impact page shows the API's raw,
matched (members who took part, which the demo plants, against customers who never did) and
pre/post figures with its method and never reads an interval that includes zero as a gain, and
the members list downloads as a CSV holding exactly the members the API lists for the
filter on screen (Playwright's download event). axe-core finds no serious or critical violation.

Expected figures come from the admin API over HTTP at test time (programImpact, slow on a busy
machine, is read from the very answer the page received, by Playwright's network interception).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.dashboard_support import admin, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

IMPACT_SECONDS = 300_000
"""programImpact over the demo takes minutes on a loaded two-core machine (ms, for Playwright)."""

RETENTION = """query($since: Date) { retention(since: $since) { months { month activeCustomers newCustomers
  returningCustomers retentionRate repeatPurchaseRate purchaseFrequency medianDaysBetweenOrders }
  definitions { key label definition } } }"""
COHORTS = """{ cohorts { currencyCode cohorts { month customers cells { monthsSince activeCustomers share
  revenuePerCustomer } } } }"""
MEMBERS = """query($after: String, $valueTier: ValueTier, $churnBand: ChurnBand) {
  members(first: 100, after: $after, valueTier: $valueTier, churnBand: $churnBand) {
  nodes { id } pageInfo { hasNextPage endCursor } } }"""

# The dashboard's formats (js/format.js), written again here from the numbers' meaning.
FORMAT = """([kind, value, digits]) => {
  if (value === null || value === undefined) return "—";
  if (kind === "integer") return new Intl.NumberFormat("en", {maximumFractionDigits: 0}).format(value);
  if (kind === "decimal") return new Intl.NumberFormat("en", {maximumFractionDigits: digits}).format(Number(value));
  if (kind === "money") return new Intl.NumberFormat("en", {style: "currency", currency: digits}).format(Number(value));
  const shown = Math.abs(value) * 100;
  if (shown > 0 && shown < 10 ** -digits) {
    return new Intl.NumberFormat("en", {style: "percent", maximumSignificantDigits: 2}).format(value);
  }
  const text = new Intl.NumberFormat("en", {style: "percent", maximumFractionDigits: digits}).format(value);
  return value < 1 && value > 0.99 && text === new Intl.NumberFormat("en", {style: "percent"}).format(1) ? `< ${text}` : text;
}"""


async def fmt(page: Any, kind: str, value: Any, digits: Any = 0) -> str:
    return await page.evaluate(FORMAT, [kind, value, digits])


async def go(page: Any, route: str, name: str) -> None:
    await page.evaluate("(route) => { location.hash = route }", route)
    await page.wait_for_selector(f'main[data-route="{name}"] #page-title')


def twelve_months_since() -> str:
    """The first day of the month eleven months ago (UTC): the pages' "Last 12 months"."""
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 - 11
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


async def test_retention_shows_the_apis_months_with_each_figures_definition(demo, page, page_errors, axe, screenshot):
    report = (await admin(demo, RETENTION, {"since": twelve_months_since()}))["retention"]
    assert report["months"], "the demo has orders in the last twelve months"
    await page.emulate_media(reduced_motion="reduce")  # the chart is drawn at once, so the screenshot shows it whole
    await open_dashboard(page, demo)
    await go(page, "#/retention", "retention")
    await page.wait_for_selector("#retention-table")
    kinds = {
        "activeCustomers": ("integer", 0),
        "newCustomers": ("integer", 0),
        "returningCustomers": ("integer", 0),
        "retentionRate": ("percent", 1),
        "repeatPurchaseRate": ("percent", 1),
        "purchaseFrequency": ("decimal", 2),
        "medianDaysBetweenOrders": ("decimal", 1),
    }
    shown = await page.locator("#retention-table tbody tr").evaluate_all(
        """(rows) => rows.map((r) => [r.dataset.month,
            Object.fromEntries([...r.querySelectorAll('td')].map((c) => [c.dataset.column, c.textContent.trim()]))])"""
    )
    expected = [
        [m["month"], {key: await fmt(page, kind, m[key], digits) for key, (kind, digits) in kinds.items()}]
        for m in report["months"]
    ]
    assert shown == expected
    for key in kinds:  # the definition beside each headline figure is the API's
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        [definition] = [d["definition"] for d in report["definitions"] if d["key"] in (key, snake)]
        assert await page.locator(f"#retention-latest [data-figure={key}] .definition").inner_text() == definition
    await page.wait_for_selector("#chart-retention[data-chart-ready=true]")
    await screenshot(page, "dashboard-retention")
    assert await axe(page) == []
    assert page_errors == []


async def test_the_cohort_heatmap_is_the_apis_matrix_and_axe_finds_nothing_serious(
    demo, page, page_errors, axe, screenshot
):
    matrix = (await admin(demo, COHORTS))["cohorts"]
    assert matrix["cohorts"]
    await open_dashboard(page, demo)
    await go(page, "#/cohorts", "cohorts")
    table = page.locator("#cohort-matrix")
    await table.wait_for()
    assert "Share of each cohort who ordered" in await table.locator("caption").inner_text()
    assert await table.locator("thead th[scope=col]").count() >= 3
    assert await table.locator("tbody th[scope=row]").count() == len(matrix["cohorts"])

    async def cells() -> list[list[Any]]:
        return await table.locator("tbody tr").evaluate_all(
            """(rows) => rows.map((r) => [r.dataset.cohort, r.querySelector('[data-column=customers]').textContent.trim(),
                [...r.querySelectorAll('td[data-months-since]')].map((c) => [Number(c.dataset.monthsSince), c.textContent.trim()])])"""
        )

    async def expected(value: Any) -> list[list[Any]]:
        return [
            [row["month"], await fmt(page, "integer", row["customers"]),
             [[c["monthsSince"], await value(c)] for c in row["cells"]]]
            for row in matrix["cohorts"]
        ]  # fmt: skip

    assert await cells() == await expected(lambda c: fmt(page, "percent", c["share"], 0))
    # every shaded cell keeps its text readable: axe's colour-contrast rule runs on each
    assert await axe(page, "#cohort-matrix", ".heat-legend") == []
    assert await axe(page) == []
    await screenshot(page, "dashboard-cohorts-share", "#cohort-matrix")

    await page.get_by_label("Revenue per customer").check()
    await page.wait_for_selector("#cohort-matrix[data-view=revenue]")
    code = matrix["currencyCode"]
    assert await cells() == await expected(lambda c: fmt(page, "money", c["revenuePerCustomer"], code))
    assert await axe(page, "#cohort-matrix") == []
    await screenshot(page, "dashboard-cohorts-revenue", "#cohort-matrix")
    assert page_errors == []


async def impact_answer(page: Any) -> list[dict[str, Any]]:
    """Keeps the admin API's programImpact answers as the page receives them."""
    answers: list[dict[str, Any]] = []

    async def keep(route: Any) -> None:
        response = await route.fetch(timeout=IMPACT_SECONDS)
        if "DashboardProgramImpact" in (route.request.post_data or ""):
            answers.append((await response.json())["data"]["programImpact"])
        await route.fulfill(response=response)

    await page.route("**/graphql/admin", keep)
    return answers


async def group_cells(page: Any, table: str) -> dict[str, list[str]]:
    return dict(
        await page.locator(f"{table} tbody tr").evaluate_all(
            "(rows) => rows.map((r) => [r.dataset.figure, [...r.querySelectorAll('td')].map((c) => c.textContent.trim())])"
        )
    )


async def expected_groups(page: Any, groups: list[dict[str, Any]], code: str) -> dict[str, list[str]]:
    return {
        "customers": [await fmt(page, "integer", g["customers"]) for g in groups],
        "ordersPerCustomer": [await fmt(page, "decimal", g["ordersPerCustomer"], 2) for g in groups],
        "revenuePerCustomer": [await fmt(page, "money", g["revenuePerCustomer"], code) for g in groups],
        "repeatRate": [await fmt(page, "percent", g["repeatRate"], 1) for g in groups],
    }


async def test_program_impact_shows_the_apis_raw_matched_and_pre_post_figures_and_its_method(
    demo, page, page_errors, axe, screenshot
):
    answers = await impact_answer(page)
    await open_dashboard(page, demo)
    await go(page, "#/impact", "impact")
    await page.wait_for_selector("#impact-method", timeout=IMPACT_SECONDS)
    [impact] = answers
    code = impact["currencyCode"]
    assert await page.locator("#impact-method p").inner_text() == impact["method"]
    assert await page.locator("#impact-summary strong").first.inner_text() == impact["summary"]
    raw = impact["raw"]
    assert await group_cells(page, "#impact-raw-table") == await expected_groups(
        page, [raw["members"], raw["nonMembers"]], code
    )
    matched = impact["matched"]
    assert await group_cells(page, "#impact-matched-table") == await expected_groups(
        page, [matched["members"], matched["controls"]], code
    )
    pre = impact["prePost"]
    assert await group_cells(page, "#impact-prepost-table") == await expected_groups(
        page, [pre["before"], pre["after"]], code
    )
    headers = await page.locator("#impact-raw-table thead th").all_inner_texts()
    assert headers[1:] == ["Members (raw)", "Non-members (raw)"]
    # The demo plants who took part in its program (app/demo/engagement.py): every buyer is enrolled,
    # a share took part, so there are non-members and the matched comparison shows figures.
    assert raw["members"]["customers"] > 0 and raw["nonMembers"]["customers"] > 0
    assert matched["pairs"] > 0 and matched["effect"]["value"] is not None, impact["summary"]
    assert not impact["summary"].startswith(("Every customer", "No customer", "No member"))
    hint = await page.locator("#impact-matched .hint").first.inner_text()
    assert hint.startswith(f"{await fmt(page, 'integer', matched['pairs'])} members who first took part"), hint
    effect = await page.locator("[data-figure=matched-effect] dd").inner_text()
    assert "Not enough data" not in effect and "$" in effect, effect
    lead = await page.locator("p.lead").first.inner_text()
    assert "took part" in lead and "redeemed a reward" in lead and "never did" in lead
    assert "Before taking part" in await page.locator("#impact-prepost-table thead").inner_text()
    assert "Raw comparison" in await page.locator("#impact-raw-title").inner_text()
    assert "Matched comparison" in await page.locator("#impact-matched-title").inner_text()
    await screenshot(page, "dashboard-program-impact")
    assert await axe(page) == []
    assert page_errors == []


CAMPAIGN_UNIT = "share of members who ordered, treated minus holdout"


def planted(
    effect: tuple[float, float, float], roi: tuple[float, float, float], summary: str, net: str
) -> dict[str, Any]:
    """A programImpact answer with a matched effect and a return whose intervals are chosen by the test
    (incremental revenue = effect × 300 pairs, margin 30 %, costs 210)."""

    def group(customers: int, orders: float, revenue: str, repeat: float) -> dict[str, Any]:
        return {
            "customers": customers,
            "ordersPerCustomer": orders,
            "revenuePerCustomer": revenue,
            "repeatRate": repeat,
        }

    unit = "USD per member over 90 days"
    return {
        "method": "Raw, then matched on the RFM cell and home store at the join day (planted by the test).",
        "summary": summary,
        "currencyCode": "USD",
        "windowDays": 90,
        "raw": {"members": group(800, 2.9, "140.00", 0.52), "nonMembers": group(1200, 1.3, "45.00", 0.11)},
        "matched": {
            "pairs": 300,
            "unmatched": 12,
            "members": group(300, 1.4, "52.00", 0.2),
            "controls": group(300, 1.35, "50.00", 0.19),
            "effect": {"value": effect[0], "low": effect[1], "high": effect[2], "unit": unit},
            "ordersEffect": {"value": 0.05, "low": -0.1, "high": 0.2, "unit": "orders per member over 90 days"},
        },
        "prePost": {"members": 300, "before": group(300, 1.1, "40.00", 0.1), "after": group(300, 1.4, "52.00", 0.2)},
        "roi": {
            "incrementalRevenue": f"{effect[0] * 300:.2f}",
            "incrementalRevenueLow": f"{effect[1] * 300:.2f}",
            "incrementalRevenueHigh": f"{effect[2] * 300:.2f}",
            "marginRate": 0.3,
            "incrementalMargin": f"{effect[0] * 90:.2f}",
            "rewardsCost": "150.00",
            "pointsCost": "60.00",
            "net": net,
            "roi": roi[0],
            "low": roi[1],
            "high": roi[2],
            "currencyCode": "USD",
        },
        "campaigns": [
            {
                "campaign": {"id": "Q2FtcGFpZ246OTAwMQ==", "name": "Win-back (planted)"},
                "uplift": {"value": 0.04, "low": 0.01, "high": 0.07, "unit": CAMPAIGN_UNIT},
            },
            {
                "campaign": {"id": "Q2FtcGFpZ246OTAwMg==", "name": "Birthday (planted)"},
                "uplift": {"value": 0.01, "low": -0.02, "high": 0.04, "unit": CAMPAIGN_UNIT},
            },
        ],  # fmt: skip
    }


async def test_an_interval_that_includes_zero_reads_as_no_measurable_effect_and_a_clear_one_as_a_gain(
    demo, page, page_errors, axe, screenshot
):
    """The demo enrols every customer, so its matched comparison is empty: the answers are planted."""
    answer: dict[str, Any] = {}

    async def plant(route: Any) -> None:
        if "DashboardProgramImpact" in (route.request.post_data or ""):
            await route.fulfill(json={"data": {"programImpact": answer["now"]}})
        else:
            await route.continue_()

    await page.route("**/graphql/admin", plant)
    answer["now"] = planted(
        (2.0, -3.0, 7.0),
        (-0.14, -2.29, 2.0),
        "No measurable effect: members bought as much as non-members with the same history, within chance.",
        "-30.00",
    )
    await open_dashboard(page, demo)
    await go(page, "#/impact", "impact")
    effect = page.locator("[data-figure=matched-effect] dd")
    await effect.wait_for()
    text = await effect.inner_text()
    assert text.startswith("No measurable effect") and "interval includes zero" in text, text
    assert await effect.locator("[data-verdict]").get_attribute("data-verdict") == "none"
    verdict = page.locator("#impact-roi-verdict")
    assert (await verdict.inner_text()).startswith("No measurable return")
    assert "pays for itself" not in await page.locator("main").inner_text()
    assert await axe(page) == []
    await screenshot(page, "dashboard-program-impact-no-effect")

    answer["now"] = planted(
        (9.5, 4.25, 14.75),
        (3.07, 0.82, 5.32),
        "Members bought 9.50 USD more each in the 90 days after taking part than non-members with the same history.",
        "645.00",
    )
    await go(page, "#/impact?period=24", "impact")
    await page.wait_for_function(
        "() => document.querySelector('[data-figure=matched-effect] [data-verdict]')?.dataset.verdict === 'positive'"
    )
    text = await effect.inner_text()
    assert text.startswith("+$9.50") and "95% interval +$4.25 to +$14.75" in text, text
    assert (await verdict.inner_text()).startswith("The program pays for itself")
    campaigns = dict(
        await page.locator("#impact-campaigns-table tbody tr").evaluate_all(
            "(rows) => rows.map((r) => [r.querySelector('th').textContent.trim(), r.querySelector('[data-verdict]').dataset.verdict])"
        )
    )
    assert campaigns == {"Win-back (planted)": "positive", "Birthday (planted)": "none"}
    assert await axe(page) == []
    await screenshot(page, "dashboard-program-impact-gain")
    assert page_errors == []


async def test_the_filtered_member_list_downloads_as_exactly_the_members_the_api_lists(
    demo, page, page_errors, screenshot, tmp_path
):
    filters = {"valueTier": "VIP", "churnBand": "LOW"}
    ids: list[str] = []
    after = None
    while True:
        found = (await admin(demo, MEMBERS, {**filters, "after": after}))["members"]
        ids += [n["id"] for n in found["nodes"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert len(ids) > 25, "more members than one page of the list, so the file is not just the page on screen"

    await open_dashboard(page, demo)
    await page.evaluate("() => { location.hash = '#/members?valueTier=VIP&churnBand=LOW' }")
    await page.wait_for_selector(".members-table")
    button = page.get_by_role("button", name="Download CSV")
    async with page.expect_download() as started:
        await button.click()
    download = await started.value
    assert download.suggested_filename.endswith(".csv") and "-members-" in download.suggested_filename
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["member_id"] for r in rows) == sorted(ids) and len(rows) == len(set(ids))
    assert {r["value_tier"].upper() for r in rows} == {"VIP"}
    await page.wait_for_function(
        "() => document.querySelector('[data-export=members] .download-status')?.textContent.startsWith('Downloaded')"
    )
    await screenshot(page, "dashboard-members-download")
    assert page_errors == []


async def test_every_measurement_table_downloads_from_its_button(demo, page, page_errors, axe, screenshot):
    await open_dashboard(page, demo)
    for route, name, export in (
        ("#/retention", "retention", "retention"),
        ("#/cohorts", "cohorts", "cohorts"),
        ("#/worth", "worth", "clv-cohort"),
    ):
        await go(page, route, name)
        button = page.locator(f"[data-export='{export}'] button")
        await button.wait_for()
        async with page.expect_download() as started:
            await button.click()
        download = await started.value
        assert f"-{export}-" in download.suggested_filename
        body = (await download.path()).read_bytes().decode("utf-8-sig")
        assert body.splitlines()[0], json.dumps(body[:200])
    await page.wait_for_selector("#clv-table")
    await screenshot(page, "dashboard-clv-and-tier-flows")
    assert await axe(page) == []
    assert page_errors == []
