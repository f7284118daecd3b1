"""The webhook inbox: verified deliveries are kept raw before anything else happens to them.

Recording is one INSERT, and a duplicate delivery id is rejected by the unique index, so the
200 answer is fast and a duplicate can never be processed twice. Processing happens later, in
a job; a delivery that fails keeps its error and can be replayed.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from store.models import DeliveryStatus, InstallState, WebhookEvent
from store.sql import Column, Upsert

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
            platform=platform,
            delivery_id=delivery_id[:128],
            topic=topic[:64],
            source=source[:255],
            headers=dict(headers),
            body=body.decode("utf-8", errors="replace"),
            store_id=store_id,
            status=status,
        )
    except IntegrityError:
        return None


@dataclass(frozen=True)
class Recorded:
    """What intake needs of a delivery it just kept: its id, its store, whether to process it."""

    id: int
    store_id: int | None
    status: DeliveryStatus


def _store_of(col: Column, column: str) -> str:
    return (
        f'(SELECT s."{column}" FROM "stores" s WHERE s."platform" = {col("platform")} AND s."domain" = {col("source")})'
    )


def _status_of(col: Column) -> str:
    installed = f"{_store_of(col, 'install_state')} = '{InstallState.INSTALLED.value}'"
    return (
        f"CASE WHEN {col('keep')} OR {installed} THEN '{DeliveryStatus.RECEIVED.value}' "
        f"ELSE '{DeliveryStatus.IGNORED.value}' END"
    )


_RECORD_FOR_STORE = Upsert(
    WebhookEvent,
    columns=(
        "platform",
        "delivery_id",
        "store_id",
        "source",
        "topic",
        "headers",
        "body",
        "status",
        "attempts",
        "received_at",
    ),
    conflict=("platform", "delivery_id"),
    returning=("id", "store_id", "status"),
    computed={"store_id": lambda col: _store_of(col, "id"), "status": _status_of},
    extra_inputs={"keep": "boolean"},
)


async def record_for_store(
    *,
    platform: str,
    delivery_id: str,
    topic: str,
    headers: Mapping[str, str],
    body: bytes,
    source: str,
    keep: bool = False,
) -> Recorded | None:
    """Keep a verified delivery for the store whose domain is ``source``, in one statement.

    The store lookup, the status (``received`` when the store is installed or ``keep`` is set,
    else ``ignored``) and the duplicate check (``None`` when this delivery id was already
    recorded) all happen inside the INSERT, so intake costs one round trip, with nothing to
    go stale between processes when a store is installed or uninstalled.
    """
    rows = await _RECORD_FOR_STORE.run(
        WebhookEvent._meta.db,
        [
            {
                "platform": platform,
                "delivery_id": delivery_id[:128],
                "source": source[:255],
                "topic": topic[:64],
                "headers": dict(headers),
                "body": body.decode("utf-8", errors="replace"),
                "attempts": 0,
                "received_at": datetime.now(UTC),
                "keep": keep,
            }
        ],
    )
    if not rows:
        return None
    row = rows[0]
    return Recorded(id=row["id"], store_id=row["store_id"], status=DeliveryStatus(row["status"]))


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


async def waiting_id(platform: str, delivery_id: str) -> int | None:
    """The id of this delivery when it is recorded and still waits to be processed for its store."""
    found = await WebhookEvent.filter(
        platform=platform,
        delivery_id=delivery_id[:128],
        status=DeliveryStatus.RECEIVED,
        store_id__not_isnull=True,
    ).values_list("id", flat=True)
    return found[0] if found else None


async def waiting_since(before: datetime, limit: int) -> list[int]:
    """Deliveries still waiting for processing that were recorded before ``before``, oldest first.

    One that was never queued (the queue was down after it was recorded) stays here until it is
    processed, so it is always among the oldest.
    """
    return list(
        await WebhookEvent.filter(
            status=DeliveryStatus.RECEIVED,
            received_at__lt=before,
            store_id__not_isnull=True,
        )
        .order_by("received_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )


async def failed(limit: int = 100) -> list[WebhookEvent]:
    return await WebhookEvent.filter(status=DeliveryStatus.FAILED).order_by("id").limit(limit)


async def reopen(event_ids: list[int]) -> int:
    """Put failed deliveries back to be processed again (the replay command enqueues them)."""
    return await WebhookEvent.filter(id__in=event_ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.RECEIVED
    )
