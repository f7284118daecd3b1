"""A person's feedback in their data export, and out of the database on erasure.

What a person wrote is personal data: erasure blanks survey comments, complaint subjects, every
message of their complaints (theirs, the replies that quote them, the notes about them) and
review titles and texts, and cancels invitations not answered yet. Scores, ratings, categories,
statuses and times stay, so NPS, ratings and response times of the merchant do not change.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from feedback.models import Complaint, ComplaintMessage, Review, Survey, SurveyStatus
from insights.privacy.subjects import person_scope


async def _keys(profile_id: int) -> tuple[set[int], set[int]]:
    """The person's profiles (the survivor and those merged into it) and store accounts."""
    scope = await person_scope(profile_id)
    return scope.profile_ids, scope.customer_ids


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def export_profile(profile_id: int) -> dict[str, Any]:
    """Surveys (sent and answered), complaints with their whole thread, and reviews."""
    profiles, _ = await _keys(profile_id)
    surveys = await Survey.filter(profile_id__in=profiles).order_by("send_at", "id")
    complaints = await Complaint.filter(profile_id__in=profiles).order_by("received_at", "id")
    messages: dict[int, list[dict[str, Any]]] = {}
    for m in await ComplaintMessage.filter(complaint_id__in=[c.id for c in complaints]).order_by("created_at", "id"):
        messages.setdefault(m.complaint_id, []).append(
            {"author": m.author.value, "author_name": m.author_name, "body": m.body, "at": _time(m.created_at)}
        )
    reviews = await Review.filter(profile_id__in=profiles).order_by("created_at", "id")
    return {
        "surveys": [
            {
                "kind": s.kind.value,
                "status": s.status.value,
                "order_id": s.order_id,
                "sent_at": _time(s.sent_at),
                "answered_at": _time(s.answered_at),
                "score": s.score,
                "comment": s.comment,
                "channel": s.channel,
                "points_paid": s.points_paid,
            }
            for s in surveys
        ],
        "complaints": [
            {
                "kind": c.kind.value,
                "category": c.category.value,
                "status": c.status.value,
                "source": c.source.value,
                "order_id": c.order_id,
                "subject": c.subject,
                "received_at": _time(c.received_at),
                "first_response_at": _time(c.first_response_at),
                "resolved_at": _time(c.resolved_at),
                "messages": messages.get(c.id, []),
            }
            for c in complaints
        ],
        "reviews": [
            {
                "store_id": r.store_id,
                "product": r.product_platform_id,
                "order": r.order_platform_id,
                "rating": r.rating,
                "title": r.title,
                "body": r.body,
                "created_at": _time(r.created_at),
                "points_paid": r.points_paid,
            }
            for r in reviews
        ],
    }


async def erase_profile(profile_id: int) -> dict[str, int]:
    """Blank the person's words and cancel their open invitations; returns rows touched per table."""
    profiles, customers = await _keys(profile_id)
    async with in_transaction():
        cancelled = await Survey.filter(
            profile_id__in=profiles, status__in=(SurveyStatus.SCHEDULED, SurveyStatus.SENT)
        ).update(status=SurveyStatus.CANCELLED, reason="erased")
        surveys = await Survey.filter(profile_id__in=profiles).exclude(comment=None).update(comment=None)
        complaint_ids = list(
            await Complaint.filter(profile_id__in=profiles).values_list("id", flat=True)
            + await Complaint.filter(customer_id__in=customers).values_list("id", flat=True)
        )
        complaints = await Complaint.filter(id__in=complaint_ids).update(subject="")
        messages = await ComplaintMessage.filter(complaint_id__in=complaint_ids).update(body="")
        reviews = await Review.filter(profile_id__in=profiles).update(title="", body="")
    return {
        "feedback_surveys": surveys,
        "feedback_surveys_cancelled": cancelled,
        "feedback_complaints": complaints,
        "feedback_complaint_messages": messages,
        "feedback_reviews": reviews,
    }
