"""Sync jobs: backfill, incremental pass and webhook processing, for any platform.

After every page of orders the sink enqueues ``orders_changed`` with the changed ids, which is
where loyalty and insights react.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from app.jobs.queue import JobQueue
from app.jobs.registry import JobContext, job
from app.platforms import connector_for
from connectors.core import inbox
from connectors.core.sink import Sink
from connectors.core.tracked import tracked
from store.models import InstallState, Store

SYNC_INTERVAL = timedelta(minutes=5)


def sink_for(queue: JobQueue | None) -> Sink:
    """A sink that announces changed orders as a job, so reacting never slows a sync page down."""

    async def announce(store: Store, order_ids: list[int]) -> None:
        if queue is not None:
            await queue.enqueue("orders_changed", store.id, order_ids)

    return Sink(on_orders=announce)


async def _installed(store_id: int) -> Store | None:
    store = await Store.get_or_none(id=store_id)
    if store is None or store.install_state != InstallState.INSTALLED:
        return None
    return store


@job(max_tries=5, timeout=3600)
async def backfill_store(ctx: JobContext, store_id: int) -> dict:
    """Every record of a store, resuming from its checkpoints when a previous try died."""
    store = await _installed(store_id)
    if store is None:
        return {"skipped": "store not installed"}
    connector = connector_for(store.platform, ctx["settings"])
    report = await tracked(store.id, connector.backfill(store, sink_for(ctx.get("queue"))))
    return report.records


@job(max_tries=3, timeout=1800)
async def sync_store(ctx: JobContext, store_id: int) -> dict:
    """One incremental pass (the scheduler runs it every few minutes per store)."""
    store = await _installed(store_id)
    if store is None:
        return {"skipped": "store not installed"}
    connector = connector_for(store.platform, ctx["settings"])
    report = await tracked(store.id, connector.sync(store, sink_for(ctx.get("queue"))))
    return report.records


@job(max_tries=5, timeout=120)
async def process_webhook(ctx: JobContext, event_id: int) -> str:
    """Apply one recorded delivery; a failure stays on the delivery for ``rapport webhooks replay``."""
    from store.models import WebhookEvent

    event = await WebhookEvent.get(id=event_id)
    connector = connector_for(event.platform, ctx["settings"])
    sink = sink_for(ctx.get("queue"))
    return str(await inbox.process(event_id, lambda e: connector.handle_webhook(e, sink)))


@job(max_tries=5, timeout=600)
async def orders_changed(ctx: JobContext, store_id: int, order_ids: list[int]) -> int:
    """Orders that changed on a store: where loyalty and insights hook in."""
    return len(order_ids)


async def schedule_syncs(queue: JobQueue, *, now: datetime | None = None, interval: timedelta = SYNC_INTERVAL) -> int:
    """Enqueue an incremental pass for each installed store whose turn has come; returns how many."""
    now = now or datetime.now(UTC)
    slot = int(now.timestamp() // interval.total_seconds())
    queued = 0
    for store_id in await Store.filter(install_state=InstallState.INSTALLED).values_list("id", flat=True):
        if await queue.enqueue("sync_store", store_id, key=f"sync:{store_id}:{slot}"):
            queued += 1
    return queued


async def run_scheduler(queue: JobQueue, interval: timedelta, stop: asyncio.Event) -> None:
    """Once per interval slot, queue every installed store's incremental pass, until ``stop``.

    The job key names the slot, so several schedulers (web and worker processes) queue it once.
    """
    seconds = interval.total_seconds()
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a missed tick is retried next slot, never fatal
            await schedule_syncs(queue, interval=interval)
        wait = seconds - datetime.now(UTC).timestamp() % seconds
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
