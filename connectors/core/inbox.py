"""The webhook inbox: verified deliveries are kept raw before anything else happens to them.

Recording is one INSERT, and a duplicate delivery id is rejected by the unique index, so the
200 answer is fast and a duplicate can never be processed twice. Processing happens later, in
a job; a delivery that fails keeps its error and can be replayed.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from store.models import DeliveryStatus, WebhookEvent

Handler = Callable[[WebhookEvent], Awaitable[None]]


async def record(
    *,
    platform: str,
    delivery_id: str,
    topic: str,
    headers: Mapping[str, str],
    body: bytes,
    source: str = "",
    store_id: int | None = None,
    status: DeliveryStatus = DeliveryStatus.RECEIVED,
) -> WebhookEvent | None:
    """Keep a verified delivery; ``None`` when this delivery id was already recorded."""
    try:
        return await WebhookEvent.create(
            platform=platform, delivery_id=delivery_id[:128], topic=topic[:64], source=source[:255],
            headers=dict(headers), body=body.decode("utf-8", errors="replace"), store_id=store_id,
            status=status,
        )
    except IntegrityError:
        return None


async def process(event_id: int, handler: Handler) -> DeliveryStatus:
    """Run ``handler`` on a recorded delivery once; a failure is kept on the row, then re-raised for a retry."""
    event = await WebhookEvent.get_or_none(id=event_id)
    if event is None or event.status in (DeliveryStatus.PROCESSED, DeliveryStatus.IGNORED):
        return event.status if event else DeliveryStatus.IGNORED
    await WebhookEvent.filter(id=event_id).update(attempts=F("attempts") + 1)
    try:
        await handler(event)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        await WebhookEvent.filter(id=event_id).update(status=DeliveryStatus.FAILED, error=detail[:4000])
        raise
    await WebhookEvent.filter(id=event_id).update(
        status=DeliveryStatus.PROCESSED, error=None, processed_at=datetime.now(UTC)
    )
    return DeliveryStatus.PROCESSED


async def failed(limit: int = 100) -> list[WebhookEvent]:
    return await WebhookEvent.filter(status=DeliveryStatus.FAILED).order_by("id").limit(limit)


async def reopen(event_ids: list[int]) -> int:
    """Put failed deliveries back to be processed again (the replay command enqueues them)."""
    return await WebhookEvent.filter(id__in=event_ids, status=DeliveryStatus.FAILED).update(status=DeliveryStatus.RECEIVED)
