"""The sandbox's planted feedback in the feedback tables: answered surveys, complaints with their
threads and clocks, and reviews, each filed under the account and order it is about.

Only what the database holds is planted (a test world loads some people, not all); a second
run adds nothing (surveys are unique per order and kind, complaints per external id, reviews
per store and review id).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from feedback.models import (
    Complaint,
    ComplaintKind,
    ComplaintMessage,
    FeedbackSource,
    MessageAuthor,
    Review,
    Survey,
    SurveyKind,
    SurveyStatus,
)
from sandbox import dataset as sandbox
from store.models import Customer, Merchant, Order, Store

VALID_DAYS = 30


async def seed_feedback(
    data: sandbox.SandboxData, merchant: Merchant, stores: Mapping[sandbox.Platform, Store]
) -> dict[str, int]:
    """Plant ``data.feedback`` for ``merchant``; returns rows added per table."""
    planted = data.feedback
    store_ids: dict[str, int] = {str(platform): store.id for platform, store in stores.items()}
    accounts: dict[tuple[int, str], tuple[int, int]] = {}
    for cid, store_id, platform_id, profile_id in await Customer.filter(
        merchant_id=merchant.id, is_guest=False
    ).values_list("id", "store_id", "platform_id", "profile_id"):
        if profile_id is not None:
            accounts[(store_id, str(platform_id))] = (cid, profile_id)
    orders = {
        (store_id, str(pid)): oid
        for oid, store_id, pid in await Order.filter(merchant_id=merchant.id).values_list(
            "id", "store_id", "platform_id"
        )
    }

    def find(platform: str, customer: int, order: int) -> tuple[int, int, int, int | None] | None:
        store_id = store_ids[platform]
        account = accounts.get((store_id, str(customer)))
        if account is None:
            return None
        return store_id, account[0], account[1], orders.get((store_id, str(order)))

    added = {"surveys": 0, "complaints": 0, "messages": 0, "reviews": 0}
    known = set(await Survey.filter(merchant_id=merchant.id).values_list("order_id", "kind"))
    surveys = []
    for answer in planted.surveys:
        where = find(answer.store, answer.customer_platform_id, answer.order_platform_id)
        if where is None or where[3] is None or (where[3], answer.kind) in known:
            continue
        store_id, customer_id, profile_id, order_id = where
        surveys.append(
            Survey(
                merchant_id=merchant.id,
                profile_id=profile_id,
                store_id=store_id,
                customer_id=customer_id,
                order_id=order_id,
                kind=SurveyKind(answer.kind),
                status=SurveyStatus.ANSWERED,
                send_at=answer.sent_at,
                sent_at=answer.sent_at,
                expires_at=answer.sent_at + timedelta(days=VALID_DAYS),
                answered_at=answer.answered_at,
                score=answer.score,
                comment=answer.comment,
                channel="email",
            )
        )
    await Survey.bulk_create(surveys, batch_size=500)
    added["surveys"] = len(surveys)

    taken = set(
        await Complaint.filter(merchant_id=merchant.id, source=FeedbackSource.DEMO).values_list(
            "external_id", flat=True
        )
    )
    for planted_complaint in planted.complaints:
        if planted_complaint.external_id in taken:
            continue
        where = find(
            planted_complaint.store, planted_complaint.customer_platform_id, planted_complaint.order_platform_id
        )
        if where is None:
            continue
        store_id, customer_id, profile_id, order_id = where
        complaint = await Complaint.create(
            merchant_id=merchant.id,
            profile_id=profile_id,
            store_id=store_id,
            customer_id=customer_id,
            order_id=order_id,
            kind=ComplaintKind.COMPLAINT,
            category=planted_complaint.category,
            status=planted_complaint.status,
            source=FeedbackSource.DEMO,
            external_id=planted_complaint.external_id,
            subject=planted_complaint.subject,
            received_at=planted_complaint.received_at,
            first_response_at=planted_complaint.first_response_at,
            resolved_at=planted_complaint.resolved_at,
        )
        await ComplaintMessage.bulk_create(
            [
                ComplaintMessage(
                    complaint_id=complaint.id,
                    author=MessageAuthor(m.author),
                    author_name="Northwind support" if m.author != "shopper" else "",
                    body=m.body,
                    created_at=m.at,
                )
                for m in planted_complaint.messages
            ]
        )
        added["complaints"] += 1
        added["messages"] += len(planted_complaint.messages)

    seen = set(await Review.filter(merchant_id=merchant.id).values_list("store_id", "review_id"))
    reviews = []
    for review in planted.reviews:
        where = find(review.store, review.customer_platform_id, review.order_platform_id)
        if where is None or (where[0], review.review_id) in seen:
            continue
        store_id, customer_id, profile_id, _ = where
        reviews.append(
            Review(
                merchant_id=merchant.id,
                profile_id=profile_id,
                store_id=store_id,
                customer_id=customer_id,
                review_id=review.review_id,
                product_platform_id=str(review.product_platform_id),
                order_platform_id=str(review.order_platform_id),
                rating=review.rating,
                title=review.title,
                body=review.body,
                source=FeedbackSource.DEMO,
                created_at=review.created_at,
            )
        )
    await Review.bulk_create(reviews, batch_size=500)
    added["reviews"] = len(reviews)
    return added


async def plant_pending_survey(customer: Customer, now: datetime) -> Survey | None:
    """An NPS invitation sent to the demo's shopper yesterday about their latest order, open for
    an answer in the widget; none when they have an open one already."""
    if customer.profile_id is None:
        return None
    if await Survey.filter(
        customer_id=customer.id, status=SurveyStatus.SENT, expires_at__gt=now, answered_at=None
    ).exists():
        return None
    answered = set(await Survey.filter(customer_id=customer.id, kind=SurveyKind.NPS).values_list("order_id", flat=True))
    order = (
        await Order.filter(customer_id=customer.id)
        .exclude(id__in=list(answered) or [0])
        .order_by("-platform_created_at", "-id")
        .first()
    )
    if order is None:
        return None
    sent = now - timedelta(days=1)
    return await Survey.create(
        merchant_id=customer.merchant_id,
        profile_id=customer.profile_id,
        store_id=customer.store_id,
        customer_id=customer.id,
        order_id=order.id,
        kind=SurveyKind.NPS,
        status=SurveyStatus.SENT,
        send_at=sent,
        sent_at=sent,
        expires_at=sent + timedelta(days=VALID_DAYS),
        channel="email",
    )
