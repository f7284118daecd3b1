"""The sync scheduler: each installed store's incremental pass is queued once per slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.jobs.local_queue import LocalQueue
from app.jobs.registry import load
from app.jobs.schedule import Scheduler, schedule_syncs
from app.settings import load_settings
from store.models import InstallState, Job, Merchant, Platform, Store
from tests.support.servers import SECRET

pytestmark = pytest.mark.db


async def test_installed_stores_get_one_pass_per_slot_and_uninstalled_ones_none(db, database_url):
    load()
    queue = LocalQueue(load_settings(database_url=database_url, secret_key=SECRET))
    merchant = await Merchant.create(name="Northwind Records")
    for n, state in enumerate([InstallState.INSTALLED, InstallState.INSTALLED, InstallState.UNINSTALLED]):
        await Store.create(
            merchant=merchant,
            platform=Platform.SHOPIFY,
            domain=f"s{n}.myshopify.com",
            public_key=f"pk_{n}",
            install_state=state,
        )
    now = datetime(2026, 11, 23, 12, 0, 30, tzinfo=UTC)
    interval = timedelta(minutes=5)

    assert await schedule_syncs(queue, now=now, interval=interval) == 2
    assert await schedule_syncs(queue, now=now + timedelta(seconds=60), interval=interval) == 0
    assert await schedule_syncs(queue, now=now + interval, interval=interval) == 2
    jobs = await Job.filter(function="sync_store").order_by("id").values_list("args", flat=True)
    installed = await Store.filter(install_state=InstallState.INSTALLED).order_by("id").values_list("id", flat=True)
    assert jobs == [[i] for i in installed] * 2


async def test_periodic_runs_are_queued_once_per_slot_even_when_they_finish_early(db, database_url):
    load()
    queue = LocalQueue(load_settings(database_url=database_url, secret_key=SECRET))
    scheduler = Scheduler(queue, timedelta(minutes=5), periodic=(("heartbeat", timedelta(minutes=15)),))
    now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)
    assert await scheduler.tick(now) == ["heartbeat"]
    await Job.filter(function="heartbeat").delete()  # it ran and finished
    assert await scheduler.tick(now + timedelta(minutes=5)) == []
    assert await scheduler.tick(now + timedelta(minutes=15)) == ["heartbeat"]
    assert await Job.filter(function="heartbeat").count() == 1
