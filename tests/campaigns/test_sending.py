"""Sending over real SMTP: accepted mail is sent once, temporary failures are retried with
backoff and then failed, a refused recipient bounces and is suppressed, and nothing is sent twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from campaigns.models import Campaign, CampaignKind, Message, MessageKind, MessageStatus, Suppression, SuppressionReason
from campaigns.outbox import queue_messages
from campaigns.sending import MAX_ATTEMPTS, backoff, send_due
from campaigns.settings import save_mail_config
from campaigns.unsubscribe import unsubscribe
from tests.campaigns.mailing import BASE, KEY, MAIL_FROM, NOW, merchant, request, shopper

pytestmark = pytest.mark.db


async def send(smtp, now=NOW, **kwargs):
    return await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=KEY, now=now, **kwargs)


def copies(smtp) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for r in smtp.received)


async def test_a_marketing_email_goes_out_once_with_one_click_unsubscribe_and_the_merchant_look(db, smtp):
    m, store = await merchant("Maison <Lune>")
    await save_mail_config(m.id, {"brand_colour": "#123456", "accent_colour": "#abcdef"})
    p = await shopper(store, "camille@example.com")
    await queue_messages(
        [
            request(
                store,
                p,
                "a",
                first_name="<script>alert(1)</script>",
                code="WB-1",
                code_kind="percentage",
                code_value="15",
            )
        ],
        NOW,
    )
    report = await send(smtp)
    again = await send(smtp, NOW + timedelta(hours=1))
    assert (report.sent, again.taken) == (1, 0)
    (received,) = smtp.to("camille@example.com")
    headers = received.message
    assert headers["List-Unsubscribe"].startswith(f"<{BASE}/email/unsubscribe?t=")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Maison <Lune>" in str(headers["From"]) and MAIL_FROM in str(headers["From"])
    html = received.part("html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "#123456" in html and "#abcdef" in html and "Maison &lt;Lune&gt;" in html
    assert "WB-1" in html and "15% off" in received.part("plain")
    row = await Message.get(key="a")
    assert row.status == MessageStatus.SENT and row.sent_at == NOW
    assert row.message_id == headers["Message-ID"] and row.subject == headers["Subject"]


async def test_both_locales_render_with_the_merchant_name_dates_and_money_of_the_locale(db, smtp):
    _, store = await merchant("Maison Lune")
    fr = await shopper(store, "fr@example.com", locale="fr")
    en = await shopper(store, "en@example.com", locale="en-GB")
    data = {
        "code": "C",
        "code_kind": "fixed_amount",
        "code_value": "5",
        "currency": "EUR",
        "code_expires_at": "2027-01-31",
    }
    await queue_messages([request(store, fr, "fr", **data), request(store, en, "en", **data)], NOW)
    await send(smtp)
    french, english = smtp.to("fr@example.com")[0], smtp.to("en@example.com")[0]
    assert "vous nous manquez chez Maison Lune" in str(french.message["Subject"])
    assert "31 janvier 2027" in french.part("plain") and "5,00\xa0€" in french.part("plain")
    assert "we miss you at Maison Lune" in str(english.message["Subject"])
    assert "January 31, 2027" in english.part("plain") and "€5.00 off" in english.part("plain")
    assert 'lang="fr"' in french.part("html") and 'lang="en"' in english.part("html")


async def test_transactional_mail_has_no_list_unsubscribe_header(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com", consent=False)
    await queue_messages(
        [request(store, p, "t", kind=MessageKind.TRANSACTIONAL, template="points_expiry", expiring_points=300)], NOW
    )
    await send(smtp)
    (received,) = smtp.to("a@example.com")
    assert received.message["List-Unsubscribe"] is None
    assert "300" in str(received.message["Subject"])


async def test_quiet_hours_hold_the_send_until_the_window_ends(db, smtp):
    _, store = await merchant(timezone="Europe/Paris")
    p = await shopper(store, "a@example.com")
    night = NOW.replace(hour=22)  # midnight in Paris (UTC+2)
    await queue_messages([request(store, p, "n")], night)
    assert (await send(smtp, night + timedelta(hours=3))).taken == 0
    assert smtp.received == []
    report = await send(smtp, night.replace(day=11, hour=6))  # 08:00 in Paris
    assert report.sent == 1


async def test_a_temporary_refusal_is_retried_after_a_backoff_and_sent_once(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    smtp.defer = 1
    first = await send(smtp)
    row = await Message.get(key="a")
    assert (first.retrying, row.status, row.attempts) == (1, MessageStatus.QUEUED, 1)
    assert row.send_after == NOW + timedelta(minutes=1) and "451" in row.last_error
    assert (await send(smtp, NOW + timedelta(seconds=59))).taken == 0
    assert (await send(smtp, NOW + timedelta(minutes=1))).sent == 1
    assert list(copies(smtp).values()) == [1]


async def test_a_server_that_stays_down_fails_the_message_after_the_last_try_having_sent_nothing(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    smtp.stop()
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = await send(smtp, now)
        row = await Message.get(key="a")
        assert row.attempts == attempt
        now = now + backoff(attempt)
    assert row.status == MessageStatus.FAILED and row.reason == "tries_exhausted"
    assert "cannot reach the SMTP server" in row.last_error and report.failed == 1
    smtp.start()
    assert (await send(smtp, now + timedelta(days=1))).taken == 0
    assert smtp.received == []
    assert backoff(1) == timedelta(minutes=1) and backoff(20) == timedelta(hours=6)


async def test_a_refused_recipient_bounces_and_is_suppressed_for_every_later_message(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "Gone@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    smtp.refuse.add("gone@example.com")
    report = await send(smtp)
    row = await Message.get(key="a")
    assert (report.bounced, row.status, row.reason) == (1, MessageStatus.BOUNCED, "hard_bounce")
    suppression = await Suppression.get(merchant_id=store.merchant_id, email="gone@example.com")
    assert suppression.reason == SuppressionReason.BOUNCED
    (later,) = await queue_messages(
        [request(store, p, "b", kind=MessageKind.TRANSACTIONAL, template="tier_reached")], NOW
    )
    assert (later.status, later.reason) == (MessageStatus.SKIPPED, "bounced")
    assert smtp.received == []


async def test_an_address_unsubscribed_after_queueing_gets_no_marketing_but_its_account_mail(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages(
        [request(store, p, "m"), request(store, p, "t", kind=MessageKind.TRANSACTIONAL, template="tier_drop")], NOW
    )
    await unsubscribe(store.merchant_id, "A@example.com", NOW)
    report = await send(smtp)
    assert (report.sent, report.skipped) == (1, 1)
    assert (await Message.get(key="m")).reason == "unsubscribed"
    assert [r.message["List-Unsubscribe"] for r in smtp.received] == [None]


async def test_a_lapsed_lease_is_sent_again_only_when_no_answer_was_recorded(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    q = await shopper(store, "b@example.com")
    await queue_messages([request(store, p, "lost"), request(store, q, "done")], NOW)
    await Message.filter(key="lost").update(status=MessageStatus.SENDING, lease_until=NOW - timedelta(seconds=1))
    await Message.filter(key="done").update(
        status=MessageStatus.SENT, sent_at=NOW, lease_until=NOW - timedelta(seconds=1)
    )
    report = await send(smtp)
    assert report.sent == 1 and [r.to for r in smtp.received] == ["a@example.com"]
    assert (await Message.get(key="done")).status == MessageStatus.SENT


async def test_a_held_lease_is_left_to_its_worker(db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "held")], NOW)
    await Message.filter(key="held").update(status=MessageStatus.SENDING, lease_until=NOW + timedelta(minutes=5))
    assert (await send(smtp)).taken == 0


async def test_without_an_smtp_url_mail_waits_queued(db):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    report = await send_due(smtp_url=None, mail_from=MAIL_FROM, base_url=BASE, key=KEY, now=NOW)
    assert (report.disabled, report.waiting) == (True, 1)
    assert (await Message.get(key="a")).status == MessageStatus.QUEUED


async def test_a_batch_sends_many_messages_on_one_connection(db, smtp):
    _, store = await merchant()
    people = [await shopper(store, f"p{i}@example.com") for i in range(12)]
    await queue_messages([request(store, p, f"k{p}") for p in people], NOW)
    first = await send(smtp, limit=5)
    rest = await send(smtp)
    assert (first.sent, rest.sent) == (5, 7)
    assert sorted(copies(smtp).values()) == [1] * 12


async def test_two_workers_at_once_send_each_message_once(db, smtp):
    _, store = await merchant()
    people = [await shopper(store, f"p{i}@example.com") for i in range(20)]
    await queue_messages([request(store, p, f"k{p}") for p in people], NOW)
    first, second = await asyncio.gather(send(smtp, limit=15), send(smtp, limit=15))
    rest = await send(smtp)
    assert first.sent + second.sent + rest.sent == 20
    assert sorted(copies(smtp).values()) == [1] * 20


async def test_a_campaign_text_that_fails_for_one_shopper_fails_that_message_only(db, smtp):
    m, store = await merchant()
    campaign = await Campaign.create(
        merchant=m,
        name="Odd",
        kind=CampaignKind.CUSTOM,
        audience={},
        actions={},
        body="{{ 10 | divided_by: points_granted }}",
    )
    p = await shopper(store, "a@example.com")
    q = await shopper(store, "b@example.com")
    await queue_messages(
        [
            replace(request(store, p, "zero", points_granted=0), campaign_id=campaign.id),
            replace(request(store, q, "two", points_granted=2), campaign_id=campaign.id),
        ],
        NOW,
    )
    report = await send(smtp)
    failed = await Message.get(key="zero")
    assert (report.sent, report.failed, failed.status, failed.reason) == (1, 1, MessageStatus.FAILED, "template")
    assert "divide by 0" in failed.last_error and [r.to for r in smtp.received] == ["b@example.com"]
    assert "5" in smtp.received[0].part("plain")
