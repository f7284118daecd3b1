"""Incremental sync by updated_at: what changed since the last pass, edits made while it runs
included, and a pass killed mid-way going on from its cursor."""

from __future__ import annotations

import json

import pytest

from connectors.core import checkpoint
from connectors.core.sink import Sink
from store.models import SyncCheckpoint
from tests.connectors.shopify.support import connector, installed_store, shop_truth, store_state

pytestmark = pytest.mark.db


class DiesOnPage(Sink):
    def __init__(self, page: int) -> None:
        super().__init__()
        self.page, self.seen = page, 0

    async def orders(self, store, records):
        self.seen += 1
        if self.seen == self.page:
            raise RuntimeError("killed")
        return await super().orders(store, records)


class EditsWhileSyncing(Sink):
    """The shop keeps changing while the pass pages through orders; counts what really changed."""

    def __init__(self, shop) -> None:
        super().__init__()
        self.shop, self.pages, self.edited, self.changed = shop, 0, [], 0

    async def orders(self, store, records):
        self.pages += 1
        if self.pages <= 2:
            self.edited += self.shop.changes.edit_orders(0.002)  # some behind the cursor, some ahead
            self.shop.changes.add_orders(3)
        written = await super().orders(store, records)
        self.changed += len(written)
        return written


async def assert_equal(store, shop) -> None:
    mine, truth = await store_state(store), shop_truth(shop)
    assert (mine["counts"], mine["totals"], mine["orders"]) == (truth["counts"], truth["totals"], truth["orders"])


async def test_incremental_passes_resume_from_their_cursor_and_miss_nothing_edited_while_they_run(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    await shopify.backfill(store, Sink())

    shop.changes.edit_orders(0.03)  # about 104 orders: 9 pages of 12
    with pytest.raises(RuntimeError):
        await shopify.sync(store, DiesOnPage(4))
    cp = await SyncCheckpoint.get(store_id=store.id, resource="orders", mode=checkpoint.INCREMENTAL)
    assert cp.pages == 3 and json.loads(cp.cursor)["after"]
    before = shop.requests["graphql"]
    resumed = await shopify.sync(store, Sink())
    assert resumed.pages == {"customers": 1, "products": 1, "orders": 9 - 3}  # written pages not asked for again
    assert shop.requests["graphql"] - before == resumed.requests  # (plus lines of orders with more than 5)
    await assert_equal(store, shop)

    shop.changes.add_orders(20)
    shop.changes.refund_orders(5)
    shop.changes.cancel_orders(3)
    shop.changes.update_customers(8)
    shop.changes.add_products(2)
    shop.changes.update_products(4)
    during = EditsWhileSyncing(shop)
    report = await shopify.sync(store, during)
    assert during.edited and report.records["orders"] >= 20 + 5 + 3
    await assert_equal(store, shop)
    orders_cp = await SyncCheckpoint.get(id=cp.id)
    assert orders_cp.finished_at is not None and orders_cp.high_water == max(o.updated_at for o in shop.orders.values())

    quiet = EditsWhileSyncing(shop)
    quiet.pages = 99  # no more edits
    again = await shopify.sync(store, quiet)  # nothing new: the overlap window is read again, to no effect
    assert again.records["orders"] > 0 and quiet.changed == 0
