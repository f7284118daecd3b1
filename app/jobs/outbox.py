"""The webhook inbox doubles as an outbox: a recorded delivery is queued for processing until it is.

Recording is the commitment and queueing follows it, so a queue that cannot be reached after a
delivery is recorded loses nothing: the delivery stays ``received``, a redelivery of it (same
delivery id) queues it at once, and ``webhooks_sweep`` queues every ``received`` delivery older
than a minute. Keys are the delivery's own, so queueing an already queued delivery is a no-op.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from app.jobs.queue import JobQueue, QueueUnavailable
from app.jobs.registry import JobContext, job
from app.jobs.sync import process_webhook
from connectors.core import inbox

log = logging.getLogger(__name__)

SWEEP_AGE = timedelta(minutes=1)
SWEEP_BATCH = 1000


def job_key(event_id: int) -> str:
    return f"webhook:{event_id}"


async def queue_processing(queue: JobQueue, event_id: int) -> bool:
    """Queue a recorded delivery's processing; when the queue is down, leave it to the sweep."""
    try:
        return await process_webhook.enqueue(queue, event_id, key=job_key(event_id))
    except QueueUnavailable as exc:
        log.warning(
            "webhook delivery %s is recorded but could not be queued (%s); the sweep will queue it", event_id, exc
        )
        return False


async def queue_redelivery(queue: JobQueue, platform: str, delivery_id: str) -> bool:
    """A delivery id seen before: queue it again if it still waits (its first queueing may have failed)."""
    event_id = await inbox.waiting_id(platform, delivery_id)
    return event_id is not None and await queue_processing(queue, event_id)


async def sweep(queue: JobQueue, *, older_than: timedelta = SWEEP_AGE, limit: int = SWEEP_BATCH) -> list[int]:
    """Queue every delivery still ``received`` after ``older_than``; returns the ids newly queued."""
    before = datetime.now(UTC) - older_than
    queued = []
    for event_id in await inbox.waiting_since(before, limit):
        if await process_webhook.enqueue(queue, event_id, key=job_key(event_id)):
            queued.append(event_id)
    if queued:
        log.warning("queued %d webhook deliveries that were recorded but never queued: %s", len(queued), queued[:20])
    return queued


@job(max_tries=1, timeout=120)
async def webhooks_sweep(ctx: JobContext) -> int:
    """Scheduled every minute: the outbox's safety net (see the module docstring)."""
    return len(await sweep(ctx["queue"]))
