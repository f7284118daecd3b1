"""Complaints in the domain: the response clock runs from intake to the first reply queued for the
shopper (notes never stop it), a breach shows only past the target, resolution is timed, the
reply reaches a real SMTP server with its text and reference, and a note mails nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from campaigns.complaint_mail import reply_to_complaint
from campaigns.models import Message, MessageKind, MessageStatus
from campaigns.sending import send_due
from feedback.complaints import (
    NewComplaint,
    add_note,
    open_complaint,
    reference,
    thread,
    update_complaint,
)
from feedback.errors import InvalidFeedback, WrongComplaintStatus
from feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintKind,
    ComplaintStatus,
    FeedbackSource,
    MessageAuthor,
)
from feedback.service_levels import (
    Targets,
    first_response_minutes,
    resolution_breached,
    resolution_minutes,
    response_breached,
)
from feedback.settings import load_feedback_config, save_feedback_config
from store.models import Customer
from tests.campaigns.mailing import BASE, KEY, MAIL_FROM, NOW, merchant, shopper

pytestmark = pytest.mark.db

T0 = NOW


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def complaint_from(
    email: str | None = "ann@example.org", *, external_id: str | None = None, timezone: str = "UTC", **over
):
    m, store = await merchant(timezone=timezone)
    profile_id = await shopper(store, email, consent=False, first_name="Ann")
    account = await Customer.get(profile_id=profile_id)
    new = NewComplaint(
        merchant_id=m.id,
        profile_id=profile_id,
        customer_id=account.id,
        store_id=store.id,
        order_id=None,
        kind=ComplaintKind.COMPLAINT,
        category=ComplaintCategory.DELIVERY,
        subject=over.get("subject", "Parcel never arrived"),
        body=over.get("body", "Order 1001 shows delivered but nothing came."),
        source=FeedbackSource.API,
        external_id=external_id,
    )
    complaint, created = await open_complaint(new, T0)
    assert created
    return complaint, new


async def test_first_response_is_timed_from_intake_to_the_first_reply_and_notes_do_not_count(db):
    complaint, _ = await complaint_from()
    await add_note(complaint, "Checking with the carrier", "sam", T0 + minutes(10))
    assert (await Complaint.get(id=complaint.id)).first_response_at is None
    sent = await reply_to_complaint(
        complaint, "We are sending a new parcel today.", author_name="sam", resolve=False, now=T0 + minutes(45)
    )
    assert sent.complaint.status == ComplaintStatus.WAITING
    assert sent.complaint.first_response_at == T0 + minutes(45)
    assert first_response_minutes(sent.complaint.received_at, sent.complaint.first_response_at) == 45.0
    again = await reply_to_complaint(
        sent.complaint, "Tracking: 1Z999", author_name="sam", resolve=False, now=T0 + minutes(90)
    )
    assert again.complaint.first_response_at == T0 + minutes(45)
    authors = [m.author for m in (await thread([complaint.id], shopper=False))[complaint.id]]
    assert authors == [MessageAuthor.SHOPPER, MessageAuthor.NOTE, MessageAuthor.MERCHANT, MessageAuthor.MERCHANT]
    shown = [m.author for m in (await thread([complaint.id], shopper=True))[complaint.id]]
    assert MessageAuthor.NOTE not in shown and len(shown) == 3


async def test_a_breach_is_flagged_after_the_target_and_not_before(db):
    complaint, _ = await complaint_from()
    await save_feedback_config(complaint.merchant_id, {"response_target_minutes": 60, "resolution_target_hours": 48})
    targets = Targets.of(await load_feedback_config(complaint.merchant_id))
    received = complaint.received_at
    assert not response_breached(received, None, targets, T0 + minutes(59))
    assert not response_breached(received, None, targets, T0 + minutes(60))
    assert response_breached(received, None, targets, T0 + minutes(60) + timedelta(seconds=1))
    late = await reply_to_complaint(
        complaint, "Sorry for the wait.", author_name="", resolve=False, now=T0 + minutes(61)
    )
    answered = late.complaint.first_response_at
    assert first_response_minutes(received, answered) == 61.0
    assert response_breached(received, answered, targets, T0 + timedelta(days=30))  # stays a breach
    on_time, _ = await complaint_from()
    sent = await reply_to_complaint(on_time, "On it.", author_name="", resolve=False, now=T0 + minutes(5))
    assert not response_breached(
        on_time.received_at, sent.complaint.first_response_at, targets, T0 + timedelta(days=30)
    )


async def test_resolution_is_timed_and_a_reopened_complaint_runs_again(db):
    complaint, _ = await complaint_from()
    targets = Targets.of(await load_feedback_config(complaint.merchant_id))
    assert targets.resolution == timedelta(hours=48)
    done = await reply_to_complaint(complaint, "Refunded.", author_name="", resolve=True, now=T0 + timedelta(hours=47))
    assert done.complaint.status == ComplaintStatus.RESOLVED
    assert resolution_minutes(done.complaint.received_at, done.complaint.resolved_at) == 47 * 60
    assert not resolution_breached(
        done.complaint.received_at, done.complaint.resolved_at, targets, T0 + timedelta(days=9)
    )
    with pytest.raises(WrongComplaintStatus):
        await reply_to_complaint(done.complaint, "More?", author_name="", resolve=False, now=T0 + timedelta(hours=50))
    reopened = await update_complaint(done.complaint, status=ComplaintStatus.OPEN, now=T0 + timedelta(hours=50))
    assert reopened.resolved_at is None and reopened.status == ComplaintStatus.OPEN
    assert resolution_breached(reopened.received_at, reopened.resolved_at, targets, T0 + timedelta(hours=50))
    closed = await update_complaint(
        reopened,
        status=ComplaintStatus.RESOLVED,
        assignee=" sam ",
        category=ComplaintCategory.BILLING,
        now=T0 + timedelta(hours=52),
    )
    assert (closed.resolved_at, closed.assignee, closed.category) == (
        T0 + timedelta(hours=52),
        "sam",
        ComplaintCategory.BILLING,
    )


async def test_the_reply_reaches_the_shopper_by_smtp_with_its_text_and_reference_and_a_note_sends_nothing(db, smtp):
    complaint, _ = await complaint_from("ann@example.org")
    await add_note(complaint, "INTERNAL: customer is a VIP, be generous", "sam", T0 + minutes(1))
    assert await Message.filter(merchant_id=complaint.merchant_id).count() == 0
    sent = await reply_to_complaint(
        complaint,
        "We have sent a new parcel.\nIt arrives on Friday <b>by noon</b>.",
        author_name="sam",
        resolve=False,
        now=T0 + minutes(20),
    )
    assert (sent.mail.kind, sent.mail.status, sent.reply.message_id) == (
        MessageKind.TRANSACTIONAL,
        MessageStatus.QUEUED,
        sent.mail.id,
    )
    report = await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=KEY, now=T0 + minutes(20))
    assert report.sent == 1
    (received,) = smtp.to("ann@example.org")
    text, html = received.part("plain"), received.part("html")
    ref = reference(complaint)
    assert ref in str(received.message["Subject"]) and "Parcel never arrived" in str(received.message["Subject"])
    assert "We have sent a new parcel." in text and "It arrives on Friday <b>by noon</b>." in text and ref in text
    assert "&lt;b&gt;by noon&lt;/b&gt;" in html and "<b>by noon" not in html
    assert "INTERNAL" not in text and "INTERNAL" not in html
    assert received.message["List-Unsubscribe"] is None
    assert "answers a request you made to" in text and "rewards account" not in text
    assert len(smtp.received) == 1


async def test_a_shopper_without_an_address_gets_no_mail_and_the_clock_keeps_running(db):
    complaint, _ = await complaint_from(None)
    sent = await reply_to_complaint(complaint, "Hello?", author_name="", resolve=False, now=T0 + minutes(5))
    assert (sent.mail.status, sent.mail.reason) == (MessageStatus.SKIPPED, "no_address")
    assert sent.complaint.first_response_at is None


async def test_a_repeated_external_id_answers_the_same_complaint_and_text_is_bounded(db):
    complaint, new = await complaint_from(external_id="zendesk-4411")
    again, created = await open_complaint(new, T0 + minutes(3))
    assert (again.id, created) == (complaint.id, False)
    assert await Complaint.filter(merchant_id=complaint.merchant_id).count() == 1
    assert reference(complaint) == f"C-{complaint.id:06d}"
    for field, value in (("subject", "x" * 201), ("body", "y" * 5001), ("subject", "   "), ("body", "")):
        bad = NewComplaint(**{**new.__dict__, "external_id": None, field: value})
        with pytest.raises(InvalidFeedback) as refused:
            await open_complaint(bad, T0)
        assert refused.value.path == (field,)
    assert await Complaint.filter(merchant_id=complaint.merchant_id).count() == 1


async def test_the_same_external_id_posted_at_once_is_one_complaint(db):
    complaint, new = await complaint_from(external_id="dup-0")
    twice = NewComplaint(**{**new.__dict__, "external_id": "dup-1"})
    answers = await asyncio.gather(*(open_complaint(twice, T0) for _ in range(6)))
    assert len({c.id for c, _ in answers}) == 1 and sum(created for _, created in answers) == 1
    assert await Complaint.filter(merchant_id=complaint.merchant_id).count() == 2


async def test_a_reply_at_night_in_the_stores_time_zone_goes_out_at_once(db):
    complaint, _ = await complaint_from(timezone="Pacific/Auckland")  # 12:00 UTC is past midnight there
    sent = await reply_to_complaint(complaint, "Answered tonight.", author_name="", resolve=False, now=T0)
    assert (sent.mail.status, sent.mail.send_after) == (MessageStatus.QUEUED, T0)
    assert sent.complaint.first_response_at == T0
