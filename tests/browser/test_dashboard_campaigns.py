"""Campaigns in headless Chromium against ``rapport demo``: a win-back is created from the dashboard,
previewed (the email as it will be sent, with the merchant's name and a code placeholder), launched;
the demo's own job runner enters the members and sends the email to the demo's SMTP server; the
Demo mailbox shows it and the results page counts exactly what the mailbox received.

Expected figures come from the admin API and the mailbox's JSON at test time; the demo is shared,
so the campaign has a name of its own and only its recipients' mail is counted.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.browser.dashboard_support import admin, formatted, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

RESULTS = """query($id: ID!) { campaign(id: $id) { status entered
  results { treated { members recipients delivered bounced failed skipped waiting } holdout { members recipients } } } }"""
SENT = """query($id: ID!) { messages(first: 250, campaignId: $id, status: SENT) { nodes { toEmail subject } } }"""
NAME = 'Win back 120 <img src=x onerror="window.injected=1">'
SETTLE_SECONDS = 180
"""Entering the members, making their codes on the Shopify simulator and sending the mail, on a busy machine."""


async def _settled(demo: dict[str, Any], campaign_id: str) -> dict[str, Any]:
    """The campaign once its run entered members and nothing of its mail waits any more."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        found = (await admin(demo, RESULTS, {"id": campaign_id}))["campaign"]
        treated = found["results"]["treated"]
        if found["entered"] and not treated["waiting"] and treated["recipients"]:
            return found
        assert time.monotonic() < deadline, f"the campaign did not settle: {found}"
        await asyncio.sleep(1)


async def _mailbox(demo: dict[str, Any]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as client:
        return (await client.get(f"{demo['base_url']}/demo/mailbox/messages")).json()["messages"]


async def test_a_campaign_made_in_the_dashboard_reaches_the_demo_mailbox_and_its_results_count_it(
    demo, page, page_errors, axe, screenshot
):
    merchant = (await admin(demo, "{ merchant { name } }"))["merchant"]["name"]
    await open_dashboard(page, demo)
    await page.evaluate("() => { location.hash = '#/campaigns' }")
    form = page.locator("#new-campaign")
    await form.wait_for()
    assert await axe(page) == []
    await form.get_by_label("Start from").select_option("WIN_BACK")
    await form.get_by_label("Name").fill(NAME)
    await form.get_by_label("Days since the last order (at least)").fill("120")
    await form.get_by_role("button", name="Create draft").click()
    await page.wait_for_selector('main[data-route="campaign"] #campaign-preview')
    assert await page.locator("#page-title").inner_text() == NAME, "a name is shown as text, never as markup"
    assert not await page.evaluate("() => Boolean(window.injected)")
    campaign_id = unquote(page.url.split("#/campaigns/", 1)[1])

    await page.locator("#campaign-preview").click()
    await page.wait_for_selector("#campaign-preview-result")
    audience = await page.locator("[data-figure=audience]").inner_text()
    treated = int((await page.locator("[data-figure=treated]").inner_text()).replace(",", ""))
    assert int(audience.replace(",", "")) >= treated > 0
    subject = await page.locator("#email-subject").inner_text()
    srcdoc = await page.locator("#email-html").get_attribute("srcdoc")
    assert merchant in subject and merchant in srcdoc and "PREVIEW-CODE" in srcdoc
    assert await page.locator("#email-html").get_attribute("sandbox") == ""
    await page.frame_locator("#email-html").get_by_text("PREVIEW-CODE").wait_for()
    assert await axe(page) == []
    await screenshot(page, "dashboard-campaign-preview", "#email-html")

    await page.locator("#campaign-launch").click()
    await page.get_by_text("Launched.").wait_for()
    found = await _settled(demo, campaign_id)
    assert found["status"] == "ACTIVE" and found["results"]["holdout"]["recipients"] == 0
    sent = (await admin(demo, SENT, {"id": campaign_id}))["messages"]["nodes"]
    addresses = {m["toEmail"].strip().lower() for m in sent}
    received = [m for m in await _mailbox(demo) if any(a in m["to"].lower() for a in addresses)]
    delivered = found["results"]["treated"]["delivered"]
    assert len(received) == len(sent) == delivered > 0

    await page.goto(demo["mailbox_url"])
    first = page.locator(f'#messages a[data-message-id="{received[0]["id"]}"]')
    await first.click()
    await page.wait_for_selector("#message:not([hidden])")
    assert await page.locator("#message-title").inner_text() == received[0]["subject"]
    html_part = await page.locator("#message-html").get_attribute("srcdoc")
    assert merchant in html_part and "PREVIEW-CODE" not in html_part
    assert merchant in await page.locator("#message-text").inner_text()
    assert (await page.locator("#message-unsubscribe").inner_text()).startswith("<http")
    assert await axe(page) == []
    await screenshot(page, "demo-mailbox")

    await open_dashboard(page, demo)
    await page.evaluate("(id) => { location.hash = '#/campaigns/' + encodeURIComponent(id) }", campaign_id)
    table = page.locator("#campaign-results")
    await table.wait_for()
    shown = await table.locator('tr[data-figure=delivered] td[data-group="treated"]').inner_text()
    assert shown == await formatted(page, len(received))
    assert await table.locator('tr[data-figure=delivered] td[data-group="holdout"]').inner_text() == "0"
    assert await page.locator("#results-summary").inner_text()
    assert await page.locator("#campaign-messages tbody tr[data-status=SENT]").count() > 0
    assert await axe(page) == []
    await screenshot(page, "dashboard-campaign-results")
    assert page_errors == []


async def test_a_mail_setting_that_cannot_work_is_refused_at_its_field_and_nothing_is_saved(
    demo, page, axe, screenshot
):
    before = (await admin(demo, "{ mailSettings { brandColour } }"))["mailSettings"]
    await open_dashboard(page, demo)
    await page.evaluate("() => { location.hash = '#/campaigns' }")
    form = page.locator("#mail-settings")
    await form.wait_for()
    await form.get_by_label("Brand colour").fill("red; background:url(https://evil.example)")
    await form.get_by_role("button", name="Save mail settings").click()
    error = form.locator('[data-field="brandColour"] .field-error')
    await error.wait_for()
    assert "#1f4e79" in await error.inner_text()
    assert await form.get_by_label("Brand colour").get_attribute("aria-invalid") == "true"
    assert (await admin(demo, "{ mailSettings { brandColour } }"))["mailSettings"] == before
    assert await axe(page, "#mail-settings") == []
    await screenshot(page, "dashboard-campaigns")
