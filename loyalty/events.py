"""Outgoing events for the merchant's other tools (the CRM's "interact").

Events are written in the transaction of the change they report (an outbox), one delivery
per subscribed endpoint. ``deliver_events`` POSTs each due delivery as JSON, signed with
HMAC-SHA256 over the exact body bytes under the endpoint's secret, hex-encoded, in the
``X-Rapport-Signature: sha256=<hex>`` header. A failure is retried with exponential backoff;
after the last try the delivery is kept as failed, and ``replay`` sends it again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty.models import Delivery, DeliveryStatus, Endpoint, Event
from store.models import Customer

SIGNATURE_HEADER = "X-Rapport-Signature"
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header)


def body_of(event: Event, email: str | None = None) -> bytes:
    """The signed body; the shopper's email is read from the store at send time, never stored here."""
    payload = {
        "id": event.id,
        "type": event.kind,
        "merchant_id": event.merchant_id,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.data,
        "profile": {"id": event.profile_id, "email": email} if event.profile_id else None,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_CAP, BACKOFF * 2 ** (attempts - 1))


async def register_endpoint(merchant_id: int, url: str, secret: str, kinds: Iterable[str] = ()) -> Endpoint:
    return await Endpoint.create(merchant_id=merchant_id, url=url, secret=secret, kinds=list(kinds))


@dataclass
class Delivered:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


async def deliver_events(
    now: datetime | None = None,
    *,
    client: httpx.AsyncClient | None = None,
    limit: int = 200,
    max_attempts: int = MAX_ATTEMPTS,
    request_timeout: float = 10.0,
) -> Delivered:
    """Send the deliveries that are due, oldest first."""
    now = now or datetime.now(UTC)
    due = (
        await Delivery.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .select_related("event", "endpoint")
    )
    result = Delivered()
    emails = await _emails({d.event.profile_id for d in due if d.event.profile_id})
    own = client is None
    client = client or httpx.AsyncClient(timeout=request_timeout)
    try:
        for delivery in due:
            await _attempt(client, delivery, emails.get(delivery.event.profile_id), now, max_attempts, result)
    finally:
        if own:
            await client.aclose()
    return result


async def _emails(profile_ids: set[int]) -> dict[int, str]:
    """Contact emails of people who accept marketing: the others' events go out without one."""
    found: dict[int, str] = {}
    ids = list(profile_ids)  # the accounts whose points the member holds (or, unseen yet, keyed on it)
    rows = (
        await Customer.filter(
            Q(owner_id__in=ids) | Q(profile_id__in=ids, owner_id=None), deleted_at=None, accepts_marketing=True
        )
        .exclude(email=None)
        .order_by("is_guest", "id")
        .values_list("owner_id", "profile_id", "email")
    )
    for owner, pid, email in rows:
        found.setdefault(owner or pid, email)
    return found


async def _attempt(
    client: httpx.AsyncClient,
    delivery: Delivery,
    email: str | None,
    now: datetime,
    max_attempts: int,
    result: Delivered,
) -> None:
    endpoint, event = delivery.endpoint, delivery.event
    body = body_of(event, email)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(str(endpoint.secret), body),
        "X-Rapport-Event": event.kind,
        "X-Rapport-Delivery": str(delivery.id),
    }
    status, error = None, None
    try:
        response = await client.post(endpoint.url, content=body, headers=headers)
        status = response.status_code
        if not response.is_success:
            error = f"HTTP {status}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if error is None:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        result.delivered += 1
    elif delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.FAILED
        result.failed += 1
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        result.retrying += 1
    await delivery.save(
        update_fields=["attempts", "last_status", "last_error", "status", "delivered_at", "next_attempt_at"]
    )


async def replay(
    delivery_ids: Iterable[int] | None = None, *, merchant_id: int | None = None, now: datetime | None = None
) -> int:
    """Queue failed deliveries again from their first try (given ids, or all of a merchant's)."""
    now = now or datetime.now(UTC)
    query = Delivery.filter(status=DeliveryStatus.FAILED)
    if delivery_ids is not None:
        query = query.filter(id__in=list(delivery_ids))
    if merchant_id is not None:
        query = query.filter(event__merchant_id=merchant_id)
    async with in_transaction():
        ids = await query.values_list("id", flat=True)
        return await Delivery.filter(id__in=list(ids)).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None
        )
