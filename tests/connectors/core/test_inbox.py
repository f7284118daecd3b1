"""The webhook inbox: one row per delivery id, failures kept for replay."""

from __future__ import annotations

import pytest

from connectors.core import inbox
from store.models import DeliveryStatus, InstallState, Merchant, Platform, Store, WebhookEvent

pytestmark = pytest.mark.db


async def _record(delivery_id: str = "d-1") -> WebhookEvent | None:
    return await inbox.record(
        platform="shopify",
        delivery_id=delivery_id,
        topic="orders/create",
        headers={"x-shopify-topic": "orders/create"},
        body=b'{"id": 1}',
        source="northwind.myshopify.com",
    )


async def test_a_duplicate_delivery_id_is_recorded_once(db):
    first = await _record()
    assert first is not None and first.status == DeliveryStatus.RECEIVED
    assert await _record() is None
    assert await WebhookEvent.all().count() == 1


async def test_a_delivery_is_processed_once_even_when_its_job_runs_twice(db):
    event = await _record()
    calls = []

    async def handler(e: WebhookEvent) -> None:
        calls.append(e.body)

    assert await inbox.process(event.id, handler) == DeliveryStatus.PROCESSED
    assert await inbox.process(event.id, handler) == DeliveryStatus.PROCESSED
    assert calls == ['{"id": 1}']


async def test_a_failing_delivery_keeps_its_error_and_can_be_reopened(db):
    event = await _record()

    async def broken(e: WebhookEvent) -> None:
        raise ValueError("order line without a product")

    with pytest.raises(ValueError):
        await inbox.process(event.id, broken)
    kept = await WebhookEvent.get(id=event.id)
    assert kept.status == DeliveryStatus.FAILED and kept.attempts == 1
    assert "order line without a product" in kept.error
    assert [e.id for e in await inbox.failed()] == [event.id]
    assert await inbox.reopen([event.id]) == 1

    async def fixed(e: WebhookEvent) -> None:
        return None

    assert await inbox.process(event.id, fixed) == DeliveryStatus.PROCESSED
    done = await WebhookEvent.get(id=event.id)
    assert done.error is None and done.attempts == 2 and done.processed_at is not None


async def _store(domain: str, state: InstallState) -> Store:
    merchant = await Merchant.create(name="Northwind Records")
    return await Store.create(
        merchant=merchant, platform=Platform.SHOPIFY, domain=domain, public_key=f"pk_{domain}", install_state=state
    )


async def _for_store(delivery_id: str, source: str, *, keep: bool = False) -> inbox.Recorded | None:
    return await inbox.record_for_store(
        platform="shopify",
        delivery_id=delivery_id,
        topic="orders/updated",
        headers={"x-shopify-topic": "orders/updated"},
        body='{"note": "café"}'.encode(),
        source=source,
        keep=keep,
    )


async def test_intake_looks_the_store_up_in_the_same_insert_and_keeps_the_delivery_intact(db):
    live = await _store("live.myshopify.com", InstallState.INSTALLED)
    gone = await _store("gone.myshopify.com", InstallState.UNINSTALLED)

    installed = await _for_store("i-1", "live.myshopify.com")
    assert installed == inbox.Recorded(id=installed.id, store_id=live.id, status=DeliveryStatus.RECEIVED)
    uninstalled = await _for_store("i-2", "gone.myshopify.com")
    assert (uninstalled.store_id, uninstalled.status) == (gone.id, DeliveryStatus.IGNORED)
    unknown = await _for_store("i-3", "nobody.myshopify.com")
    assert (unknown.store_id, unknown.status) == (None, DeliveryStatus.IGNORED)
    kept = await _for_store("i-4", "gone.myshopify.com", keep=True)
    assert (kept.store_id, kept.status) == (gone.id, DeliveryStatus.RECEIVED)

    assert await _for_store("i-1", "live.myshopify.com") is None  # a duplicate delivery id
    stored = await WebhookEvent.get(id=installed.id)
    assert stored.body == '{"note": "café"}' and stored.headers == {"x-shopify-topic": "orders/updated"}
    assert stored.source == "live.myshopify.com" and stored.attempts == 0 and stored.received_at is not None
    assert await WebhookEvent.all().count() == 4
