"""A person's feedback in their data export and out of the database on erasure, through the app's
privacy wiring (``app.privacy``): the export holds their surveys, complaints with every message and
reviews; erasure blanks comments, subjects, messages and review texts, cancels invitations not yet
answered, keeps scores, ratings and times, and leaves the other people's feedback and the
merchant's NPS as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.privacy import erase_person, export_person
from feedback.analytics import feedback_report
from feedback.models import Complaint, ComplaintMessage, Review, Survey, SurveyKind, SurveyStatus
from tests.schema.conftest import AS_OF
from tests.schema.test_feedback_analytics import plant

pytestmark = pytest.mark.db


async def someone_with_everything(merchant_id: int) -> int:
    """A profile with an answered survey with a comment, a complaint and a review."""
    commented = set(
        await Survey.filter(merchant_id=merchant_id).exclude(comment=None).values_list("profile_id", flat=True)
    )
    complained = set(await Complaint.filter(merchant_id=merchant_id).values_list("profile_id", flat=True))
    reviewed = set(await Review.filter(merchant_id=merchant_id).values_list("profile_id", flat=True))
    both = sorted(commented & complained & reviewed) or sorted(commented & (complained | reviewed))
    assert both, "the planted feedback has someone who commented and complained or reviewed"
    return both[0]


async def test_the_export_holds_the_persons_feedback_and_erasure_blanks_their_words_only(world):
    await plant(world)
    pid = await someone_with_everything(world.merchant.id)
    survey = await Survey.filter(profile_id=pid).exclude(comment=None).first()
    assert survey is not None
    pending = await Survey.create(
        merchant_id=world.merchant.id,
        profile_id=pid,
        store_id=survey.store_id,
        customer_id=survey.customer_id,
        order_id=None,
        kind=SurveyKind.NPS,
        status=SurveyStatus.SENT,
        send_at=AS_OF,
        sent_at=AS_OF,
        expires_at=AS_OF + timedelta(days=30),
    )
    exported = (await export_person(pid, actor="admin:1"))["extra"]["feedback"]
    assert survey.comment in [s["comment"] for s in exported["surveys"]]
    complaints = await Complaint.filter(profile_id=pid).count()
    reviews = await Review.filter(profile_id=pid).count()
    assert len(exported["complaints"]) == complaints and len(exported["reviews"]) == reviews
    messages = await ComplaintMessage.filter(complaint__profile_id=pid).values_list("body", flat=True)
    assert sorted(m["body"] for c in exported["complaints"] for m in c["messages"]) == sorted(messages)

    others = await Survey.filter(merchant_id=world.merchant.id).exclude(profile_id=pid).exclude(comment=None).count()
    scores = sorted(await Survey.filter(profile_id=pid).values_list("id", "score", "answered_at"))
    ratings = sorted(await Review.filter(profile_id=pid).values_list("id", "rating", "created_at"))
    clocks = sorted(await Complaint.filter(profile_id=pid).values_list("id", "received_at", "first_response_at"))
    nps = (await feedback_report(world.merchant.id, now=AS_OF)).nps

    await erase_person(pid, actor="admin:1")

    assert not await Survey.filter(profile_id=pid).exclude(comment=None).exists()
    assert set(await Complaint.filter(profile_id=pid).values_list("subject", flat=True)) <= {""}
    assert set(await ComplaintMessage.filter(complaint__profile_id=pid).values_list("body", flat=True)) <= {""}
    assert set(await Review.filter(profile_id=pid).values_list("title", "body")) <= {("", "")}
    assert (await Survey.get(id=pending.id)).status == SurveyStatus.CANCELLED
    assert sorted(await Survey.filter(profile_id=pid).values_list("id", "score", "answered_at")) == scores
    assert sorted(await Review.filter(profile_id=pid).values_list("id", "rating", "created_at")) == ratings
    assert (
        sorted(await Complaint.filter(profile_id=pid).values_list("id", "received_at", "first_response_at")) == clocks
    )
    assert await Survey.filter(merchant_id=world.merchant.id).exclude(profile_id=pid).exclude(comment=None).count() == (
        others
    )
    assert (await feedback_report(world.merchant.id, now=AS_OF)).nps == nps, "NPS does not move"
    after = (await export_person(pid, actor="admin:1"))["extra"]["feedback"]
    assert all(s["comment"] is None for s in after["surveys"])
