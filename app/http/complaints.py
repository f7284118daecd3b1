"""Complaint intake: ``POST /hooks/complaints``, where a help-desk tool or the merchant's own code
files a complaint or request a shopper made elsewhere (mail, phone, chat), linked to the shopper's
account and, when given, their order.

Signed like the review posts (``app.http.signed_posts``), under the store's complaint secret (its
own purpose: a review secret files no complaint). The body::

    {"store": 12 or "pk_...", "customer": "7001" or "ann@example.com", "order": "5512" (optional),
     "kind": "complaint" | "request", "category": "delivery" | "product" | "billing" | "return" |
     "service" | "account" | "other", "subject": "...", "body": "...",
     "external_id": "the caller's id of the complaint", "issued_at": 1765000000, "nonce": "..."}

Answers: 200 ``{"status": "created"|"duplicate", "reference": "C-000123", "external_id": ...}``
(an ``external_id`` seen before for the merchant answers that complaint, nothing new is stored),
400 for a field that is wrong (named in ``error``), 401 for a missing or wrong signature, a stale
time or a replayed nonce, 413 past ``MAX_BODY_BYTES``, 422 when the customer is not an account of
the store or the order not one of that account's orders on the store, 429 past the per-address or
per-store limit. Nothing is stored unless 200. The response clock starts when the post arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.auth.site_requests import COMPLAINTS_PURPOSE, complaint_secret
from app.http.ratelimit import COMPLAINTS_PATH
from app.http.signed_posts import BadField, SignedPosts, account_of, customer_ref, error, identifier, text
from app.settings import Settings
from feedback.complaints import MAX_BODY, MAX_SUBJECT, NewComplaint, open_complaint, reference
from feedback.errors import InvalidFeedback
from feedback.models import ComplaintCategory, ComplaintKind, FeedbackSource
from store.models import Order
from store.people import ensure_profiles

__all__ = ["MAX_BODY_BYTES", "ComplaintIntake", "complaint_secret", "routes"]

MAX_BODY_BYTES = 32_768
"""A 5,000-character body and a 200-character subject fit even escaped as ``\\uXXXX``."""


@dataclass(frozen=True)
class ComplaintPost:
    """The fields of a signed post, checked."""

    external_id: str
    customer: str
    order: str | None
    kind: ComplaintKind
    category: ComplaintCategory
    subject: str
    body: str

    @classmethod
    def read(cls, data: dict[str, Any]) -> ComplaintPost:
        kind = data.get("kind", ComplaintKind.COMPLAINT.value)
        if kind not in {k.value for k in ComplaintKind}:
            raise BadField("kind must be complaint or request")
        category = data.get("category", ComplaintCategory.OTHER.value)
        if category not in {c.value for c in ComplaintCategory}:
            raise BadField(f"category must be one of {', '.join(c.value for c in ComplaintCategory)}")
        subject, body = text(data, "subject", MAX_SUBJECT), text(data, "body", MAX_BODY)
        if not subject or not subject.strip():
            raise BadField(f"subject must be text of 1 to {MAX_SUBJECT} characters")
        if not body or not body.strip():
            raise BadField(f"body must be text of 1 to {MAX_BODY} characters")
        return cls(
            external_id=identifier(data, "external_id") or "",
            customer=customer_ref(data),
            order=identifier(data, "order", required=False),
            kind=ComplaintKind(kind),
            category=ComplaintCategory(category),
            subject=subject,
            body=body,
        )


class ComplaintIntake:
    """``POST /hooks/complaints``, built once at start-up."""

    def __init__(self, settings: Settings) -> None:
        self.door = SignedPosts(
            settings,
            name="complaints",
            purpose=COMPLAINTS_PURPOSE,
            secret_name="complaint secret",
            per_store=settings.rate_limit_complaints_store,
            max_bytes=MAX_BODY_BYTES,
        )

    async def post(self, request: Request) -> Response:
        received_at = datetime.now(UTC)
        admitted = await self.door.admit(request)
        if isinstance(admitted, Response):
            return admitted
        store, data = admitted
        try:
            post = ComplaintPost.read(data)
        except BadField as exc:
            return error(400, str(exc))
        account = await account_of(store, post.customer)
        if account is None:
            return error(422, "unknown customer: no account of this store has that id or email (yet)")
        order_id: int | None = None
        if post.order is not None:
            order = await Order.get_or_none(
                store_id=store.id, platform_id=post.order, customer_id=account.id, deleted_at=None
            )
            if order is None:
                return error(422, "unknown order: that customer has no order with that id on this store")
            order_id = order.id
        profile_id = account.profile_id or (await ensure_profiles([account.id]))[account.id]
        try:
            complaint, created = await open_complaint(
                NewComplaint(
                    merchant_id=store.merchant_id,
                    profile_id=profile_id,
                    customer_id=account.id,
                    store_id=store.id,
                    order_id=order_id,
                    kind=post.kind,
                    category=post.category,
                    subject=post.subject,
                    body=post.body,
                    source=FeedbackSource.API,
                    external_id=post.external_id,
                ),
                received_at,
            )
        except InvalidFeedback as exc:
            return error(400, str(exc))
        return JSONResponse(
            {
                "status": "created" if created else "duplicate",
                "reference": reference(complaint),
                "external_id": post.external_id,
            },
            headers={"Cache-Control": "no-store"},
        )

    def routes(self) -> list[BaseRoute]:
        return [Route(COMPLAINTS_PATH, self.post, methods=["POST"])]


def routes(settings: Settings) -> list[BaseRoute]:
    return ComplaintIntake(settings).routes()
