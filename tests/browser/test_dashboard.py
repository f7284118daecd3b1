"""The owner's dashboard in headless Chromium against ``rapport demo``: signing in, filtering
members by segment, adjusting points, a storefront redemption seen from the member page,
program settings with validation, sync health, the overview's charts, and accessibility.

Expected figures come from the admin and storefront APIs over HTTP at test time, never from
constants. The demo is shared with the widget's tests, so each test reads the state it needs
first and leaves the storefront as it found it (no new active reward, no demo-shopper points).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette

from app.http import assets
from app.settings import load_settings
from tests.browser.dashboard_support import READY, admin, formatted, go, open_dashboard, storefront
from tests.support.servers import SECRET

pytestmark = [pytest.mark.db, pytest.mark.slow]


SEGMENTS = "query { insights { segments { name profiles } } }"
MEMBERS_IN_SEGMENT = """query($segment: String, $after: String) {
  members(first: 25, segment: $segment, after: $after) {
    nodes { id profile { id segment { name } } }
    pageInfo { hasNextPage endCursor }
  } }"""
SOME_MEMBERS = "query { members(first: 10) { nodes { id balance { available } profile { id } } } }"
MEMBER = """query($id: ID!) { member(id: $id) {
  balance { available pending }
  ledger(first: 5) { nodes { kind points reason actor } }
  codes(first: 10) { nodes { code status points reward { id name } } } } }"""
SHOPPER_MEMBER = "query($id: ID!) { profile(id: $id) { loyalty { id } } }"
AFFORDABLE = "query { me { loyalty { balance { available } rewards(first: 10, affordable: true) { nodes { id name pointsCost kind } } } } }"
REDEEM = """mutation($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { code points } balance { available } userErrors { field message code } } }"""
PROGRAM = """query { program {
  current { number rules { referralCap tiers { name threshold } } }
  tierCounts { tier members } } }"""
STORES = "query { stores(first: 10) { nodes { id name health } } }"
REWARDS = "query { program { rewards(first: 50, includeInactive: true) { nodes { id name active } } } }"
LIMITED = """query { program { rewards(first: 50, includeInactive: true) { nodes { id name active minTier valueTiers
  perMemberLimit limitPeriodDays stock stockLeft } } } }"""


def member_route(member_id: str) -> str:
    return f"#/members/{quote(member_id, safe='')}"


async def row_ids(page: Any, selector: str, attribute: str) -> list[str]:
    return await page.locator(selector).evaluate_all(f"(rows) => rows.map((r) => r.getAttribute('{attribute}'))")


async def wait_for_rows(page: Any, expected: list[str]) -> None:
    """Waits until the members table holds exactly ``expected`` (in order)."""
    await page.wait_for_function(
        """(ids) => {
            const rows = [...document.querySelectorAll('.members-table tbody tr')].map((r) => r.dataset.memberId);
            return JSON.stringify(rows) === JSON.stringify(ids);
        }""",
        arg=expected,
    )


async def test_the_demo_link_signs_in_and_a_refused_key_shows_the_sign_in_form(demo, page, page_errors, screenshot):
    await open_dashboard(page, demo)
    assert "key=" not in page.url, "the key must leave the address bar"
    assert await page.evaluate("() => sessionStorage.getItem('rapport.adminKey')") == demo["api_key"]
    merchant = (await admin(demo, "query { merchant { name } }"))["merchant"]["name"]
    assert merchant in await page.locator("header.top").inner_text()

    await page.goto(f"{demo['base_url']}/dashboard/#key=rpk_not_a_real_key")
    alert = page.locator("#sign-in-message")
    await alert.wait_for()
    assert "not valid" in (await alert.inner_text()).lower() or "not accepted" in (await alert.inner_text()).lower()
    assert await page.evaluate("() => sessionStorage.getItem('rapport.adminKey')") is None
    await screenshot(page, "dashboard-sign-in-refused")

    await page.get_by_label("Merchant API key").fill(demo["api_key"])
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_selector(READY)
    assert await page.locator("#page-title").inner_text() == "Program overview"
    assert page_errors == []


async def test_filtering_members_by_segment_shows_only_that_segment(demo, page, page_errors, screenshot):
    segments = sorted(
        (s for s in (await admin(demo, SEGMENTS))["insights"]["segments"] if s["profiles"]), key=lambda s: s["profiles"]
    )
    assert len(segments) >= 2, "the demo has fewer than two segments"
    # A segment with more than one page of members, so the filter also pages (largest ones do).
    segment = segments[-1]["name"]
    first = (await admin(demo, MEMBERS_IN_SEGMENT, {"segment": segment}))["members"]
    assert first["nodes"] and all(n["profile"]["segment"]["name"] == segment for n in first["nodes"])

    await open_dashboard(page, demo, "#/members")
    await page.get_by_label("Segment", exact=True).select_option(segment)
    await page.get_by_role("button", name="Apply filters").click()
    expected = [n["id"] for n in first["nodes"]]
    await wait_for_rows(page, expected)
    shown = await row_ids(page, ".members-table tbody td[data-column=segment]", "data-segment")
    assert shown == [segment] * len(expected)
    assert "segment=" in page.url
    await screenshot(page, "dashboard-members-by-segment")

    if first["pageInfo"]["hasNextPage"]:
        second = (await admin(demo, MEMBERS_IN_SEGMENT, {"segment": segment, "after": first["pageInfo"]["endCursor"]}))[
            "members"
        ]
        await page.get_by_role("button", name="Next page").click()
        await wait_for_rows(page, [n["id"] for n in second["nodes"]])
        assert set(await row_ids(page, ".members-table tbody td[data-column=segment]", "data-segment")) == {segment}
        await page.get_by_role("button", name="Previous page").click()
        await wait_for_rows(page, expected)

    # Another segment: the table follows the filter, and no row of the first one remains.
    other = segments[0]["name"]
    others = (await admin(demo, MEMBERS_IN_SEGMENT, {"segment": other}))["members"]["nodes"]
    await page.get_by_label("Segment", exact=True).select_option(other)
    await page.get_by_role("button", name="Apply filters").click()
    await wait_for_rows(page, [n["id"] for n in others])
    assert not set(expected) & set(await row_ids(page, ".members-table tbody tr", "data-member-id"))
    assert page_errors == []


async def test_adjusting_points_with_a_reason_updates_the_balance_and_the_ledger(demo, page, page_errors, screenshot):
    shopper_profile = f"gid://rapport/Profile/{demo['shopper']['profile_id']}"
    member = next(
        m for m in (await admin(demo, SOME_MEMBERS))["members"]["nodes"] if m["profile"]["id"] != shopper_profile
    )
    before = (await admin(demo, MEMBER, {"id": member["id"]}))["member"]["balance"]["available"]
    await open_dashboard(page, demo, member_route(member["id"]))
    await page.wait_for_selector("[data-testid=balance-available]")
    assert await page.locator("[data-testid=balance-available]").inner_text() == await formatted(page, before)

    form = page.locator("section[aria-labelledby=adjust-title]")
    # A missing reason is refused by the field, and nothing reaches the ledger.
    await form.get_by_label("Points", exact=True).fill("37")
    await form.get_by_role("button", name="Apply").click()
    reason_error = form.locator("[data-field=reason] .field-error")
    await reason_error.wait_for()
    assert "reason" in (await reason_error.inner_text()).lower()
    assert await form.get_by_label("Reason", exact=True).get_attribute("aria-invalid") == "true"

    # The server's refusal (a debit beyond the balance) is shown by the points field.
    await form.get_by_label("Points", exact=True).fill(str(-(before + 1)))
    await form.get_by_label("Reason", exact=True).fill("too much")
    await form.get_by_role("button", name="Apply").click()
    points_error = form.locator("[data-field=points] .field-error")
    await points_error.wait_for()
    assert "allowDebt" in await points_error.inner_text() or "balance" in (await points_error.inner_text()).lower()
    await screenshot(page, "dashboard-adjust-refused")
    assert (await admin(demo, MEMBER, {"id": member["id"]}))["member"]["balance"]["available"] == before

    reason = f"Goodwill for a late parcel {uuid.uuid4().hex[:6]}"
    await form.get_by_label("Points", exact=True).fill("37")
    await form.get_by_label("Reason", exact=True).fill(reason)
    await form.get_by_role("button", name="Apply").click()
    after = before + 37
    await page.wait_for_function(
        "(text) => document.querySelector('[data-testid=balance-available]')?.textContent === text",
        arg=await formatted(page, after),
    )
    assert "New balance" in await form.locator("[role=status]").inner_text()
    newest = page.locator(".ledger-table tbody tr").first
    await page.wait_for_function(
        "(reason) => document.querySelector('.ledger-table tbody tr td[data-column=reason]')?.textContent === reason",
        arg=reason,
    )
    assert await newest.get_attribute("data-kind") == "ADJUST"
    assert "+37" in await newest.inner_text()
    await screenshot(page, "dashboard-member-adjusted")

    confirmed = (await admin(demo, MEMBER, {"id": member["id"]}))["member"]
    assert confirmed["balance"]["available"] == after
    entry = confirmed["ledger"]["nodes"][0]
    assert (entry["kind"], entry["points"], entry["reason"]) == ("ADJUST", 37, reason)
    assert page_errors == []


async def test_a_storefront_redemption_shows_on_the_shoppers_member_page(demo, page, page_errors, screenshot):
    loyalty = (await storefront(demo, AFFORDABLE))["me"]["loyalty"]
    rewards = [r for r in loyalty["rewards"]["nodes"] if r["kind"] in ("FIXED_AMOUNT", "PERCENTAGE")]
    assert rewards, "the demo shopper can afford no reward"
    reward = min(rewards, key=lambda r: r["pointsCost"])
    redeemed = (await storefront(demo, REDEEM, {"input": {"rewardId": reward["id"], "requestKey": uuid.uuid4().hex}}))[
        "rewardRedeem"
    ]
    assert redeemed["userErrors"] == [] and redeemed["code"]["code"], redeemed
    code = redeemed["code"]["code"]
    balance = redeemed["balance"]["available"]
    assert balance == loyalty["balance"]["available"] - reward["pointsCost"]
    await _member_page_shows(page, demo, reward, code, balance)
    await screenshot(page, "dashboard-member-after-redemption")
    assert page_errors == []


async def test_a_reward_redeemed_in_the_widget_lowers_the_balance_in_the_dashboard(demo, page, page_errors, screenshot):
    """The whole path a shopper and an owner see: Redeem in the storefront widget, then the member page."""
    loyalty = (await storefront(demo, AFFORDABLE))["me"]["loyalty"]
    rewards = [r for r in loyalty["rewards"]["nodes"] if r["kind"] in ("FIXED_AMOUNT", "PERCENTAGE")]
    assert rewards, "the demo shopper can afford no reward"
    reward = max(rewards, key=lambda r: r["pointsCost"])
    await page.goto(demo["storefront_url"])
    await page.wait_for_selector("rapport-loyalty[data-state=member]")
    await page.locator(f"rapport-loyalty button[data-reward='{reward['id']}']").click()
    await page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    field = page.locator("rapport-loyalty input[name=code]")
    await field.wait_for()
    code = await field.input_value()
    balance = loyalty["balance"]["available"] - reward["pointsCost"]
    await screenshot(page, "widget-before-dashboard")
    await _member_page_shows(page, demo, reward, code, balance)
    await screenshot(page, "dashboard-member-after-widget-redemption")
    assert page_errors == []


async def _member_page_shows(page, demo, reward, code, balance) -> None:
    """The shopper's member page: the balance after the redemption, the code and the ledger's debit."""

    profile = f"gid://rapport/Profile/{demo['shopper']['profile_id']}"
    member_id = (await admin(demo, SHOPPER_MEMBER, {"id": profile}))["profile"]["loyalty"]["id"]
    await open_dashboard(page, demo, member_route(member_id))
    await page.wait_for_selector("[data-testid=balance-available]")
    assert await page.locator("[data-testid=balance-available]").inner_text() == await formatted(page, balance)
    row = page.locator(f".codes-table tbody tr[data-code='{code}']")
    await row.wait_for()
    text = await row.inner_text()
    assert reward["name"] in text and await formatted(page, reward["pointsCost"]) in text
    redeem_row = page.locator(".ledger-table tbody tr[data-kind=REDEEM]").first
    assert f"-{await formatted(page, reward['pointsCost'])}" in await redeem_row.inner_text()


async def test_program_settings_show_validation_by_the_field_and_publish_a_valid_change(
    demo, page, page_errors, screenshot
):
    program = (await admin(demo, PROGRAM))["program"]["current"]
    tiers = program["rules"]["tiers"]
    assert len(tiers) >= 2, "the demo program has fewer than two tiers"
    await open_dashboard(page, demo, "#/settings")
    await page.wait_for_selector("form.settings-form")

    # Descending thresholds: the second tier below the first.
    threshold = page.locator("#rules-tiers-1-threshold")
    await threshold.fill("0")
    await page.locator("#rules-tiers-0-threshold").fill("50")
    await page.get_by_role("button", name="Publish new version").click()
    message = page.locator("[data-field='tiers.1.threshold'] .field-error")
    await message.wait_for()
    assert "thresholds must go up" in await message.inner_text()
    assert await threshold.get_attribute("aria-invalid") == "true"
    assert (
        await threshold.get_attribute("aria-describedby")
        and (await page.locator(".error-summary").inner_text()).count("thresholds must go up") == 1
    )
    await screenshot(page, "dashboard-settings-invalid-tier")
    assert (await admin(demo, PROGRAM))["program"]["current"]["number"] == program["number"]

    # Put the tiers back and make a valid change: the referral cap.
    await page.locator("#rules-tiers-0-threshold").fill(str(tiers[0]["threshold"]))
    await threshold.fill(str(tiers[1]["threshold"]))
    cap = program["rules"]["referralCap"] + 3
    await page.get_by_label("Most referrals rewarded per member").fill(str(cap))
    await page.get_by_label("Note for this version").fill("cap referrals (browser test)")
    await page.get_by_role("button", name="Publish new version").click()
    status = page.locator("#program-status")
    await status.get_by_text("Published version").wait_for()
    published = (await admin(demo, PROGRAM))["program"]["current"]
    assert published["number"] == program["number"] + 1
    assert f"Published version {published['number']}" in await status.inner_text()
    assert published["rules"]["referralCap"] == cap
    assert [(t["name"], t["threshold"]) for t in published["rules"]["tiers"]] == [
        (t["name"], t["threshold"]) for t in tiers
    ]
    assert await page.locator(".field-error").count() == 0
    await screenshot(page, "dashboard-settings-published")
    assert page_errors == []


async def test_rewards_are_created_and_deactivated_from_settings(demo, page, page_errors, screenshot):
    name = f"Test reward {uuid.uuid4().hex[:6]}"
    await open_dashboard(page, demo, "#/settings")
    form = page.locator("form.reward-form")
    await form.wait_for()
    await form.get_by_role("button", name="Create reward").click()
    await form.locator("[data-field=name] .field-error").wait_for()

    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Kind").select_option("FIXED_AMOUNT")
    await form.get_by_label("Points cost").fill("12345")
    await form.get_by_label(re.compile(r"^Amount off")).fill("3.50")
    await form.get_by_role("button", name="Create reward").click()
    row = page.locator(".rewards-table tbody tr", has_text=name)
    await row.wait_for()
    created = next(r for r in (await admin(demo, REWARDS))["program"]["rewards"]["nodes"] if r["name"] == name)
    assert created["active"]

    await row.get_by_role("button", name=f"Deactivate {name}", exact=True).click()
    await row.get_by_role("button", name=f"Activate {name}", exact=True).wait_for()
    assert "Inactive" in await row.inner_text()
    assert not next(r for r in (await admin(demo, REWARDS))["program"]["rewards"]["nodes"] if r["id"] == created["id"])[
        "active"
    ]
    await screenshot(page, "dashboard-rewards")
    assert page_errors == []


async def test_a_gold_only_limited_reward_is_made_in_the_reward_editor_and_listed(
    demo, page, page_errors, axe, screenshot
):
    name = f"Gold drop {uuid.uuid4().hex[:6]}"
    await open_dashboard(page, demo, "#/settings")
    form = page.locator("form.reward-form")
    await form.wait_for()
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Kind").select_option("FIXED_AMOUNT")
    await form.get_by_label("Points cost").fill("23456")
    await form.get_by_label(re.compile(r"^Amount off")).fill("15")
    await form.get_by_label("Lowest tier").select_option("Gold")
    await form.get_by_label("VIP").check()
    await form.get_by_label("Redemptions per member").fill("1")
    await form.get_by_label("Limit period (days)").fill("30")
    await form.get_by_label("Stock").fill("25")
    await form.get_by_label("Early access tier").select_option("Platinum")
    await form.get_by_role("button", name="Create reward").click()
    await form.locator("[data-field=earlyStartsAt] .field-error").wait_for()
    assert name not in [r["name"] for r in (await admin(demo, LIMITED))["program"]["rewards"]["nodes"]]
    await form.get_by_label("Early access tier").select_option("")
    await form.get_by_role("button", name="Create reward").click()
    row = page.locator(".rewards-table tbody tr", has_text=name)
    await row.wait_for()
    assert (
        "Gold and up · VIP · 1 per member per 30 days · 25 left of 25"
        in await row.locator(".reward-limits").inner_text()
    )
    created = next(r for r in (await admin(demo, LIMITED))["program"]["rewards"]["nodes"] if r["name"] == name)
    assert created | {"id": None} == {
        "id": None,
        "name": name,
        "active": True,
        "minTier": "Gold",
        "valueTiers": ["vip"],
        "perMemberLimit": 1,
        "limitPeriodDays": 30,
        "stock": 25,
        "stockLeft": 25,
    }
    assert await axe(page) == []
    await screenshot(page, "dashboard-reward-limits")
    await row.get_by_role("button", name=f"Deactivate {name}", exact=True).click()  # the storefront as it was
    await row.get_by_role("button", name=f"Activate {name}", exact=True).wait_for()
    assert page_errors == []


async def test_sync_health_lists_both_stores_and_the_overview_renders_every_chart(demo, page, page_errors, screenshot):
    stores = (await admin(demo, STORES))["stores"]["nodes"]
    assert {s["id"] for s in stores} >= {
        f"gid://rapport/Store/{demo['stores'][p]['id']}" for p in ("shopify", "woocommerce")
    }
    await open_dashboard(page, demo, "#/sync")
    await page.wait_for_selector(".stores-table")
    for store in stores:
        row = page.locator(f".stores-table tr[data-store-id='{store['id']}']")
        assert store["name"] in await row.inner_text()
        assert store["health"].capitalize() in await row.inner_text()
    await screenshot(page, "dashboard-sync-health")

    await go(page, "#/")
    charts = ["chart-tiers", "chart-timeline", "chart-liability", "chart-segments", "chart-churn"]
    for chart in charts:
        await page.wait_for_selector(f"#{chart}[data-chart-ready=true]")
    await page.wait_for_selector("[id^=chart-clv][data-chart-ready=true]")
    drawn = await page.evaluate("""() => [...document.querySelectorAll('figure[data-chart] canvas')].map((c) => {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) ink++;
        return [c.closest('figure').id, ink];
    })""")
    assert len(drawn) >= 6 and all(ink > 500 for _, ink in drawn), drawn
    # Each chart's table alternative holds the API's figures: members per tier here.
    counts = (await admin(demo, PROGRAM))["program"]["tierCounts"]
    table = page.locator("#chart-tiers table")
    for count in counts:
        row = table.locator("tbody tr", has_text=count["tier"] or "No tier")
        assert await formatted(page, count["members"]) in await row.first.text_content()
    await screenshot(page, "dashboard-overview")
    assert page_errors == []


async def test_route_changes_move_focus_to_the_page_heading(demo, page, page_errors):
    await open_dashboard(page, demo)
    await page.get_by_role("link", name="Members").click()
    await page.wait_for_selector('main[data-route="members"] #page-title')
    await page.wait_for_function("() => document.activeElement?.id === 'page-title'", timeout=5_000)
    assert await page.locator("#page-title").inner_text() == "Members"
    assert await page.get_by_role("link", name="Members").get_attribute("aria-current") == "page"
    assert await page.title() == "Members · Rapport"
    assert page_errors == []


async def test_embedded_in_shopify_admin_it_sends_app_bridge_session_tokens(demo, page, page_errors):
    """In Shopify's admin (``?shop=&host=``), App Bridge's ``shopify.idToken()`` is the credential:
    the app gets it first (token exchange), then every admin query carries it. Shopify's script is
    stood in for by an object with the same method; the server's refusal of the fake token shows
    the sign-in form with the server's reason."""
    await page.add_init_script(
        "window.shopify = {idToken: async () => 'token-' + (window.__calls = (window.__calls || 0) + 1)};"
    )
    sent: list[tuple[str, str | None]] = []
    page.on(
        "request",
        lambda r: (
            sent.append((r.url.split("?")[0], r.headers.get("authorization")))
            if "/graphql/admin" in r.url or "/shopify/session" in r.url
            else None
        ),
    )
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((demo["base_url"], "data:")) else None)
    await page.goto(f"{demo['base_url']}/dashboard/?shop=northwind.myshopify.com&host=YWRtaW4#/")
    alert = page.locator("#sign-in-message")
    await alert.wait_for()
    assert "session token" in (await alert.inner_text()).lower()
    assert [url.rsplit("/", 2)[-2:] for url, _ in sent][:2] == [["shopify", "session"], ["graphql", "admin"]]
    assert all(header and header.startswith("Bearer token-") for _, header in sent)
    assert sent[0][1] != sent[1][1], "a fresh session token is asked for each request"
    assert outside == [], "App Bridge was present: nothing is fetched from elsewhere"
    assert page_errors == []


@pytest.mark.parametrize("route", ["overview", "members", "member", "settings", "sync"])
async def test_axe_finds_no_serious_violations_on_the_dashboard(demo, page, axe, screenshot, route):
    await open_dashboard(page, demo)
    if route == "member":
        member = (await admin(demo, SOME_MEMBERS))["members"]["nodes"][0]
        await go(page, member_route(member["id"]))
        await page.wait_for_selector(".ledger-table")
    elif route != "overview":
        await go(page, f"#/{route}")
    ready = {
        "overview": "#chart-churn[data-chart-ready=true]",
        "members": ".members-table",
        "settings": "form.settings-form",
        "sync": ".stores-table",
        "member": ".ledger-table",
    }[route]
    await page.wait_for_selector(ready)
    assert await axe(page) == []
    await screenshot(page, f"axe-dashboard-{route}")


async def test_the_dashboard_page_carries_the_shopify_client_id_for_app_bridge():
    """Served with the app's client id in the meta tag App Bridge reads; the rest are plain files."""
    settings = load_settings(secret_key=SECRET, shopify_api_key='client-"id"')
    app = Starlette(routes=assets.routes(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rapport.test") as client:
        page = await client.get("/dashboard/")
        script = await client.get("/dashboard/js/main.js")
        entered = await client.get("/dashboard?shop=a.myshopify.com&host=xyz")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta name="shopify-api-key" content="client-&quot;id&quot;">' in page.text
    framing = page.headers["content-security-policy"]  # only Shopify's admin may frame it
    assert (
        framing.startswith("frame-ancestors 'self' ")
        and "https://admin.shopify.com" in framing
        and "*" not in framing.replace("*.myshopify.com", "")
    )
    assert '<script type="importmap">' in page.text and "cdn." not in page.text.replace("cdn.shopify.com", "")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert entered.status_code == 307 and entered.headers["location"] == "/dashboard/?shop=a.myshopify.com&host=xyz"
