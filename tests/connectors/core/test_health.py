"""Store health: failures in a row degrade a store, then make it unhealthy; a success heals it."""

from __future__ import annotations

import pytest

from connectors.core.checkpoint import BACKFILL, finish, open_checkpoint, restart, save_page
from connectors.core.http import PlatformUnavailable
from connectors.core.tracked import tracked
from store.models import Health, Merchant, Platform, Store

pytestmark = pytest.mark.db


async def _store() -> Store:
    merchant = await Merchant.create(name="Northwind Records")
    return await Store.create(
        merchant=merchant, platform=Platform.SHOPIFY, domain="northwind.myshopify.com", public_key="pk_test"
    )


async def _down() -> None:
    raise PlatformUnavailable("GET /orders failed 6 times, last: HTTP 503", status=503)


async def _up() -> str:
    return "synced"


async def test_a_store_turns_degraded_then_unhealthy_and_heals(db):
    store = await _store()
    seen = []
    for _ in range(3):
        with pytest.raises(PlatformUnavailable):
            await tracked(store.id, _down())
        await store.refresh_from_db()
        seen.append((store.health, store.consecutive_failures))
    assert seen == [(Health.DEGRADED, 1), (Health.DEGRADED, 2), (Health.UNHEALTHY, 3)]
    assert "HTTP 503" in store.last_error
    assert await tracked(store.id, _up()) == "synced"
    await store.refresh_from_db()
    assert (store.health, store.consecutive_failures, store.last_error) == (Health.HEALTHY, 0, None)
    assert store.last_synced_at is not None


async def test_a_checkpoint_resumes_where_the_last_page_left_off(db):
    store = await _store()
    checkpoint = await open_checkpoint(store.id, "orders", BACKFILL)
    await save_page(checkpoint, cursor="page-2", records=250)
    resumed = await open_checkpoint(store.id, "orders", BACKFILL)
    assert (resumed.cursor, resumed.pages, resumed.records) == ("page-2", 1, 250)
    await finish(resumed)
    assert (await open_checkpoint(store.id, "orders", BACKFILL)).finished_at is not None
    await restart(resumed)
    again = await open_checkpoint(store.id, "orders", BACKFILL)
    assert (again.cursor, again.pages, again.finished_at) == (None, 0, None)
