"""Webhook intake at /webhooks/shopify and what processing does with each kind of delivery."""

from __future__ import annotations

import json

import httpx
import pytest

from app.cli_webhooks import replay
from connectors.core import inbox
from connectors.shopify.handlers import PrivacyHookMissing
from insights.models import PrivacyAudit
from sandbox.shopify.webhooks import webhook_hmac
from store.models import DeliveryStatus, InstallState, Job, Order, Refund, Store, WebhookEvent
from tests.connectors.shopify.support import API_SECRET, connector, installed_store

pytestmark = pytest.mark.db


def signed(
    body: bytes,
    *,
    topic: str = "orders/create",
    delivery: str = "d-1",
    shop: str = "northwind.myshopify.com",
    secret: str = API_SECRET,
) -> dict[str, str]:
    return {
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": delivery,
        "X-Shopify-Shop-Domain": shop,
        "Content-Type": "application/json",
        "X-Shopify-Triggered-At": "2026-11-20T09:15:03.512Z",
    }


async def post(rapport, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{rapport.url}/webhooks/shopify", content=body, headers=headers)


async def test_a_forged_or_unsigned_delivery_is_refused_with_401_and_nothing_is_stored(shop, rapport):
    await installed_store(shop)
    body = b'{"id": 1}'
    forged = signed(body, secret="not-the-app-secret")
    assert (await post(rapport, body, forged)).status_code == 401
    unsigned = {k: v for k, v in signed(body).items() if k != "X-Shopify-Hmac-Sha256"}
    assert (await post(rapport, body, unsigned)).status_code == 401
    tampered = signed(body)
    assert (await post(rapport, b'{"id": 2}', tampered)).status_code == 401
    assert await WebhookEvent.all().count() == 0 and await Job.all().count() == 0


async def test_a_duplicate_delivery_is_answered_200_and_dropped(shop, rapport):
    await installed_store(shop)
    body = json.dumps(shop.webhooks.rest.order(next(iter(shop.orders.values())))).encode()
    for _ in range(3):
        assert (await post(rapport, body, signed(body, delivery="same-id"))).status_code == 200
    assert await WebhookEvent.all().count() == 1 and await Job.filter(function="process_webhook").count() == 1
    await rapport.run_jobs()
    event = await WebhookEvent.get()
    assert event.status == DeliveryStatus.PROCESSED and event.attempts == 1
    assert await Order.all().count() == 1


async def test_a_delivery_for_an_unknown_shop_is_recorded_as_ignored_and_never_processed(shop, rapport):
    body = b'{"id": 5}'
    answer = await post(rapport, body, signed(body, shop="someone-else.myshopify.com"))
    assert answer.status_code == 200
    event = await WebhookEvent.get()
    assert event.status == DeliveryStatus.IGNORED and event.store_id is None
    assert event.source == "someone-else.myshopify.com" and not await Job.exists()


async def test_privacy_requests_are_verified_recorded_and_acted_on(shop, rapport):
    store = await installed_store(shop)
    uri = f"{rapport.url}/webhooks/shopify"
    forged = await shop.webhooks.send_compliance("customers/redact", uri=uri, bad_signature=True)
    assert forged["status"] == "401"
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        assert (await shop.webhooks.send_compliance(topic, uri=uri))["status"] == "200"
    events = await WebhookEvent.all().order_by("id")
    assert [e.topic for e in events] == ["customers/data_request", "customers/redact", "shop/redact"]
    assert {e.status for e in events} == {DeliveryStatus.RECEIVED} and {e.store_id for e in events} == {store.id}
    assert await Job.filter(function="process_webhook").count() == 3
    with pytest.raises(PrivacyHookMissing):  # a connector nobody wired for privacy refuses, never drops
        await connector("http://unused").handle_webhook(events[1], None)
    await rapport.run_jobs()
    assert not await Store.exists(id=store.id)  # shop/redact removed the store and what it brought
    audit = await PrivacyAudit.filter(action="redact_store").values_list("subject_id", "actor")
    assert audit == [(store.id, f"platform:shop/redact:store:{store.id}")]


async def test_app_uninstalled_disables_the_store_drops_its_tokens_and_stops_its_jobs(shop, rapport):
    store = await installed_store(shop)
    shop.webhooks.subscribe("app/uninstalled", f"{rapport.url}/webhooks/shopify")
    shop.webhooks.subscribe("orders/create", f"{rapport.url}/webhooks/shopify")
    shop.changes.uninstall()
    await shop.webhooks.deliver_pending()
    await rapport.run_jobs()
    gone = await Store.get(id=store.id)
    assert gone.install_state == InstallState.UNINSTALLED
    assert gone.access_token is None and gone.refresh_token is None
    await rapport.queue.enqueue("backfill_store", store.id)
    await rapport.queue.enqueue("sync_store", store.id)
    await rapport.run_jobs()
    assert shop.requests["graphql"] == 0  # the queued jobs did not touch the shop
    shop.webhooks.subscribe("orders/create", f"{rapport.url}/webhooks/shopify", source="app")
    shop.changes.add_orders(1)
    await shop.webhooks.deliver_pending()
    late = await WebhookEvent.filter(topic="orders/create").first()
    assert late.status == DeliveryStatus.IGNORED and not await Order.exists()


async def test_a_refund_for_an_order_not_synced_yet_brings_the_order_with_it(shop, shop_url, db):
    store = await installed_store(shop)
    [order_id] = shop.changes.refund_orders(1)
    refund = shop.orders[order_id].refunds[-1]
    event = await inbox.record(
        platform="shopify",
        delivery_id="r-1",
        topic="refunds/create",
        headers={},
        body=json.dumps(shop.webhooks.rest.refund(refund)).encode(),
        store_id=store.id,
    )
    from connectors.core.sink import Sink

    await inbox.process(event.id, lambda e: connector(shop_url).handle_webhook(e, Sink()))
    order = await Order.get(platform_id=str(order_id))
    assert order.total_refunded == refund.amount and order.financial_status == "partially_refunded"
    assert await Refund.filter(order_id=order.id).count() == 1


async def test_a_failed_delivery_keeps_its_error_and_is_replayed(shop, rapport):
    store = await installed_store(shop)
    body = b'{"id": 12, "no": "order fields"}'
    assert (await post(rapport, body, signed(body, delivery="broken"))).status_code == 200
    await rapport.run_jobs()
    event = await WebhookEvent.get()
    assert event.status == DeliveryStatus.FAILED and "required timestamp" in event.error
    await WebhookEvent.filter(id=event.id).update(
        body=json.dumps(shop.webhooks.rest.order(next(iter(shop.orders.values()))))
    )
    assert await replay(rapport.queue, failed=True) == [event.id]
    await rapport.run_jobs()
    assert (await WebhookEvent.get(id=event.id)).status == DeliveryStatus.PROCESSED
    assert await Order.filter(store_id=store.id).count() == 1
