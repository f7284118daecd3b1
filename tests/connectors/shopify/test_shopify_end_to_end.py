"""End to end over real HTTP: install on the simulated shop, backfill, then a storm of changes and
chaotic webhooks while an incremental sync runs; the store ends equal to the shop."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from connectors.shopify.webhooks import TOPICS, topic_enum
from sandbox.shopify.oauth import install_query
from store.models import DeliveryStatus, InstallState, Job, Merchant, Store, WebhookEvent
from tests.connectors.shopify.support import API_SECRET, shop_truth, store_state

pytestmark = pytest.mark.db


def customers_of_shop(shop) -> dict[str, tuple]:
    with shop.lock:
        return {
            str(c.id): (
                c.email,
                c.phone,
                c.first_name,
                c.last_name,
                c.accepts_marketing and bool(c.email),
                ", ".join(c.tags),
            )
            for c in shop.customers.values()
        }


async def customers_of_store(store: Store) -> dict[str, tuple]:
    from store.models import Customer

    rows = await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None).values_list(
        "platform_id", "email", "phone", "first_name", "last_name", "accepts_marketing", "tags"
    )
    return {r[0]: tuple(r[1:]) for r in rows}


async def assert_store_equals_shop(store: Store, shop) -> None:
    mine, truth = await store_state(store), shop_truth(shop)
    assert mine["counts"] == truth["counts"]
    assert mine["totals"] == truth["totals"]
    assert mine["orders"] == truth["orders"]
    assert await customers_of_store(store) == customers_of_shop(shop)


async def test_install_backfill_then_a_storm_of_changes_and_webhooks_leave_the_store_equal_to_the_shop(shop, rapport):
    domain = shop.settings.shop_domain
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        answer = await browser.get(f"{rapport.url}/shopify/install", params=install_query(domain, API_SECRET))
    assert answer.status_code == 200 and "installed" in answer.text
    store = await Store.get(domain=domain)
    assert store.install_state == InstallState.INSTALLED
    assert store.refresh_token and store.token_expires_at is not None  # an expiring offline token
    assert (await Merchant.get(id=store.merchant_id)).name == shop.settings.shop_name
    assert {s.topic for s in shop.webhooks.subscriptions.values()} == {topic_enum(t) for t in TOPICS}
    assert {s.uri for s in shop.webhooks.subscriptions.values()} == {f"{rapport.url}/webhooks/shopify"}

    await rapport.run_jobs()  # the install queued the backfill
    await assert_store_equals_shop(store, shop)
    assert len(shop.bulk.operations) == 3

    changes = shop.changes
    changes.edit_orders(0.05)
    changes.add_orders(40)
    changes.refund_orders(12)
    changes.refund_orders(4, partial=False)
    changes.cancel_orders(8)
    changes.capture_orders(3)
    changes.add_customers(4)
    changes.update_customers(10)
    changes.delete_customers(3)
    changes.add_products(3)
    changes.update_products(6)
    changes.delete_products(2)

    async def while_the_sync_runs() -> None:
        for _ in range(4):
            changes.add_orders(5)
            changes.edit_orders(0.003)
            changes.refund_orders(2)
            changes.delete_customers(1)
            await asyncio.sleep(0.05)

    chaos = {"duplicate_rate": 0.1, "shuffle": True, "bad_signature_rate": 0.05}
    worker = asyncio.create_task(rapport.queue.work())
    await rapport.queue.enqueue("sync_store", store.id)
    first, _ = await asyncio.gather(shop.webhooks.deliver_pending(seed=1, **chaos), while_the_sync_runs())
    rest = await shop.webhooks.drain(seed=2, **chaos)
    rapport.queue.stop()
    await worker
    await rapport.run_jobs()

    reports = [first, *rest]
    assert sum(r["bad_signatures"] for r in reports) > 0 and sum(r["duplicates"] for r in reports) > 0
    assert sum(r["bad_signature_accepted"] for r in reports) == 0  # every forged copy got a 401
    assert shop.webhooks.pending() == []
    delivered = sum(r["delivered"] for r in reports)
    events = await WebhookEvent.filter(platform="shopify").values("status", "attempts")
    assert len(events) == delivered  # forged copies stored nothing, duplicates were dropped
    assert {e["status"] for e in events} == {DeliveryStatus.PROCESSED}
    assert {e["attempts"] for e in events} == {1}  # each delivery processed once
    assert not await Job.filter(status="failed").exists()
    await assert_store_equals_shop(store, shop)
