"""Review intake: ``POST /hooks/reviews``, where a review app or the store's own server posts the
reviews its shoppers wrote, and each one earns the program's ``review`` action once.

The shopper never calls it: the post is signed like the WordPress plugin's requests
(``app.auth.site_requests``), with an HMAC-SHA256 of the raw body in ``X-Rapport-Signature``
under the store's review secret (the owner reads it in the admin API, ``Store.reviewIntake``),
an ``issued_at`` within five minutes and a nonce never seen before. The body::

    {"store": 12 or "pk_...", "customer": "7001" or "ann@example.com", "product": "8123",
     "order": "5512" (optional), "rating": 1-5, "title": "...", "body": "...",
     "review_id": "the caller's id of the review", "issued_at": 1765000000, "nonce": "..."}

Answers: 200 ``{"status": "awarded"|"duplicate"|"capped", "points": n}`` (a ``review_id`` seen
before on the store is a duplicate whoever it names), 400 for a field that is wrong (named in
``error``), 401 for a missing or wrong signature, a stale time or a replayed nonce, 413 past
``MAX_BODY_BYTES``, 422 when the customer is not an account of the store (or the program has no
review action), 429 past the per-address or per-store limit. Nothing is stored unless 200.
A paid (or capped) review is kept with its rating, title, body, product and order
(``feedback.reviews``) in the same request; a duplicate keeps nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.auth.site_requests import REVIEWS_PURPOSE, review_secret
from app.http.ratelimit import REVIEWS_PATH
from app.http.signed_posts import BadField, SignedPosts, account_of, customer_ref, error, identifier, text
from app.settings import Settings
from feedback.reviews import ReviewPosted, receive_review
from loyalty.errors import UnknownAction

__all__ = ["MAX_BODY_BYTES", "ReviewIntake", "review_secret", "routes"]

MAX_BODY_BYTES = 16_384
MAX_TITLE = 200
MAX_TEXT = 10_000


class BadReview(BadField):
    """A field of the body is missing or wrong; the message names it."""


@dataclass(frozen=True)
class ReviewPost:
    """The fields of a signed post, checked."""

    review_id: str
    customer: str
    product: str
    order: str | None
    rating: int
    title: str | None
    text: str | None

    @classmethod
    def read(cls, data: dict[str, Any]) -> ReviewPost:
        rating = data.get("rating")
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise BadReview("rating must be a whole number from 1 to 5")
        return cls(
            review_id=identifier(data, "review_id") or "",
            customer=customer_ref(data),
            product=identifier(data, "product") or "",
            order=identifier(data, "order", required=False),
            rating=rating,
            title=text(data, "title", MAX_TITLE),
            text=text(data, "body", MAX_TEXT),
        )


class ReviewIntake:
    """``POST /hooks/reviews``, built once at start-up (its replay guard lives as long as the process)."""

    def __init__(self, settings: Settings) -> None:
        self.door = SignedPosts(
            settings,
            name="reviews",
            purpose=REVIEWS_PURPOSE,
            secret_name="review secret",
            per_store=settings.rate_limit_reviews_store,
            max_bytes=MAX_BODY_BYTES,
        )

    async def post(self, request: Request) -> Response:
        admitted = await self.door.admit(request)
        if isinstance(admitted, Response):
            return admitted
        store, data = admitted
        try:
            review = ReviewPost.read(data)
        except BadField as exc:
            return error(400, str(exc))
        account = await account_of(store, review.customer)
        if account is None:
            return error(422, "unknown customer: no account of this store has that id or email (yet)")
        try:
            result = await receive_review(
                ReviewPosted(
                    review_id=review.review_id,
                    customer_id=account.id,
                    store_id=store.id,
                    product=review.product,
                    rating=review.rating,
                    order=review.order,
                    title=review.title,
                    body=review.text,
                )
            )
        except UnknownAction:
            return error(422, "the store's loyalty program has no review action: nothing was recorded")
        return JSONResponse(
            {"status": result.status.value, "points": result.points, "review_id": review.review_id},
            headers={"Cache-Control": "no-store"},
        )

    def routes(self) -> list[BaseRoute]:
        return [Route(REVIEWS_PATH, self.post, methods=["POST"])]


def routes(settings: Settings) -> list[BaseRoute]:
    return ReviewIntake(settings).routes()
