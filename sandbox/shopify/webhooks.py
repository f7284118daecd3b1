"""Webhook subscriptions and signed deliveries, with Shopify's failure behaviour on demand.

A change *triggers* an event (topic + REST payload, serialized once, at trigger time);
every subscription on that topic gets its own *delivery* (own ``X-Shopify-Webhook-Id``,
shared ``X-Shopify-Event-Id``), addressed to the subscription's URI as it was then.
``deliver_pending`` POSTs the deliveries that are due. A delivery fails on a non-2xx
answer (3xx included), a connection error or the 5 s timeout, and is retried on the
documented schedule (8 retries over 4 hours, compressed by ``retry_time_scale``) with the
original body and webhook id. A subscription created through the Admin API is deleted
once its deliveries have failed ``webhook_max_consecutive_failures`` (8) times in a row;
subscriptions declared in the app configuration are never deleted.

Chaos options: ``duplicate_rate`` sends some deliveries twice (same webhook id),
``shuffle`` sends in random order, ``bad_signature_rate`` sends a forged copy (wrong
secret, same headers otherwise) ahead of some genuine deliveries; a forged copy answered
with 2xx is counted as ``bad_signature_accepted``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from .records import gid
from .rest import RestViews

if TYPE_CHECKING:
    from .state import ShopState

TOPIC_SCOPES: dict[str, str | None] = {
    "APP_UNINSTALLED": None,
    "BULK_OPERATIONS_FINISH": None,
    "SHOP_UPDATE": None,
    "CUSTOMERS_CREATE": "read_customers",
    "CUSTOMERS_DELETE": "read_customers",
    "CUSTOMERS_UPDATE": "read_customers",
    "ORDERS_CANCELLED": "read_orders",
    "ORDERS_CREATE": "read_orders",
    "ORDERS_PAID": "read_orders",
    "ORDERS_UPDATED": "read_orders",
    "REFUNDS_CREATE": "read_orders",
    "PRODUCTS_CREATE": "read_products",
    "PRODUCTS_DELETE": "read_products",
    "PRODUCTS_UPDATE": "read_products",
}
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
FORGED_SECRET = "not-the-app-secret"


def topic_enum(topic: str) -> str:
    """``orders/create`` -> ``ORDERS_CREATE``."""
    return topic.replace("/", "_").upper()


def topic_rest(enum: str) -> str:
    """``ORDERS_CREATE`` -> ``orders/create`` (the first underscore is the slash)."""
    head, _, tail = enum.lower().partition("_")
    return f"{head}/{tail}"


def webhook_hmac(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body, keyed with the app secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _ms_z(value: datetime) -> str:
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


@dataclass
class Subscription:
    id: int
    topic: str  # WebhookSubscriptionTopic
    uri: str
    api_version: str
    created_at: datetime
    updated_at: datetime
    source: str = "api"  # api | app (shopify.app.toml)
    format: str = "JSON"
    include_fields: list[str] = field(default_factory=list)
    filter: str | None = None
    consecutive_failures: int = 0

    @property
    def gid(self) -> str:
        return gid("WebhookSubscription", self.id)


@dataclass
class Event:
    event_id: str
    topic: str  # REST name, e.g. orders/create
    payload: dict[str, Any]
    triggered_at: datetime


@dataclass
class Delivery:
    webhook_id: str
    event: Event
    subscription_id: int
    uri: str
    api_version: str
    body: bytes
    due_at: datetime
    attempts: int = 0
    status: str = "pending"  # pending | sending | delivered | exhausted | dropped
    outcomes: list[str] = field(default_factory=list)


class Webhooks:
    """The shop's subscriptions, events and delivery queue."""

    def __init__(self, state: ShopState) -> None:
        self.state = state
        self.rest = RestViews(state)
        self.subscriptions: dict[int, Subscription] = {}
        self.events: list[Event] = []
        self.deliveries: list[Delivery] = []
        self.deleted_subscriptions: list[tuple[str, str]] = []  # (gid, reason)
        self.compliance_log: list[dict[str, Any]] = []
        self._dropped: set[int] = set()  # subscriptions deleted for failing: no more retries
        self._rng = random.Random(f"shopify-sim:{state.seed}:webhooks")

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    # -- subscriptions ------------------------------------------------------------------------------

    def subscribe(
        self,
        topic: str,
        uri: str,
        *,
        source: str = "api",
        api_version: str | None = None,
        include_fields: list[str] | None = None,
        filter: str | None = None,
    ) -> Subscription:
        """Add a subscription (``topic`` as enum or REST name); ``source="app"`` for toml ones."""
        enum = topic if topic.isupper() else topic_enum(topic)
        now = self.state.now().replace(microsecond=0)
        sub = Subscription(
            id=self.state.next_id("webhook_subscription"),
            topic=enum,
            uri=uri,
            api_version=api_version or self.state.settings.api_version,
            created_at=now,
            updated_at=now,
            source=source,
            include_fields=list(include_fields or []),
            filter=filter,
        )
        with self.state.lock:
            self.subscriptions[sub.id] = sub
        return sub

    def unsubscribe(self, subscription_id: int, reason: str = "deleted") -> bool:
        with self.state.lock:
            sub = self.subscriptions.pop(subscription_id, None)
            if sub is not None:
                self.deleted_subscriptions.append((sub.gid, reason))
            return sub is not None

    # -- events ---------------------------------------------------------------------------------------

    def trigger(self, topic: str, payload: dict[str, Any]) -> Event:
        """Record an event and queue one delivery per subscription on its topic."""
        with self.state.lock:
            now = self.state.now()
            event = Event(self._uuid(), topic, payload, now)
            self.events.append(event)
            enum = topic_enum(topic)
            for sub in self.subscriptions.values():
                if sub.topic != enum:
                    continue
                body_obj = payload
                if sub.include_fields:
                    body_obj = {k: v for k, v in payload.items() if k in sub.include_fields}
                body = json.dumps(body_obj, separators=(",", ":"), ensure_ascii=False).encode()
                self.deliveries.append(Delivery(self._uuid(), event, sub.id, sub.uri, sub.api_version, body, now))
            return event

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == "pending"]

    def headers(self, delivery: Delivery, secret: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": delivery.event.topic,
            "X-Shopify-Hmac-Sha256": webhook_hmac(delivery.body, secret),
            "X-Shopify-Shop-Domain": self.state.settings.shop_domain,
            "X-Shopify-API-Version": delivery.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Triggered-At": _ms_z(delivery.event.triggered_at),
            "X-Shopify-Event-Id": delivery.event.event_id,
        }

    # -- sending --------------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        s = self.state.settings
        return httpx.AsyncClient(
            timeout=httpx.Timeout(s.webhook_timeout, connect=s.webhook_connect_timeout),
            follow_redirects=False,
        )

    @staticmethod
    async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> str:
        """Outcome word: the status code, ``timeout`` or ``error``."""
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError:
            return "error"
        return str(response.status_code)

    async def deliver_pending(
        self,
        *,
        duplicate_rate: float = 0.0,
        shuffle: bool = False,
        bad_signature_rate: float = 0.0,
        seed: int = 0,
        concurrency: int = 8,
    ) -> dict[str, Any]:
        """Send every due delivery once (plus chaos copies); returns what happened."""
        rng = random.Random(f"shopify-sim:{seed}:deliver")
        self.state.bulk.refresh()  # a finished bulk operation announces itself
        with self.state.lock:
            now = self.state.now()
            due = [d for d in self.deliveries if d.status == "pending" and d.due_at <= now]
            for d in due:  # in flight: a concurrent call must not send them again
                d.attempts += 1
                d.status = "sending"
        plan: list[tuple[Delivery, str]] = []
        for d in due:
            if bad_signature_rate and rng.random() < bad_signature_rate:
                plan.append((d, "forged"))
            plan.append((d, "genuine"))
            if duplicate_rate and rng.random() < duplicate_rate:
                plan.append((d, "duplicate"))
        if shuffle:
            rng.shuffle(plan)
        secret = self.state.settings.api_secret
        gate = asyncio.Semaphore(max(1, concurrency))

        async def send(d: Delivery, kind: str, client: httpx.AsyncClient) -> str:
            key = FORGED_SECRET if kind == "forged" else secret
            async with gate:
                return await self._post(client, d.uri, d.body, self.headers(d, key))

        async with self._client() as client:
            outcomes = await asyncio.gather(*(send(d, k, client) for d, k in plan))
        return self._settle(plan, outcomes)

    def _settle(self, plan: list[tuple[Delivery, str]], outcomes: list[str]) -> dict[str, Any]:
        report: dict[str, Any] = {
            "sent": len(plan),
            "delivered": 0,
            "duplicates": 0,
            "bad_signatures": 0,
            "bad_signature_accepted": 0,
            "failed": 0,
            "exhausted": 0,
            "subscriptions_deleted": [],
            "status_counts": Counter(),
        }
        settings = self.state.settings
        with self.state.lock:
            now = self.state.now()
            for (d, kind), outcome in zip(plan, outcomes, strict=True):
                report["status_counts"][outcome] += 1
                ok = outcome.isdigit() and 200 <= int(outcome) < 300
                if kind == "forged":
                    report["bad_signatures"] += 1
                    report["bad_signature_accepted"] += int(ok)
                    continue
                if kind == "duplicate":
                    report["duplicates"] += 1
                    continue
                d.outcomes.append(outcome)
                sub = self.subscriptions.get(d.subscription_id)
                if ok:
                    d.status = "delivered"
                    report["delivered"] += 1
                    if sub:
                        sub.consecutive_failures = 0
                    continue
                report["failed"] += 1
                d.status = "pending"
                if d.subscription_id in self._dropped:
                    d.status = "dropped"
                elif d.attempts > len(settings.retry_schedule):
                    d.status = "exhausted"
                    report["exhausted"] += 1
                else:
                    delay = settings.retry_schedule[d.attempts - 1] * settings.retry_time_scale
                    d.due_at = now + timedelta(seconds=delay)
                if sub is None:
                    continue
                sub.consecutive_failures += 1
                limit = settings.webhook_max_consecutive_failures
                if sub.source == "api" and sub.consecutive_failures >= limit:
                    self.unsubscribe(sub.id, reason=f"{limit} consecutive delivery failures")
                    self._dropped.add(sub.id)
                    report["subscriptions_deleted"].append(sub.gid)
                    for other in self.deliveries:
                        if other.subscription_id == sub.id and other.status == "pending":
                            other.status = "dropped"
            report["pending"] = sum(d.status == "pending" for d in self.deliveries)
        report["status_counts"] = dict(report["status_counts"])
        return report

    async def drain(self, *, max_rounds: int = 20, **options: Any) -> list[dict[str, Any]]:
        """Deliver until nothing is pending (waiting for retries to come due); the round reports."""
        reports = []
        for _ in range(max_rounds):
            with self.state.lock:
                pending = self.pending()
                if not pending:
                    break
                wait = (min(d.due_at for d in pending) - self.state.now()).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, 5.0))
            reports.append(await self.deliver_pending(**options))
        return reports

    # -- compliance -------------------------------------------------------------------------------------

    def compliance_payload(self, topic: str, customer_id: int | None = None) -> dict[str, Any]:
        """A realistic payload for one of the three mandatory privacy topics."""
        s = self.state.settings
        base: dict[str, Any] = {"shop_id": 1, "shop_domain": s.shop_domain}
        if topic == "shop/redact":
            return base
        if customer_id is None:
            customer_id = next(iter(sorted(self.state.orders_by_customer)), None)
        customer = self.state.customers.get(customer_id) if customer_id else None
        orders = [o.id for o in self.state.customer_orders(customer_id)] if customer_id else []
        who = {
            "id": customer_id,
            "email": customer.email if customer else None,
            "phone": customer.phone if customer else None,
        }
        if topic == "customers/data_request":
            return {
                **base,
                "orders_requested": orders,
                "customer": who,
                "data_request": {"id": self.state.rng.randrange(1, 10**6)},
            }
        return {**base, "customer": who, "orders_to_redact": orders}

    async def send_compliance(
        self,
        topic: str,
        payload: dict[str, Any] | None = None,
        *,
        uri: str | None = None,
        bad_signature: bool = False,
    ) -> dict[str, Any]:
        """POST one compliance webhook to ``uri`` (default ``settings.compliance_uri``)."""
        if topic not in COMPLIANCE_TOPICS:
            raise ValueError(f"{topic!r} is not a compliance topic")
        target = uri or self.state.settings.compliance_uri
        if not target:
            raise ValueError("no compliance uri: pass uri= or set settings.compliance_uri")
        body_obj = payload if payload is not None else self.compliance_payload(topic)
        body = json.dumps(body_obj, separators=(",", ":"), ensure_ascii=False).encode()
        with self.state.lock:
            now = self.state.now()
            event = Event(self._uuid(), topic, body_obj, now)
            delivery = Delivery(
                self._uuid(),
                event,
                0,
                target,
                self.state.settings.api_version,
                body,
                now,
                attempts=1,
            )
        secret = FORGED_SECRET if bad_signature else self.state.settings.api_secret
        async with self._client() as client:
            outcome = await self._post(client, target, body, self.headers(delivery, secret))
        record = {
            "topic": topic,
            "status": outcome,
            "webhook_id": delivery.webhook_id,
            "payload": body_obj,
            "bad_signature": bad_signature,
        }
        self.compliance_log.append(record)
        return record
