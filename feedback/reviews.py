"""Product reviews: a signed review is paid under the program's rules and kept with its text.

The review id names one review on its store: the post that is paid (or capped, a real review
without points) keeps the row; a duplicate stores nothing new, whoever it is posted for, so two
posts racing with one id keep one row, the paid one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from feedback.models import FeedbackSource, Review
from loyalty.actions import ActionResult, ActionStatus, pay_review
from loyalty.actions import Review as PaidReview
from store.models import Customer


@dataclass(frozen=True)
class ReviewPosted:
    """A review as a signed endpoint read it: the account that wrote it and what it says."""

    review_id: str
    customer_id: int
    store_id: int
    product: str
    rating: int
    order: str | None = None
    title: str | None = None
    body: str | None = None
    source: FeedbackSource = FeedbackSource.API


async def receive_review(review: ReviewPosted, *, now: datetime | None = None) -> ActionResult:
    """Pay the review's action (``loyalty.errors.UnknownAction`` when the program has none: nothing
    kept), then keep the review unless it is a duplicate."""
    now = now or datetime.now(UTC)
    result = await pay_review(
        PaidReview(
            review_id=review.review_id,
            customer_id=review.customer_id,
            store_id=review.store_id,
            product=review.product,
            rating=review.rating,
            order=review.order,
        ),
        now=now,
    )
    if result.status in (ActionStatus.AWARDED, ActionStatus.CAPPED):
        await keep_review(review, points=result.points, now=now)
    return result


async def keep_review(review: ReviewPosted, *, points: int = 0, now: datetime | None = None) -> Review | None:
    """The review's row, created once per store and review id; ``None`` when it was there already."""
    account = await Customer.get(id=review.customer_id)
    if account.profile_id is None or await Review.exists(store_id=review.store_id, review_id=review.review_id):
        return None
    try:
        async with in_transaction():
            return await Review.create(
                merchant_id=account.merchant_id,
                profile_id=account.profile_id,
                store_id=review.store_id,
                customer_id=review.customer_id,
                review_id=review.review_id,
                product_platform_id=review.product,
                order_platform_id=review.order,
                rating=review.rating,
                title=(review.title or "").strip()[:200],
                body=(review.body or "").strip(),
                source=review.source,
                points_paid=points,
                created_at=now or datetime.now(UTC),
            )
    except IntegrityError:  # the same review kept by a concurrent post
        return None
