"""The dashboard's feedback in headless Chromium against the shared ``rapport demo``: the Feedback
page's NPS by segment equals the admin API's feedbackReport for the same period, "Detractor VIPs"
lists exactly the API's feedbackProfiles answer and a detractor's member page shows their latest
answer; a merchant answers a complaint (an internal note first, marked as such, then "Reply and
resolve") and the shopper's mail arrives in the demo mailbox without the note; a feedback setting
out of bounds is refused at its field. axe-core finds nothing serious in any of these states.

The demo plants the feedback (surveys, complaints) from the sandbox's seed; the complaint answered
here is filed by the demo shopper through the storefront API. Expected figures come from the
APIs over HTTP at test time.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.browser.dashboard_support import admin, formatted, open_dashboard, storefront

pytestmark = [pytest.mark.db, pytest.mark.slow]

FIGURE = "score responses promoters passives detractors"
REPORT = f"""query($since: Date) {{ feedbackReport(since: $since) {{ nps {{ {FIGURE} }}
  bySegment {{ key label nps {{ {FIGURE} }} }} byValueTier {{ key label nps {{ {FIGURE} }} }} }} }}"""
PROFILES = """query($filter: FeedbackProfileFilter) { feedbackProfiles(filter: $filter, first: 25) {
  nodes { id loyalty { id } feedback { latestNps { score } } } } }"""
FILE = """mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) { complaint { id reference }
  userErrors { message } } }"""
COMPLAINT = """query($id: ID!) { node(id: $id) { ... on Complaint { reference status firstResponseAt
  firstResponseMinutes responseBreached messages { author body } } } }"""
THREAD = "query { me { feedback { complaints(first: 20) { reference messages { author body } } } } }"
SETTINGS = "{ feedbackSettings { surveyDelayDays responseTargetMinutes } }"
OPEN_COMPLAINTS = "{ complaints(first: 25, status: [OPEN]) { nodes { reference responseBreached } } }"
NOTE = """mutation($input: ComplaintNoteInput!) { complaintNote(input: $input) { userErrors { message } } }"""
REPLY = """mutation($input: ComplaintReplyInput!) { complaintReply(input: $input) { email { status }
  userErrors { message } } }"""
MAIL_SECONDS = 90
"""The demo's job runner sending the reply to its SMTP server, on a busy machine."""


def nps(score: float | None) -> str:
    """The dashboard's NPS: whole (JavaScript's Math.round), signed with a real minus."""
    if score is None:
        return "—"
    whole = math.floor(score + 0.5)
    return f"+{whole}" if whole > 0 else f"−{-whole}" if whole < 0 else "0"


async def go(page: Any, route: str, name: str) -> None:
    await page.evaluate("(route) => { location.hash = route }", route)
    await page.wait_for_selector(f'main[data-route="{name}"] #page-title')


async def mailbox(demo: dict[str, Any]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as client:
        return (await client.get(f"{demo['base_url']}/demo/mailbox/messages")).json()["messages"]


async def mail_message(demo: dict[str, Any], message_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        return (await client.get(f"{demo['base_url']}/demo/mailbox/messages/{message_id}")).json()


async def test_the_feedback_page_shows_the_reports_nps_by_segment_and_detractor_vips_as_the_api(
    demo, page, page_errors, axe, screenshot
):
    since = (datetime.now(UTC) - timedelta(days=365)).date().isoformat()
    expected = (await admin(demo, REPORT, {"since": since}))["feedbackReport"]
    assert expected["nps"]["responses"] > 0, "the demo has no planted NPS answers"
    await open_dashboard(page, demo)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    await page.wait_for_selector('main[data-route="feedback"] #page-title')
    table = page.locator("#feedback-by-segment")
    await table.wait_for()

    assert await page.locator('#feedback-nps [data-figure="score"] dd').inner_text() == nps(expected["nps"]["score"])
    rows = table.locator("tbody tr")
    assert await rows.evaluate_all("(rows) => rows.map((r) => r.dataset.key)") == [
        g["key"] for g in expected["bySegment"]
    ]
    for group in expected["bySegment"]:
        row = table.locator(f'tbody tr[data-key="{group["key"]}"]')
        assert await row.locator("th").inner_text() == group["label"]
        assert await row.locator('[data-column="nps"]').inner_text() == nps(group["nps"]["score"])
        for column in ("responses", "promoters", "passives", "detractors"):
            shown = await row.locator(f'[data-column="{column}"]').inner_text()
            assert shown == await formatted(page, group["nps"][column]), (group["key"], column)
    tiers = page.locator("#feedback-by-value-tier tbody tr")
    assert await tiers.evaluate_all("(rows) => rows.map((r) => r.dataset.key)") == [
        g["key"] for g in expected["byValueTier"]
    ]
    await page.wait_for_selector("#feedback-by-segment-chart[data-chart-ready=true]")
    assert await axe(page) == []
    await screenshot(page, "dashboard-feedback")

    vips = (await admin(demo, PROFILES, {"filter": {"npsGroup": "DETRACTOR", "valueTier": "VIP"}}))["feedbackProfiles"][
        "nodes"
    ]
    assert vips, "the demo has no detractor among its VIPs"
    await page.get_by_role("button", name="Detractor VIPs").click()
    count = page.locator("#feedback-people-count")
    await page.wait_for_function(
        "() => document.querySelector('#feedback-people-count')?.textContent.includes('detractors, value tier VIP')"
    )
    shown_ids = await page.locator("#feedback-people tbody tr").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.profileId)"
    )
    assert shown_ids == [p["id"] for p in vips]
    assert f"Showing {len(vips)} " in await count.inner_text()
    assert await page.get_by_label("NPS group").input_value() == "DETRACTOR"
    assert await page.get_by_label("Value tier", exact=True).input_value() == "VIP"
    for person in vips:
        score = person["feedback"]["latestNps"]["score"]
        cell = page.locator(f'#feedback-people tr[data-profile-id="{person["id"]}"] td').first
        assert await cell.inner_text() == str(score) and 0 <= score <= 6
    assert await axe(page) == []
    await screenshot(page, "dashboard-feedback-detractor-vips", "#feedback-people")

    member = next(p for p in vips if p["loyalty"])
    await page.locator(f'#feedback-people tr[data-profile-id="{member["id"]}"] th a').click()
    await page.wait_for_selector('main[data-route="member"] #member-feedback')
    nps_answer = await page.locator('#member-feedback [data-figure="nps"] dd').inner_text()
    assert nps_answer.startswith(f"{member['feedback']['latestNps']['score']} / 10") and "detractor" in nps_answer
    assert await axe(page, "#member-feedback") == []
    await screenshot(page, "dashboard-member-feedback", "#member-feedback")
    assert page_errors == []


async def test_a_merchant_answers_a_complaint_from_the_dashboard_and_the_shopper_never_sees_the_note(
    demo, page, page_errors, axe, screenshot
):
    subject = f"Wrong record in the parcel {uuid.uuid4().hex[:6]}"
    filed = (
        await storefront(
            demo,
            FILE,
            {
                "input": {
                    "category": "PRODUCT",
                    "subject": subject,
                    "body": "I ordered Rising Tides and got another album.",
                    "requestKey": uuid.uuid4().hex,
                }
            },
        )
    )["complaintCreate"]
    assert filed["userErrors"] == []
    reference = filed["complaint"]["reference"]
    complaint_id = filed["complaint"]["id"]
    assert (await admin(demo, COMPLAINT, {"id": complaint_id}))["node"]["reference"] == reference

    await open_dashboard(page, demo)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Complaints").click()
    await page.wait_for_selector('main[data-route="complaints"] #page-title')
    await page.get_by_label("Status").select_option("OPEN")
    await page.get_by_role("button", name="Apply filters").click()
    row = page.locator(f'#complaints tr[data-reference="{reference}"]')
    await row.wait_for()
    assert "Not yet" in await row.inner_text()
    assert await page.locator("#complaints tr[data-status]:not([data-status=OPEN])").count() == 0
    listed = (await admin(demo, OPEN_COMPLAINTS))["complaints"]["nodes"]
    for c in listed:  # the breach marker is the API's, in words
        late = page.locator(f'#complaints tr[data-reference="{c["reference"]}"] [data-breach=response]')
        assert await late.count() == int(c["responseBreached"]), c["reference"]
        if c["responseBreached"]:
            assert await late.inner_text() == "Late"
    assert await axe(page) == []
    await screenshot(page, "dashboard-complaints")

    await row.get_by_role("link", name=reference).click()
    await page.wait_for_selector('main[data-route="complaint"] #complaint-thread')
    assert (await page.locator("#page-title").inner_text()).startswith(reference)

    note = f"Checked the warehouse: wrong sleeve {uuid.uuid4().hex[:6]}"
    await page.locator("#complaint-note").get_by_label("Note for your team").fill(note)
    await page.locator("#complaint-note").get_by_role("button", name="Add note").click()
    marked = page.locator("#complaint-thread li[data-author=NOTE]", has_text=note)
    await marked.wait_for()
    assert "Internal note" in await marked.inner_text()

    await page.locator("#complaint-reply").get_by_role("button", name="Send reply").click()
    await page.locator("#reply-body-error").wait_for()
    assert await page.get_by_label("Your reply").get_attribute("aria-invalid") == "true"
    assert await axe(page) == []

    reply = f"Sorry for the mix-up: the right record is on its way ({uuid.uuid4().hex[:6]})."
    await page.get_by_label("Your reply").fill(reply)
    await page.get_by_role("button", name="Reply and resolve").click()
    status = page.locator("#complaint-status")
    await status.get_by_text("the complaint is resolved").wait_for()
    assert f"Reply sent by email to {demo['shopper']['email']}" in await status.inner_text()
    await page.locator("#complaint-thread li[data-author=MERCHANT]", has_text=reply).wait_for()
    assert await page.locator('[data-figure="status"] .badge').inner_text() == "Resolved"
    after = (await admin(demo, COMPLAINT, {"id": complaint_id}))["node"]
    assert after["status"] == "RESOLVED" and after["firstResponseAt"] is not None
    assert [m["author"] for m in after["messages"]] == ["SHOPPER", "NOTE", "MERCHANT"]
    assert await axe(page) == []
    await screenshot(page, "dashboard-complaint")

    # the shopper sees the reply, never the note
    mine = (await storefront(demo, THREAD))["me"]["feedback"]["complaints"]
    thread = next(c for c in mine if c["reference"] == reference)["messages"]
    assert [m["author"] for m in thread] == ["SHOPPER", "MERCHANT"] and all(note not in m["body"] for m in thread)

    assert page_errors == []


async def test_a_feedback_setting_out_of_bounds_is_refused_at_its_field(demo, page, page_errors, axe, screenshot):
    before = (await admin(demo, SETTINGS))["feedbackSettings"]
    await open_dashboard(page, demo)
    await go(page, "#/settings", "settings")
    form = page.locator("#feedback-settings")
    await form.wait_for()
    field = form.get_by_label("Days after fulfilment before the survey")
    assert await field.input_value() == str(before["surveyDelayDays"])
    await field.fill("365")
    await form.get_by_role("button", name="Save feedback settings").click()
    error = form.locator('[data-field="surveyDelayDays"] .field-error')
    await error.wait_for()
    assert "90" in await error.inner_text()
    assert await field.get_attribute("aria-invalid") == "true"
    assert await form.locator(".error-summary").count() == 1
    assert (await admin(demo, SETTINGS))["feedbackSettings"] == before
    assert await axe(page, "#feedback-settings") == []
    await screenshot(page, "dashboard-feedback-settings", "#feedback-settings")

    target = form.get_by_label("First reply within (minutes)")
    await field.fill(str(before["surveyDelayDays"]))
    await target.fill(str(before["responseTargetMinutes"]))
    await form.get_by_role("button", name="Save feedback settings").click()
    await page.locator("#feedback-settings-status").get_by_text("Feedback settings saved.").wait_for()
    assert (await admin(demo, SETTINGS))["feedbackSettings"] == before
    assert page_errors == []


async def test_the_reply_reaches_the_shopper_in_the_demo_mailbox(demo, page, page_errors, axe, screenshot):
    subject = f"Scratched disc {uuid.uuid4().hex[:6]}"
    filed = (
        await storefront(
            demo, FILE, {"input": {"category": "PRODUCT", "subject": subject, "body": "It skips on track two."}}
        )
    )["complaintCreate"]
    reference = filed["complaint"]["reference"]
    note = f"Pressing batch 12 {uuid.uuid4().hex[:6]}"
    reply = f"A new copy is on its way ({uuid.uuid4().hex[:6]})."
    await admin(demo, NOTE, {"input": {"complaintId": filed["complaint"]["id"], "body": note}})
    sent = (
        await admin(demo, REPLY, {"input": {"complaintId": filed["complaint"]["id"], "body": reply, "resolve": True}})
    )["complaintReply"]
    assert sent["userErrors"] == [] and sent["email"]["status"] == "QUEUED"

    deadline = time.monotonic() + MAIL_SECONDS
    while not (received := [m for m in await mailbox(demo) if reference in m["subject"]]):
        assert time.monotonic() < deadline, f"no mail about {reference} reached the demo mailbox"
        await asyncio.sleep(1)
    assert len(received) == 1 and demo["shopper"]["email"].lower() in received[0]["to"].lower()
    message = await mail_message(demo, received[0]["id"])
    assert reply in message["text"] and note not in message["text"] and note not in (message["html"] or "")

    await page.goto(demo["mailbox_url"])
    await page.locator(f'#messages a[data-message-id="{received[0]["id"]}"]').click()
    await page.wait_for_selector("#message:not([hidden])")
    assert reference in await page.locator("#message-title").inner_text()
    assert reply in await page.locator("#message-text").inner_text()
    assert await axe(page) == []
    await screenshot(page, "demo-mailbox-complaint-reply")
    assert page_errors == []


BY_PROFILE = """query($profileId: ID!) { complaints(first: 50, profileId: $profileId) { nodes { id reference
  source status kind category subject receivedAt messages { author body } } } }"""


async def test_a_merchant_logs_a_customers_phone_complaint_from_the_member_page(
    demo, page, page_errors, axe, screenshot
):
    vips = (await admin(demo, PROFILES, {"filter": {"npsGroup": "DETRACTOR", "valueTier": "VIP"}}))["feedbackProfiles"]
    member = next(p for p in vips["nodes"] if p["loyalty"])
    before = {c["id"] for c in (await admin(demo, BY_PROFILE, {"profileId": member["id"]}))["complaints"]["nodes"]}
    await open_dashboard(page, demo)
    await go(page, f"#/members/{quote(member['loyalty']['id'], safe='')}", "member")
    await page.locator("#member-feedback").wait_for()
    await page.get_by_text("Log a complaint or request").click()
    form = page.locator("#complaint-log")
    await form.get_by_role("button", name="Save complaint").click()
    assert await form.locator('[data-field="subject"] .field-error').inner_text() == "Say what it is about."
    assert await page.evaluate("document.activeElement.id") == "log-subject"
    assert await axe(page, "#complaint-log") == []
    await screenshot(page, "dashboard-complaint-log-refused", ".log-complaint")

    subject = f"Called about a late parcel {uuid.uuid4().hex[:6]}"
    await form.get_by_label("Kind").select_option("REQUEST")
    await form.get_by_label("Topic").select_option("DELIVERY")
    await form.get_by_label("Subject").fill(subject)
    await form.get_by_label("What the customer said").fill("The parcel is a week late; please check the carrier.")
    await form.get_by_role("button", name="Save complaint").click()
    await page.wait_for_selector('main[data-route="complaint"] #page-title')

    after = (await admin(demo, BY_PROFILE, {"profileId": member["id"]}))["complaints"]["nodes"]
    [logged] = [c for c in after if c["id"] not in before]
    assert (logged["source"], logged["status"], logged["kind"], logged["category"], logged["subject"]) == (
        "DASHBOARD",
        "OPEN",
        "REQUEST",
        "DELIVERY",
        subject,
    )
    assert [m["author"] for m in logged["messages"]] == ["SHOPPER"]
    assert datetime.fromisoformat(logged["receivedAt"]) > datetime.now(UTC) - timedelta(minutes=5)
    assert logged["reference"] in await page.locator("#page-title").inner_text()
    assert await axe(page) == []
    await screenshot(page, "dashboard-complaint-logged")
    assert page_errors == []
