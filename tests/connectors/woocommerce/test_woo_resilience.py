"""A backfill survives a hostile host (429, 5xx bursts, truncated bodies) and being killed."""

from __future__ import annotations

import asyncio

import pytest

from connectors.core.http import RetryPolicy
from connectors.core.sink import Sink
from connectors.woocommerce import WooConnector
from store.models import SyncCheckpoint
from tests.connectors.woocommerce.conftest import SANDBOX_EGRESS, keyed_store, site_view, store_view

pytestmark = pytest.mark.db


def connector(waits: list[float]) -> WooConnector:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    return WooConnector(
        public_base_url="http://127.0.0.1:9",
        verify_tls=False,
        egress=SANDBOX_EGRESS,
        policy=RetryPolicy(attempts=8, base_delay=0.01),
        sleep=sleep,
    )


async def test_a_backfill_over_https_through_429s_5xx_bursts_and_truncated_bodies_gets_the_same_result(
    db, tls_site, site_state
):
    store = await keyed_store(site_state, tls_site)
    site_state.faults.set(http_429_every_n=9, retry_after=2, server_error_burst=4, truncate_next_n=2)
    waits: list[float] = []
    report = await connector(waits).backfill(store, Sink())
    assert report.throttled > 0 and report.retries >= report.throttled + 4
    assert waits.count(2.0) == report.throttled  # Retry-After honoured as the host sent it
    site_state.faults.clear()
    assert await store_view(store) == site_view(site_state)


class KilledAfter(Sink):
    """A sink whose process dies after writing ``pages`` pages of orders."""

    def __init__(self, pages: int) -> None:
        super().__init__()
        self.left = pages

    async def orders(self, store, records):
        if self.left == 0:
            raise asyncio.CancelledError("worker killed")
        self.left -= 1
        return await super().orders(store, records)


async def test_a_killed_backfill_resumes_from_its_checkpoint_without_reading_finished_pages_again(db, site, site_state):
    store = await keyed_store(site_state, site)
    with pytest.raises(asyncio.CancelledError):
        await connector([]).backfill(store, KilledAfter(pages=12))
    saved = await SyncCheckpoint.get(store_id=store.id, resource="orders", mode="backfill")
    assert saved.pages == 12 and saved.cursor and saved.finished_at is None
    assert (await SyncCheckpoint.get(store_id=store.id, resource="products", mode="backfill")).finished_at

    resumed = await connector([]).backfill(store, Sink())
    total_pages = -(-site_state.counts()["orders"] // 100)
    assert resumed.pages == {"orders": total_pages - 12}  # products and customers were done
    assert await store_view(store) == site_view(site_state)
