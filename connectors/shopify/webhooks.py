"""Webhook topics: which ones Rapport subscribes to, and subscribing a shop to them.

The mandatory privacy topics are not subscribed here: Shopify only takes them from the
app's configuration (``compliance_topics`` in ``shopify.app.toml``), pointed at the same
address. They are answered and recorded; acting on them belongs to the insights side,
which finds them as received deliveries of :data:`PRIVACY_TOPICS` (see ``handle_webhook``).
"""

from __future__ import annotations

import json

from connectors.shopify import queries
from connectors.shopify.client import GraphQLError, ShopifyGraphQL

TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "refunds/create",
    "customers/create",
    "customers/update",
    "customers/delete",
    "products/create",
    "products/update",
    "products/delete",
    "app/uninstalled",
)
PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
HEADER_HMAC = "x-shopify-hmac-sha256"
HEADER_TOPIC = "x-shopify-topic"
HEADER_SHOP = "x-shopify-shop-domain"
HEADER_ID = "x-shopify-webhook-id"
HEADER_TRIGGERED = "x-shopify-triggered-at"


def shop_in_body(body: bytes) -> str | None:
    """The ``shop_domain`` a privacy payload names (lower case), or ``None`` when it names none."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    domain = payload.get("shop_domain") if isinstance(payload, dict) else None
    return domain.strip().lower() if isinstance(domain, str) and domain.strip() else None


def topic_enum(topic: str) -> str:
    """``orders/create`` -> ``ORDERS_CREATE`` (GraphQL's ``WebhookSubscriptionTopic``)."""
    return topic.replace("/", "_").upper()


async def subscribe(gql: ShopifyGraphQL, uri: str, topics: tuple[str, ...] = TOPICS) -> list[str]:
    """Subscribe the shop to every topic at ``uri``; an existing subscription counts as done."""
    made = []
    for topic in topics:
        data = await gql.execute(
            queries.SUBSCRIBE,
            {"topic": topic_enum(topic), "sub": {"uri": uri, "format": "JSON"}},
            name="webhook:subscribe",
        )
        payload = data["webhookSubscriptionCreate"]
        errors = [e for e in payload.get("userErrors") or [] if "already been taken" not in e.get("message", "")]
        if errors:
            raise GraphQLError(f"subscribing to {topic}: " + "; ".join(e["message"] for e in errors), errors)
        if payload.get("webhookSubscription"):
            made.append(topic)
    return made
