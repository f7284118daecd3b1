"""Sync jobs: backfill, incremental pass and webhook processing, for any platform.

After every page of orders the sink enqueues ``orders_changed`` (``app.jobs.reactions``) with
the changed ids; after a page of customers, ``accounts_changed`` (``app.jobs.engagement``) with
the accounts that may earn a verified action.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.jobs.engagement import accounts_changed, worth_announcing
from app.jobs.queue import JobQueue
from app.jobs.reactions import orders_changed
from app.jobs.registry import JobContext, job
from app.platforms import connector_for
from connectors.core import inbox
from connectors.core.sink import Sink
from connectors.core.tracked import tracked
from store.job_owners import Owner
from store.models import InstallState, Store
from store.records import CustomerRecord


def sink_for(queue: JobQueue | None) -> Sink:
    """A sink that announces changed orders and accounts as jobs, so reacting never slows a sync page down."""

    async def announce(store: Store, order_ids: list[int]) -> None:
        if queue is not None:
            await orders_changed.enqueue(queue, store.id, order_ids)

    async def announce_accounts(store: Store, records: Sequence[CustomerRecord], created: bool) -> None:
        if queue is not None and (platform_ids := worth_announcing(records, created)):
            await accounts_changed.enqueue(queue, store.id, platform_ids, created)

    return Sink(on_orders=announce, on_customers=announce_accounts)


async def _installed(store_id: int) -> Store | None:
    store = await Store.get_or_none(id=store_id)
    if store is None or store.install_state != InstallState.INSTALLED:
        return None
    return store


async def _pass(ctx: JobContext, store_id: int, kind: str) -> dict:
    """One backfill or incremental pass of an installed store, under health tracking."""
    store = await _installed(store_id)
    if store is None:
        return {"skipped": "store not installed"}
    connector = connector_for(store.platform, ctx["settings"])
    run = connector.backfill if kind == "backfill" else connector.sync
    report = await tracked(store.id, run(store, sink_for(ctx.get("queue"))))
    return report.records


@job(max_tries=5, timeout=3600, owner=Owner.STORE)
async def backfill_store(ctx: JobContext, store_id: int) -> dict:
    """Every record of a store, resuming from its checkpoints when a previous try died."""
    return await _pass(ctx, store_id, "backfill")


@job(max_tries=3, timeout=1800, owner=Owner.STORE)
async def sync_store(ctx: JobContext, store_id: int) -> dict:
    """One incremental pass (the scheduler runs it every few minutes per store)."""
    return await _pass(ctx, store_id, "sync")


@job(max_tries=5, timeout=120, owner=Owner.WEBHOOK_EVENT)
async def process_webhook(ctx: JobContext, event_id: int) -> str:
    """Apply one recorded delivery; a failure stays on the delivery for ``rapport webhooks replay``."""
    from store.models import WebhookEvent

    event = await WebhookEvent.get(id=event_id)
    connector = connector_for(event.platform, ctx["settings"])
    sink = sink_for(ctx.get("queue"))
    return str(await inbox.process(event_id, lambda e: connector.handle_webhook(e, sink)))
