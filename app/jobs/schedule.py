"""The scheduler: each store's incremental sync, the webhook outbox sweep, and the periodic loyalty
and insights runs.

Every job is queued under a key naming its time slot, so several schedulers (web and worker
processes) queue it once, and a scheduler remembers the last slot it queued so a job that
finished early is not queued again in the same slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from app.jobs.campaigns import campaigns_run_all
from app.jobs.feedback import feedback_surveys_due
from app.jobs.insights import insights_refresh_all
from app.jobs.loyalty import (
    loyalty_deliver_events,
    loyalty_expire_due,
    loyalty_perks_sync_all,
    loyalty_reevaluate_tiers,
    loyalty_release_due,
)
from app.jobs.mail import campaigns_send_due
from app.jobs.outbox import webhooks_sweep
from app.jobs.queue import JobQueue
from app.jobs.registry import JobRef, name_of
from app.jobs.sync import sync_store
from store.models import InstallState, Store

log = logging.getLogger(__name__)

PERIODIC: tuple[tuple[JobRef, timedelta], ...] = (
    (webhooks_sweep, timedelta(minutes=1)),
    (loyalty_deliver_events, timedelta(minutes=1)),
    (campaigns_send_due, timedelta(minutes=1)),
    (feedback_surveys_due, timedelta(minutes=5)),
    (loyalty_release_due, timedelta(minutes=15)),
    (loyalty_expire_due, timedelta(days=1)),
    (loyalty_reevaluate_tiers, timedelta(days=1)),
    (loyalty_perks_sync_all, timedelta(days=1)),
    (insights_refresh_all, timedelta(days=1)),
    (campaigns_run_all, timedelta(hours=1)),
)
TICK = timedelta(minutes=1)


def _slot(now: datetime, period: timedelta) -> int:
    return int(now.timestamp() // period.total_seconds())


async def schedule_syncs(queue: JobQueue, *, now: datetime | None = None, interval: timedelta) -> int:
    """Enqueue an incremental pass for each installed store whose slot has come; returns how many."""
    slot = _slot(now or datetime.now(UTC), interval)
    queued = 0
    for store_id in await Store.filter(install_state=InstallState.INSTALLED).values_list("id", flat=True):
        if await sync_store.enqueue(queue, store_id, key=f"sync:{store_id}:{slot}"):
            queued += 1
    return queued


class Scheduler:
    def __init__(
        self, queue: JobQueue, sync_interval: timedelta, periodic: tuple[tuple[JobRef, timedelta], ...] = PERIODIC
    ) -> None:
        self.queue = queue
        self.sync_interval = sync_interval
        self.periodic = periodic
        self.last: dict[str, int] = {}

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Queue what is due at ``now``; returns the names queued."""
        now = now or datetime.now(UTC)
        queued = []
        for function, period in ((sync_store, self.sync_interval), *self.periodic):
            name = name_of(function)
            slot = _slot(now, period)
            if self.last.get(name) == slot:
                continue
            self.last[name] = slot
            if function is sync_store:
                if await schedule_syncs(self.queue, now=now, interval=period):
                    queued.append(name)
            elif await self.queue.enqueue(function, key=f"{name}:{slot}"):
                queued.append(name)
        return queued

    async def run(self, stop: asyncio.Event) -> None:
        """Tick once a minute until ``stop``; a failed tick is logged and retried on the next."""
        seconds = TICK.total_seconds()
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            wait = seconds - datetime.now(UTC).timestamp() % seconds
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
