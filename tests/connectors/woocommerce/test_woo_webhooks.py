"""The webhook endpoint: ping answered, signatures checked before anything is stored, duplicates dropped."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.woocommerce import webhooks
from sandbox.woocommerce import signature
from sandbox.woocommerce.resources import order_json
from store.models import Customer, DeliveryStatus, InstallState, Order, Store, WebhookEvent
from tests.connectors.woocommerce.conftest import keyed_store, settle

pytestmark = pytest.mark.db


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body_as_the_docs_test_vector_says():
    body = b'{"id":727,"status":"processing"}'
    assert webhooks.sign("wc_hook_secret", body) == "BjxvQbWx7pFn0CHvkZBvNZvH7dc+oj9UB/Fa3evjS0o="
    assert webhooks.signature_ok("wc_hook_secret", body, "BjxvQbWx7pFn0CHvkZBvNZvH7dc+oj9UB/Fa3evjS0o=")
    assert not webhooks.signature_ok("wc_hook_secret", body + b" ", "BjxvQbWx7pFn0CHvkZBvNZvH7dc+oj9UB/Fa3evjS0o=")
    assert not webhooks.signature_ok(None, body, "x") and not webhooks.signature_ok("s", body, None)


def headers(topic: str, body: bytes, secret: str, delivery: str = "d1") -> dict[str, str]:
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-ID": "3",
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Source": "https://shop.test/",
        "X-WC-Webhook-Signature": signature(secret, body),
    }


@pytest.fixture
async def hooked(rapport, site_state):
    store = await keyed_store(site_state, "http://127.0.0.1:9")
    async with httpx.AsyncClient(base_url=rapport.url) as client:
        yield store, client, f"/webhooks/woocommerce/{store.id}"


async def test_the_creation_ping_is_answered_200_and_not_stored(hooked):
    store, client, path = hooked
    answer = await client.post(
        path, content=b"webhook_id=14", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200
    assert await WebhookEvent.all().count() == 0


async def test_a_bad_or_missing_signature_or_unknown_store_gets_401_and_nothing_is_stored(hooked):
    store, client, path = hooked
    body = b'{"id": 1, "status": "processing"}'
    wrong = await client.post(path, content=body, headers=headers("order.updated", body, "not-the-secret"))
    unsigned = dict(headers("order.updated", body, store.webhook_secret))
    del unsigned["X-WC-Webhook-Signature"]
    missing = await client.post(path, content=body, headers=unsigned)
    tampered = await client.post(
        path, content=body + b" ", headers=headers("order.updated", body, store.webhook_secret)
    )
    unknown = await client.post(
        "/webhooks/woocommerce/999", content=body, headers=headers("order.updated", body, store.webhook_secret)
    )
    assert [r.status_code for r in (wrong, missing, tampered, unknown)] == [401, 401, 401, 401]
    assert await WebhookEvent.all().count() == 0


async def test_a_signed_delivery_is_recorded_once_and_processed_into_the_store(rapport, hooked, site_state):
    store, client, path = hooked
    order = next(o for o in site_state.orders.values() if o.customer_id and not o.refund_ids)
    body = json.dumps(order_json(site_state, order, "https://shop.test")).encode()
    first = await client.post(path, content=body, headers=headers("order.created", body, store.webhook_secret, "a"))
    again = await client.post(path, content=body, headers=headers("order.created", body, store.webhook_secret, "a"))
    updated = await client.post(path, content=body, headers=headers("order.updated", body, store.webhook_secret, "b"))
    assert [r.status_code for r in (first, again, updated)] == [200, 200, 200]
    events = await WebhookEvent.filter(store_id=store.id)
    assert len(events) == 1 and events[0].topic == "order.created"
    await settle(rapport.settings)
    assert (await WebhookEvent.get(id=events[0].id)).status == DeliveryStatus.PROCESSED
    saved = await Order.get(store_id=store.id, platform_id=str(order.id)).prefetch_related("lines")
    assert saved.total == order.total and len(saved.lines) == len(order.line_items)
    assert (await Customer.get(id=saved.customer_id)).platform_id == str(order.customer_id)


async def test_two_deletions_of_one_customer_in_different_seconds_are_two_events_a_resent_one_is_not(hooked):
    store, client, path = hooked
    body = b'{"id":42}'
    for delivery in ("second-1", "second-1", "second-2"):
        answer = await client.post(
            path, content=body, headers=headers("customer.deleted", body, store.webhook_secret, delivery)
        )
        assert answer.status_code == 200
    assert await WebhookEvent.filter(store_id=store.id, topic="customer.deleted").count() == 2


async def test_a_store_uninstalled_elsewhere_has_its_deliveries_ignored_once_the_cache_expires(hooked, monkeypatch):
    from app.http import woocommerce as endpoint

    store, client, path = hooked

    def delivery(n: int) -> dict:  # distinct bodies: WooCommerce resends are told apart by their body
        body = json.dumps({"id": n, "status": "processing"}).encode()
        return {"content": body, "headers": headers("order.updated", body, store.webhook_secret, f"u{n}")}

    first = await client.post(path, **delivery(1))
    assert first.status_code == 200
    await Store.filter(id=store.id).update(install_state=InstallState.UNINSTALLED)  # e.g. by another process
    cached = await client.post(path, **delivery(2))
    monkeypatch.setattr(endpoint, "HOOK_TTL_SECONDS", 0.0)
    expired = await client.post(path, **delivery(3))
    assert [r.status_code for r in (cached, expired)] == [200, 200]
    statuses = await WebhookEvent.filter(store_id=store.id).order_by("id").values_list("status", flat=True)
    # within the TTL the cached state held; once it expired the uninstall counted
    assert statuses == [DeliveryStatus.RECEIVED, DeliveryStatus.RECEIVED, DeliveryStatus.IGNORED], statuses
