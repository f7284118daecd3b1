"""Connecting a site over real HTTP and backfilling it: the store ends up equal to the site."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.demo.seed import customer_record, order_record, pages, product_record
from app.platforms import connector_for
from connectors.core.sink import Sink
from connectors.woocommerce.webhooks import TOPICS
from sandbox.dataset import build
from store.ingest import upsert_customers, upsert_orders, upsert_products
from store.models import (
    Customer,
    DeliveryStatus,
    InstallState,
    Merchant,
    Order,
    Platform,
    Store,
    SyncCheckpoint,
    WebhookEvent,
)
from tests.connectors.woocommerce.conftest import settle, site_view, store_view

pytestmark = pytest.mark.db


async def test_a_site_connected_over_plain_http_is_backfilled_to_exactly_the_sites_counts_and_sums(
    rapport, site, site_state
):
    store = await rapport.connect(site)
    assert store.install_state == InstallState.INSTALLED
    assert store.consumer_key.startswith("ck_") and store.consumer_secret.startswith("cs_")
    assert site_state.find_key(store.consumer_key).permissions == "read_write"
    await settle(rapport.settings)
    assert await store_view(store) == site_view(site_state)
    hooks = {h.topic: h for h in site_state.webhooks.values()}
    assert set(hooks) == set(TOPICS)
    assert all(h.delivery_url == f"{rapport.url}/webhooks/woocommerce/{store.id}" for h in hooks.values())
    assert all(h.secret == store.webhook_secret and h.status == "active" for h in hooks.values())
    assert await SyncCheckpoint.filter(store_id=store.id, mode="backfill", finished_at=None).count() == 0


async def _storm_round(state, round_no: int) -> dict:
    """One round of the site changing, then its webhooks sent badly (dupes, shuffled, 5 % mis-signed)."""
    changes = state.changes
    changes.edit_orders(0.05)
    changes.add_orders(15, guest_rate=0.3, new_customer_rate=0.3)
    changes.refund_orders(4, partial=True)
    changes.refund_orders(2, partial=False)
    changes.cancel_orders(2)
    trashed = changes.delete_orders(3)
    changes.restore_orders(trashed[:1])
    changes.update_customers(8)
    changes.delete_customers(2)
    changes.update_products(6)
    return await state.deliver_pending(
        duplicate_rate=0.1, shuffle=True, bad_signature_rate=0.05, seed=round_no, concurrency=8
    )


async def test_a_change_and_webhook_storm_with_a_concurrent_sync_ends_with_the_store_equal_to_the_site(
    rapport, site, site_state
):
    store = await rapport.connect(site)
    await settle(rapport.settings)
    connector = connector_for(Platform.WOOCOMMERCE, rapport.settings)
    stop = asyncio.Event()
    passes = 0

    async def syncing() -> None:
        nonlocal passes
        while not stop.is_set():
            await connector.sync(await Store.get(id=store.id), Sink())
            passes += 1
            await asyncio.sleep(0.3)

    sync_task = asyncio.create_task(syncing())
    reports = []
    for round_no in range(3):
        reports.append(await _storm_round(site_state, round_no))
        await asyncio.sleep(0.2)
    await settle(rapport.settings)
    stop.set()
    await sync_task
    assert passes >= 1

    bad = [d for r in reports for d in r["deliveries"] if d["bad_signature"]]
    good = [d for r in reports for d in r["deliveries"] if not d["bad_signature"]]
    assert bad and all(d["status"] == 401 for d in bad)
    assert all(d["status"] == 200 for d in good)
    assert sum(r["duplicates"] for r in reports) > 0
    events = await WebhookEvent.filter(store_id=store.id).count()
    assert 0 < events < len(good)  # duplicates (and identical created/updated bodies) were dropped
    assert await WebhookEvent.filter(store_id=store.id, status=DeliveryStatus.FAILED).count() == 0

    # What lost (mis-signed) webhooks carried, the next passes find: the incremental sync for
    # orders and products, the hourly reconciliation for customers (its hour is made to pass).
    await SyncCheckpoint.filter(store_id=store.id, mode="reconcile").update(
        finished_at=datetime.now(UTC) - timedelta(hours=2)
    )
    await connector.sync(await Store.get(id=store.id), Sink())
    assert await store_view(store) == site_view(site_state)


async def test_both_sandbox_stores_sync_into_one_merchant_and_a_shopper_of_both_is_a_customer_of_each(
    rapport, site, site_state
):
    data = build("sample", 7)
    merchant = await Merchant.create(name=data.merchant_name)
    shopify = data.by_store("shopify")
    shop = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=shopify.store.domain_or_url,
        public_key="pk_shop",
        install_state=InstallState.INSTALLED,
    )
    for page in pages(shopify.products):
        await upsert_products(shop, [product_record(p) for p in page])
    for page in pages(shopify.customers):
        await upsert_customers(shop, [customer_record(c) for c in page])
    for page in pages(shopify.orders):
        await upsert_orders(shop, [order_record(o) for o in page])

    woo = await rapport.connect(site, merchant)  # the merchant adds their second store
    await settle(rapport.settings)
    assert woo.merchant_id == merchant.id

    accounts = {(c.store, c.person_id): str(c.platform_id) for c in data.customers}
    both = sorted(data.both_store_person_ids)
    assert len(both) == 471
    seen = {
        (row["store_id"], row["platform_id"])
        for row in await Customer.filter(merchant_id=merchant.id, deleted_at=None).values("store_id", "platform_id")
    }
    for person in both:
        assert (shop.id, accounts["shopify", person]) in seen
        assert (woo.id, accounts["woocommerce", person]) in seen
    assert await Order.filter(merchant_id=merchant.id).count() == len(shopify.orders) + site_state.counts()["orders"]
