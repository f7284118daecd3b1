"""WooCommerce webhooks: the creation ping, signatures, the dedupe key, and applying a delivery.

Deduplication cannot use ``X-WC-Webhook-Delivery-ID``: WooCommerce makes it from the
webhook id and the current second, so two different deliveries of one webhook in the same
second share it. The key is the store, the resource and a SHA-256 of the raw body instead:
WooCommerce builds the body at delivery time from the resource's current state, so two
deliveries with the same body carry the same facts and processing one is enough (an
``order.created`` and the ``order.updated`` that follows it with an identical body collapse
into one), while a same-second edit changes the body and is kept. ``*.deleted`` bodies are
only ``{"id": n}``, so for them the Delivery-ID's second is added: a second deletion after a
restore is a new event, a re-sent copy of the same delivery is not. A ``customer.created``
keeps its own key (``:created``): it is the only sign that the account is new, which pays the
program's sign-up, so a ``customer.updated`` with the same body never swallows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from connectors.core.http import PlatformRejected
from connectors.core.sink import Sink
from connectors.woocommerce import pages
from connectors.woocommerce.client import WooClient
from store.models import Customer, Order, Product, Store

TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "product.restored",
)
"""What Rapport subscribes to on every site (refunds fire ``order.updated``)."""

SIGNATURE = "x-wc-webhook-signature"
KEPT_HEADERS = (
    "x-wc-webhook-topic",
    "x-wc-webhook-resource",
    "x-wc-webhook-event",
    "x-wc-webhook-id",
    "x-wc-webhook-delivery-id",
    "x-wc-webhook-source",
)


def is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """The unsigned ``webhook_id=N`` form post WooCommerce sends when a webhook is created."""
    if headers.get(SIGNATURE) or headers.get("x-wc-webhook-topic"):
        return False
    text = body.strip()
    return text.startswith(b"webhook_id=") and text[len(b"webhook_id=") :].isdigit()


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str | None, body: bytes, given: str | None) -> bool:
    """``X-WC-Webhook-Signature`` = base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not secret or not given:
        return False
    return hmac.compare_digest(sign(secret, body), given.strip())


def dedupe_key(store_id: int, headers: Mapping[str, str], body: bytes) -> str:
    resource = headers.get("x-wc-webhook-resource", "")
    key = f"{store_id}:{resource}:{hashlib.sha256(body).hexdigest()[:48]}"
    event = headers.get("x-wc-webhook-event")
    if event == "deleted":
        key += ":" + headers.get("x-wc-webhook-delivery-id", "")[:40]
    elif resource == "customer" and event == "created":
        key += ":created"  # the account's creation pays a sign-up: never folded into an update of the same body
    return key


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


async def _gone_or_current(client: WooClient, path: str) -> dict[str, Any] | None:
    """The resource now, or ``None`` when the site no longer has it."""
    try:
        data = await client.get(path)
    except PlatformRejected as exc:
        if exc.status in (404, 410):
            return None
        raise
    return data if isinstance(data, dict) else None


async def apply(client: WooClient, store: Store, sink: Sink, topic: str, body: Any) -> str:
    """Apply one verified delivery; returns what was done (for logs and tests)."""
    resource, _, event = topic.partition(".")
    if not isinstance(body, dict) or body.get("id") is None:
        return "ignored: no resource in body"
    rid = str(body["id"])
    if resource == "order":
        if event == "deleted":
            current = await _gone_or_current(client, f"orders/{rid}")
            if current is None:
                await sink.delete(store, Order, [rid])
                return "order deleted"
            body = current
        await pages.write_orders(client, store, sink, [body])
        return f"order {body.get('status')}"
    if resource == "customer":
        if event == "deleted":
            await sink.delete(store, Customer, [rid])
            return "customer deleted"
        written = await pages.write_customers(store, sink, [body], revive=False, created=event == "created")
        return "customer written" if written else "ignored: customer deleted"
    if resource == "product":
        if event == "deleted":
            current = await _gone_or_current(client, f"products/{rid}")
            if current is None or current.get("status") == "trash":
                await sink.delete(store, Product, [rid])
                return "product deleted"
            body = current
        await pages.write_products(client, store, sink, [body])
        return "product written"
    return f"ignored: topic {topic}"


def parse_body(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
