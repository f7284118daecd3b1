"""The widget's feedback in headless Chromium against ``rapport demo``: the demo shopper answers the
NPS survey they were sent (a 0-10 radio group in a fieldset, a comment, Send) and the answer is
the one the admin API then reports; a survey answered elsewhere meanwhile is refused in a sentence;
"Need help?" refuses an empty message at its fields, sends one with its order, shows the reference,
and later the store's reply under the shopper's own messages. axe-core finds nothing serious in
any of these states.

The demo plants a pending survey for its shopper; a test that needs one more makes it in the
demo's database. Expected values come from the storefront and admin APIs over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from feedback.models import Survey, SurveyKind, SurveyStatus
from schema.core.ids import to_gid
from store.models import Customer
from tests.browser.dashboard_support import admin, storefront
from tests.browser.test_widget import LOYALTY, page_url, shown

pytestmark = [pytest.mark.db, pytest.mark.slow]

PENDING = """query { shop { name } me { feedback { pendingSurvey { id kind scaleMin scaleMax storeName points } } } }"""
ANSWER = """mutation($input: SurveyAnswerInput!) { surveyAnswer(input: $input) { pointsAwarded
  userErrors { code message } } }"""
SURVEYS = """query($profile: ID!) { surveys(first: 50, profileId: $profile, answered: true) {
  nodes { id answer { score comment } } } }"""
MY_COMPLAINTS = """query { me { orders(first: 1) { nodes { id name } } feedback { complaints(first: 10) {
  id reference status subject messages { author body } } } } }"""
COMPLAINTS = """query($profile: ID!) { complaints(first: 50, profileId: $profile) { nodes { id reference source
  category subject order { id } } } }"""
REPLY = """mutation($input: ComplaintReplyInput!) { complaintReply(input: $input) { complaint { status }
  userErrors { message } } }"""


async def make_survey(demo: dict[str, Any], demo_database: str, kind: SurveyKind = SurveyKind.NPS) -> int:
    """A further invitation to the demo shopper, sent an hour ago and open for a week."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(demo_database))
        customer = await Customer.get(id=demo["shopper"]["customer_id"])
        sent = datetime.now(UTC) - timedelta(hours=1)
        survey = await Survey.create(
            merchant_id=customer.merchant_id,
            profile_id=customer.profile_id,
            store_id=customer.store_id,
            customer_id=customer.id,
            order_id=None,
            kind=kind,
            status=SurveyStatus.SENT,
            send_at=sent,
            sent_at=sent,
            expires_at=sent + timedelta(days=7),
            channel="email",
        )
        return survey.id


@pytest_asyncio.fixture
async def pending(demo: dict[str, Any], demo_database: str) -> AsyncIterator[dict[str, Any]]:
    """The shopper's pending survey as the storefront API gives it (the demo's, or one made here)."""
    found = (await storefront(demo, PENDING))["me"]["feedback"]["pendingSurvey"]
    if found is None:
        await make_survey(demo, demo_database)
        found = (await storefront(demo, PENDING))["me"]["feedback"]["pendingSurvey"]
    assert found is not None
    yield found


async def focused(page: Any) -> dict[str, str | None]:
    return await page.evaluate(
        """(tag) => { const el = document.querySelector(tag).shadowRoot.activeElement;
        return el ? {id: el.id || null, cls: el.className || null, tag: el.tagName} : {}; }""",
        LOYALTY,
    )


async def test_a_shopper_answers_the_nps_survey_in_the_widget(demo, pending, page, page_errors, axe, screenshot):
    shop = (await storefront(demo, PENDING))["shop"]["name"]
    profile = to_gid("Profile", demo["shopper"]["profile_id"])
    await page.goto(page_url(demo, token=demo["shopper"]["token"]))
    await shown(page, "member")
    survey = page.locator(f"{LOYALTY} form.survey")
    await survey.wait_for()
    group = survey.get_by_role("group", name=f"How likely are you to recommend {shop} to a friend?")
    await group.wait_for()
    radios = group.get_by_role("radio")
    assert await radios.count() == pending["scaleMax"] - pending["scaleMin"] + 1 == 11
    assert await group.get_by_role("radio", name="0 (Not at all likely)").count() == 1
    assert await group.get_by_role("radio", name="10 (Extremely likely)").count() == 1
    assert await survey.get_by_label("Tell us why (optional)").count() == 1
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-survey", f"{LOYALTY} form.survey")

    await survey.get_by_role("button", name="Send").click()
    error = survey.locator("#survey-error")
    await error.wait_for()
    assert await error.inner_text() == "Please choose a score."
    assert (await focused(page))["id"] == "survey-error"

    await group.get_by_role("radio", name="9", exact=True).check()
    await page.keyboard.press("ArrowRight")  # a radio group: arrows move the choice
    assert await group.get_by_role("radio", name="10 (Extremely likely)").is_checked()
    await page.keyboard.press("ArrowLeft")
    comment = f"Quick delivery and a lovely pressing {uuid.uuid4().hex[:6]}"
    await survey.get_by_label("Tell us why (optional)").fill(comment)
    await survey.get_by_role("button", name="Send").click()
    note = page.locator(f"{LOYALTY} .survey-note")
    await note.wait_for()
    points = pending["points"]
    expected = "Thank you for your answer!" + (
        f" You got {points:,} point{'s' if points != 1 else ''}." if points else ""
    )
    assert await note.inner_text() == expected
    assert (await focused(page))["cls"] == "survey-note offer"
    assert await page.locator(f'{LOYALTY} form.survey[data-id="{pending["id"]}"]').count() == 0
    answered = {s["id"]: s["answer"] for s in (await admin(demo, SURVEYS, {"profile": profile}))["surveys"]["nodes"]}
    assert answered[pending["id"]] == {"score": 9, "comment": comment}
    after = (await storefront(demo, PENDING))["me"]["feedback"]["pendingSurvey"]
    assert after is None or after["id"] != pending["id"]
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-survey-answered", f"{LOYALTY} .card")
    assert page_errors == []


async def test_a_csat_survey_answered_meanwhile_is_refused_in_a_sentence(demo, demo_database, page, page_errors, axe):
    made = to_gid("Survey", await make_survey(demo, demo_database, SurveyKind.CSAT))
    first = (await storefront(demo, PENDING))["me"]["feedback"]["pendingSurvey"]
    shop = (await storefront(demo, PENDING))["shop"]["name"]
    await page.goto(page_url(demo, token=demo["shopper"]["token"]))
    await shown(page, "member")
    survey = page.locator(f"{LOYALTY} form.survey")
    await survey.wait_for()
    if first["id"] == made:  # the widget shows the oldest pending survey: this CSAT one unless another waits
        group = survey.get_by_role("group", name=f"How satisfied are you with your order from {shop}?")
        assert await group.get_by_role("radio").count() == 5
        assert await group.get_by_role("radio", name="1 (Very dissatisfied)").count() == 1
        assert await group.get_by_role("radio", name="5 (Very satisfied)").count() == 1
        assert await axe(page, LOYALTY) == []
    # answered elsewhere (the emailed link) while the widget shows it
    done = (await storefront(demo, ANSWER, {"input": {"surveyId": first["id"], "score": 4}}))["surveyAnswer"]
    assert done["userErrors"] == []
    await survey.get_by_role("radio", name="3", exact=True).check()
    await survey.get_by_role("button", name="Send").click()
    note = page.locator(f"{LOYALTY} .survey-note")
    await note.wait_for()
    assert await note.inner_text() == "You have already answered this survey. Thank you!"
    assert await axe(page, LOYALTY) == []
    if first["id"] != made:  # answered too, so other tests start clean
        await storefront(demo, ANSWER, {"input": {"surveyId": made, "score": 4}})
    assert page_errors == []


async def test_a_shopper_writes_to_the_store_and_reads_its_reply(demo, page, page_errors, axe, screenshot):
    profile = to_gid("Profile", demo["shopper"]["profile_id"])
    order = (await storefront(demo, MY_COMPLAINTS))["me"]["orders"]["nodes"][0]
    await page.goto(page_url(demo, token=demo["shopper"]["token"]))
    await shown(page, "member")
    help_ = page.locator(f"{LOYALTY} section.help")
    await help_.get_by_role("heading", name="Need help?").wait_for()
    await help_.get_by_text("Write to the store").click()
    form = help_.locator("form.help-form")
    await form.get_by_role("button", name="Send").click()
    await form.locator("#help-category-error").wait_for()
    assert await form.locator("#help-category-error").inner_text() == "Please choose a topic."
    assert await form.locator("#help-subject-error").inner_text() == "Please give a subject."
    assert await form.locator("#help-body-error").inner_text() == "Please write your message."
    assert await form.get_by_label("Subject").get_attribute("aria-invalid") == "true"
    assert (await focused(page))["id"] == "help-category"
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-help-errors", f"{LOYALTY} section.help")

    subject = f"Sleeve torn on arrival {uuid.uuid4().hex[:6]}"
    await form.get_by_label("Topic").select_option("DELIVERY")
    await form.get_by_label("Order (optional)").select_option(order["id"])
    await form.get_by_label("Subject").fill(subject)
    await form.get_by_label("Your message").fill("The record is fine but the sleeve arrived torn.")
    await form.get_by_role("button", name="Send").click()
    sent = help_.locator(".help-status .offer")
    await sent.wait_for()
    mine = (await admin(demo, COMPLAINTS, {"profile": profile}))["complaints"]["nodes"]
    complaint = next(c for c in mine if c["subject"] == subject)
    assert complaint["source"] == "WIDGET" and complaint["category"] == "DELIVERY"
    assert complaint["order"]["id"] == order["id"]
    assert complaint["reference"] in await sent.inner_text()
    assert (await focused(page))["cls"] == "status help-status"
    item = help_.locator(f'li[data-reference="{complaint["reference"]}"]')
    assert "Received" in await item.inner_text()
    assert await axe(page, LOYALTY) == []

    reply = "So sorry: a new sleeve is on its way."
    replied = (await admin(demo, REPLY, {"input": {"complaintId": complaint["id"], "body": reply}}))["complaintReply"]
    assert replied["userErrors"] == [] and replied["complaint"]["status"] == "WAITING"
    await page.reload()
    await shown(page, "member")
    item = page.locator(f'{LOYALTY} li[data-reference="{complaint["reference"]}"]')
    await item.wait_for()
    text = await item.inner_text()
    shop = (await storefront(demo, PENDING))["shop"]["name"]
    assert "Answered" in text and reply in text and f"Reply from {shop}" in text
    thread = next(
        c for c in (await storefront(demo, MY_COMPLAINTS))["me"]["feedback"]["complaints"] if c["subject"] == subject
    )
    assert [m["author"] for m in thread["messages"]] == ["SHOPPER", "MERCHANT"]
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-help-reply", f"{LOYALTY} section.help")
    assert page_errors == []


async def test_the_rewards_still_show_when_the_feedback_query_fails(demo, page, page_errors):
    async def broken_feedback(route: Any) -> None:
        response = await route.fetch()
        if '"feedback"' in await response.text():
            await route.fulfill(status=500, json={"errors": [{"message": "feedback is down"}]})
        else:
            await route.fulfill(response=response)

    await page.route("**/graphql/storefront**", broken_feedback)
    await page.goto(page_url(demo, token=demo["shopper"]["token"]))
    await shown(page, "member")
    assert await page.locator(f"{LOYALTY} .balance").count() == 1
    assert await page.locator(f"{LOYALTY} form.survey").count() == 0
    assert await page.locator(f"{LOYALTY} section.help").count() == 0
    assert page_errors == []
