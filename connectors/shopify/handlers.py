"""Applying one verified webhook delivery to the store.

Deliveries come duplicated and in any order. Order, customer and product bodies carry their
``updated_at``, and the store keeps only what is newer, so an old body arriving late changes
nothing. Shopify never reuses an id, so a delete is final: it leaves a tombstone stamped
at the end of time, and a create or update sent earlier but arriving later cannot bring the
record back. A refund for an order not synced yet fetches that order (with its refunds).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from connectors.core.sink import Sink
from connectors.shopify import from_rest
from connectors.shopify.install import uninstall
from connectors.shopify.webhooks import PRIVACY_TOPICS
from store.models import Customer, InstallState, Order, Product, Store, WebhookEvent
from store.records import CustomerRecord, OrderRecord, ProductRecord

OrdersFetcher = Callable[[Store, list[str]], Awaitable[list[OrderRecord]]]
PrivacyHandler = Callable[[Store | None, WebhookEvent], Awaitable[None]]

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled")


class PrivacyHookMissing(RuntimeError):
    """A privacy request reached processing with nobody wired to act on it: it stays for replay."""


DELETED = datetime(9999, 1, 1, tzinfo=UTC)
"""The ``updated_at`` of a tombstone: nothing the platform sends later is newer."""


async def handle(
    event: WebhookEvent,
    sink: Sink,
    *,
    fetch_orders: OrdersFetcher,
    privacy: PrivacyHandler | None = None,
) -> None:
    store = await Store.get_or_none(id=event.store_id) if event.store_id else None
    if event.topic in PRIVACY_TOPICS:
        if privacy is None:
            raise PrivacyHookMissing(f"{event.topic} is recorded (event {event.id}); no privacy handler is wired yet")
        await privacy(store, event)
        return
    if store is None or store.install_state != InstallState.INSTALLED:
        return  # recorded for the record; an uninstalled shop's data is not touched
    body = json.loads(event.body)
    topic = event.topic
    if topic in ORDER_TOPICS:
        await sink.orders(store, [from_rest.order(body)])
    elif topic == "refunds/create":
        order_id = str(body["order_id"])
        if await Order.exists(store_id=store.id, platform_id=order_id):
            await sink.refunds(store, order_id, [from_rest.refund(body)])
        else:
            await sink.orders(store, await fetch_orders(store, [order_id]))
    elif topic in ("customers/create", "customers/update"):
        await sink.customers(store, [from_rest.customer(body)], created=topic == "customers/create")
    elif topic == "customers/delete":
        gone = from_rest.deleted_id(body)
        await sink.customers(store, [CustomerRecord(platform_id=gone, updated_at=DELETED)])
        await sink.delete(store, Customer, [gone])
    elif topic in ("products/create", "products/update"):
        await sink.products(store, [from_rest.product(body, shop=store.domain)])
    elif topic == "products/delete":
        gone = from_rest.deleted_id(body)
        await sink.products(store, [ProductRecord(platform_id=gone, title="", updated_at=DELETED)])
        await sink.delete(store, Product, [gone])
    elif topic == "app/uninstalled":
        await uninstall(store)
