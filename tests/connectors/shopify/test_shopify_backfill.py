"""Backfill under bad conditions: killed mid-way, throttled, failing servers, a store that turns unhealthy."""

from __future__ import annotations

import pytest

from app import metrics
from connectors.core import checkpoint
from connectors.core.http import PlatformUnavailable, RetryPolicy
from connectors.core.sink import Sink
from connectors.core.tracked import tracked
from connectors.shopify.pacing import bucket_for
from store.models import Health, Store, SyncCheckpoint
from tests.connectors.shopify.support import connector, installed_store, shop_truth, store_state

pytestmark = pytest.mark.db


class Killed(Exception):
    pass


class DiesAfter(Sink):
    """A sink whose process dies when the ``pages``-th page of orders is about to be written."""

    def __init__(self, pages: int) -> None:
        super().__init__()
        self.left = pages

    async def orders(self, store, records):
        self.left -= 1
        if self.left == 0:
            raise Killed("worker killed")
        return await super().orders(store, records)


async def assert_equal(store: Store, shop) -> None:
    mine, truth = await store_state(store), shop_truth(shop)
    assert (mine["counts"], mine["totals"], mine["orders"]) == (truth["counts"], truth["totals"], truth["orders"])


async def test_a_killed_backfill_resumes_from_its_checkpoint_without_fetching_finished_pages_again(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    with pytest.raises(Killed):
        await shopify.backfill(store, DiesAfter(pages=6))
    orders_cp = await SyncCheckpoint.get(store_id=store.id, resource="orders", mode=checkpoint.BACKFILL)
    assert orders_cp.pages == 5 and orders_cp.records == 5 * 250 and orders_cp.finished_at is None
    offset = int(__import__("json").loads(orders_cp.cursor)["offset"])
    operations = len(shop.bulk.operations)
    served_before = shop.requests["bulk_file_bytes"]
    file_size = len(shop.bulk.operations[max(shop.bulk.operations)].body)

    resumed = Sink()
    report = await shopify.backfill(store, resumed)

    assert len(shop.bulk.operations) == operations == 3  # no bulk query ran again
    assert shop.requests["bulk_file_bytes"] - served_before == file_size - offset  # only the unfinished part
    assert report.records == {"orders": shop.counts()["orders"] - 5 * 250}  # customers, products were done
    assert resumed.stats.orders == shop.counts()["orders"] - 5 * 250
    assert (await SyncCheckpoint.get(id=orders_cp.id)).pages == 14
    await assert_equal(store, shop)


async def test_throttling_429s_5xx_bursts_and_truncated_bodies_change_nothing_and_the_bucket_is_never_overdrawn(
    shop, shop_url, db
):
    shop.faults.set(
        server_error_burst=3,
        http_429_every_n=8,
        truncate_next_n=2,
        throttle_bucket={"maximum_available": 1000, "restore_rate": 2000},
    )
    store = await installed_store(shop)
    shopify = connector(shop_url, bulk_resources=("products", "orders"))  # customers page through
    report = await shopify.backfill(store, Sink())
    await assert_equal(store, shop)
    rate = shop.rate_stats()
    assert rate["throttled"] == 0  # paced under the bucket: Shopify never had to refuse a query
    assert rate["lowest_level"] >= 0 and rate["max_cost_drawn"] <= 1000
    assert shop.faults.injected["429"] > 0 and shop.faults.injected["truncated"] == 2
    assert report.retries >= 3 + 2 + shop.faults.injected["429"]
    assert report.pages["customers"] == 6 and bucket_for(store.domain).waits >= 5  # the pacer held pages back


async def test_a_store_that_keeps_failing_turns_unhealthy_and_resumes_from_its_checkpoint_when_it_recovers(
    shop, shop_url, db
):
    store = await installed_store(shop)
    shopify = connector(shop_url, policy=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02))

    class OutageAfterCustomers(Sink):
        async def customers(self, store, records):
            await super().customers(store, records)
            shop.faults.set(server_error_burst=10_000)

    for _ in range(3):
        with pytest.raises(PlatformUnavailable):
            await tracked(store.id, shopify.backfill(store, OutageAfterCustomers()))
    sick = await Store.get(id=store.id)
    assert sick.health == Health.UNHEALTHY and sick.consecutive_failures == 3
    assert f'rapport_store_healthy{{platform="shopify",store="{store.id}"}} 0.0' in (await metrics.render()).decode()

    shop.faults.clear()
    shop.faults.server_error_burst = 0
    report = await tracked(store.id, shopify.backfill(store, Sink()))
    assert set(report.records) == {"products", "orders"}  # customers were done before the outage
    healed = await Store.get(id=store.id)
    assert healed.health == Health.HEALTHY and healed.last_synced_at is not None
    await assert_equal(store, shop)
