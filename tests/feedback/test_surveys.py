"""Surveys in the domain: a fulfilled order of a registered account schedules exactly one survey
after the merchant's delay (never for old history, cancelled or refunded orders, guests, or with
surveys off), at most one per person per interval; due surveys go out by email with consent and
in the widget without; one answer per survey, points once whatever the score; the email arrives
at a real SMTP server with its signed links."""

from __future__ import annotations

import asyncio
import re

import pytest

from campaigns.models import Message, MessageStatus
from campaigns.sending import send_due
from campaigns.survey_mail import send_due_surveys
from feedback.errors import AlreadyAnswered, FeedbackNotFound, InvalidFeedback, SurveyExpired
from feedback.models import Survey, SurveyKind, SurveyStatus
from feedback.settings import save_feedback_config
from feedback.surveys import answer_survey, points_key, schedule_surveys
from loyalty.models import Entry, Member
from tests.feedback.survey_world import (
    BASE,
    KEYS,
    LINKS,
    MAIL_FROM,
    NOW,
    account,
    days,
    order,
    second_store,
    shop,
)

pytestmark = pytest.mark.db


async def send(now):
    return await send_due_surveys(now=now, base_url=BASE, keys=KEYS)


async def sent_survey(points: int = 0, **settings):
    store = await shop(survey_points=points, **settings)
    camille = await account(store)
    await order(store, camille, NOW - days(3))
    await schedule_surveys(store.merchant_id, NOW)
    await send(NOW)
    return store, camille, await Survey.get(customer_id=camille.id)


async def test_a_fulfilled_order_schedules_exactly_one_survey_sent_after_the_delay(db):
    store = await shop(survey_delay_days=3)
    camille = await account(store)
    fulfilled = NOW - days(1)
    placed = await order(store, camille, fulfilled)
    first = await schedule_surveys(store.merchant_id, NOW)
    again = await schedule_surveys(store.merchant_id, NOW)
    assert (first.scheduled, again.scheduled) == (1, 0)
    (survey,) = await Survey.all()
    assert (survey.order_id, survey.customer_id, survey.profile_id, survey.store_id) == (
        placed.id,
        camille.id,
        camille.profile_id,
        store.id,
    )
    assert (survey.kind, survey.status, survey.send_at) == (SurveyKind.NPS, SurveyStatus.SCHEDULED, fulfilled + days(3))
    early = await send(fulfilled + days(3) - days(0.01))
    assert early.emailed == 0 and (await Survey.get(id=survey.id)).status == SurveyStatus.SCHEDULED
    due = await send(fulfilled + days(3))
    assert due.emailed == 1
    sent = await Survey.get(id=survey.id)
    assert (sent.status, sent.channel, sent.sent_at) == (SurveyStatus.SENT, "email", fulfilled + days(3))
    assert sent.expires_at == fulfilled + days(3 + 30)
    assert (await send(fulfilled + days(4))).emailed == 0, "a sent survey is not sent again"
    assert await Message.filter(key=f"survey:{survey.id}").count() == 1
    assert await Survey.all().count() == 1


async def test_history_cancelled_refunded_unfulfilled_and_guest_orders_get_no_survey(db):
    store = await shop(survey_delay_days=3)
    camille = await account(store)
    guest = await account(store, guest=True)
    await order(store, camille, NOW - days(3 + 7 + 1))  # fulfilled before the backfill window
    await order(store, camille, NOW - days(1), cancelled=True)
    await order(store, camille, NOW - days(1), financial="refunded")
    await order(store, camille, NOW - days(1), status=None)
    await order(store, camille, NOW - days(1), status="partial")
    await order(store, guest, NOW - days(1))
    await order(store, None, NOW - days(1))
    report = await schedule_surveys(store.merchant_id, NOW)
    assert report.scheduled == 0 and not await Survey.exists()
    recent = await order(store, camille, NOW - days(3 + 7 - 0.5))
    assert (await schedule_surveys(store.merchant_id, NOW)).scheduled == 1
    assert await Survey.filter(status=SurveyStatus.SCHEDULED).values_list("order_id", flat=True) == [recent.id]


async def test_surveys_turned_off_schedule_nothing_and_cancel_what_waits(db):
    store = await shop()
    camille = await account(store)
    await order(store, camille, NOW - days(1))
    await save_feedback_config(store.merchant_id, {"surveys_enabled": False})
    assert (await schedule_surveys(store.merchant_id, NOW)).disabled and not await Survey.exists()
    await save_feedback_config(store.merchant_id, {"surveys_enabled": True})
    await schedule_surveys(store.merchant_id, NOW)
    await save_feedback_config(store.merchant_id, {"surveys_enabled": False})
    report = await send(NOW + days(5))
    assert (report.cancelled, report.emailed) == (1, 0)
    assert (await Survey.get()).status == SurveyStatus.CANCELLED and not await Message.exists()


async def test_one_survey_per_person_per_interval_across_the_merchants_stores(db):
    store = await shop(survey_interval_days=90, survey_kind="csat")
    woo = await second_store(store)
    camille = await account(store)
    same_person = await account(woo, profile=await camille.profile)
    await order(store, camille, NOW - days(2))
    await order(woo, same_person, NOW - days(1))
    await schedule_surveys(store.merchant_id, NOW)
    scheduled = await Survey.filter(status=SurveyStatus.SCHEDULED)
    assert [(s.customer_id, s.kind) for s in scheduled] == [(camille.id, SurveyKind.CSAT)]
    assert await Survey.filter(status=SurveyStatus.CANCELLED, reason="too_recent").count() == 1
    await send(NOW + days(3))
    later = await order(store, camille, NOW + days(60))
    await schedule_surveys(store.merchant_id, NOW + days(61))
    assert (await Survey.get(order_id=later.id)).status == SurveyStatus.CANCELLED
    after = await order(store, camille, NOW + days(100))
    await schedule_surveys(store.merchant_id, NOW + days(101))
    assert (await Survey.get(order_id=after.id)).status == SurveyStatus.SCHEDULED


async def test_without_marketing_consent_the_survey_is_shown_in_the_widget_and_not_mailed(db):
    store = await shop()
    shy = await account(store, consent=False)
    await order(store, shy, NOW - days(3))
    await schedule_surveys(store.merchant_id, NOW)
    report = await send(NOW)
    assert (report.emailed, report.widget_only) == (0, 1)
    survey = await Survey.get()
    assert (survey.status, survey.channel) == (SurveyStatus.SENT, "widget")
    message = await Message.get(key=f"survey:{survey.id}")
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no_consent")


async def test_a_survey_answers_once_and_pays_its_points_once_whatever_the_score(db):
    store, camille, survey = await sent_survey(points=25)
    low = await answer_survey(survey.id, 0, "  Late and broken.  ", NOW + days(1))
    assert low.points == 25
    answered = await Survey.get(id=survey.id)
    assert (answered.status, answered.score, answered.comment, answered.points_paid) == (
        SurveyStatus.ANSWERED,
        0,
        "Late and broken.",
        25,
    )
    with pytest.raises(AlreadyAnswered):
        await answer_survey(survey.id, 10, "Changed my mind", NOW + days(2))
    kept = await Survey.get(id=survey.id)
    assert (kept.score, kept.comment, kept.answered_at) == (0, "Late and broken.", NOW + days(1))
    (entry,) = await Entry.filter(key=points_key(survey.id))
    assert (entry.available, entry.cause, entry.profile_id) == (25, "survey", camille.owner_id)
    assert (await Member.get(profile_id=camille.owner_id)).available == 25
    # a promoter is paid the same as a detractor
    other = await account(store)
    await order(store, other, NOW - days(3))
    await schedule_surveys(store.merchant_id, NOW)
    await send(NOW)
    high = await answer_survey((await Survey.get(customer_id=other.id)).id, 10, None, NOW + days(1))
    assert high.points == 25


async def test_two_answers_at_once_record_one(db):
    _, _, survey = await sent_survey(points=10)
    results = await asyncio.gather(
        *(answer_survey(survey.id, score, None, NOW + days(1)) for score in (3, 9)), return_exceptions=True
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], AlreadyAnswered)
    assert (await Survey.get(id=survey.id)).score == won[0].survey.score
    assert await Entry.filter(key=points_key(survey.id)).count() == 1


async def test_scores_out_of_range_long_comments_expired_and_unsent_surveys_are_refused(db):
    store, camille, survey = await sent_survey()
    for score in (-1, 11, "7", None, True):
        with pytest.raises(InvalidFeedback) as refused:
            await answer_survey(survey.id, score, None, NOW)
        assert refused.value.path == ("score",)
    with pytest.raises(InvalidFeedback) as long:
        await answer_survey(survey.id, 8, "x" * 2001, NOW)
    assert long.value.path == ("comment",)
    assert (await Survey.get(id=survey.id)).status == SurveyStatus.SENT
    with pytest.raises(SurveyExpired):
        await answer_survey(survey.id, 8, None, survey.expires_at)
    await send(survey.expires_at)
    assert (await Survey.get(id=survey.id)).status == SurveyStatus.EXPIRED
    with pytest.raises(SurveyExpired):
        await answer_survey(survey.id, 8, None, survey.expires_at)
    waiting = await order(store, camille, NOW + days(200))
    await schedule_surveys(store.merchant_id, NOW + days(200))
    with pytest.raises(FeedbackNotFound):
        await answer_survey((await Survey.get(order_id=waiting.id)).id, 8, None, NOW + days(200))


async def test_the_survey_email_reaches_a_real_smtp_server_with_its_signed_score_links(db, smtp):
    store = await shop("Maison <Lune>")
    camille = await account(store, "camille@example.com")
    await order(store, camille, NOW - days(3))
    await schedule_surveys(store.merchant_id, NOW)
    await send(NOW)
    report = await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=KEYS[0], now=NOW)
    assert report.sent == 1
    (received,) = smtp.to("camille@example.com")
    survey = await Survey.get()
    token = LINKS.token(survey.id)
    html, text = received.part("html"), received.part("plain")
    assert "recommend Maison &lt;Lune&gt;" in html and "recommend Maison <Lune>" in text
    for score in range(0, 11):
        assert f'href="{BASE}/feedback/survey/{token}?score={score}"' in html
        assert f"{score}: {BASE}/feedback/survey/{token}?score={score}" in text
    assert received.message["List-Unsubscribe"], "a survey email is marketing: it can be unsubscribed from"
    assert set(re.findall(r"/feedback/survey/([^?\"\s]+)", text)) == {token}
