"""The Shopify simulator's webhooks: subscriptions, signed deliveries, retries and chaos."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app, webhook_hmac

SECRET = "hook-secret"
GRAPHQL = "/admin/api/2026-10/graphql.json"
CREATE = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri } userErrors { field message } } }"""


@dataclass
class Receiver:
    """A small app that records what arrives and answers with ``status`` (after ``delay``)."""

    secret: str
    status: int = 200
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            given = request.headers.get("x-shopify-hmac-sha256", "")
            expected = base64.b64encode(hmac.new(self.secret.encode(), raw, hashlib.sha256).digest()).decode()
            valid = hmac.compare_digest(given, expected)
            self.received.append(
                {
                    "headers": dict(request.headers),
                    "body": raw,
                    "valid": valid,
                    "path": request.url.path,
                }
            )
            if self.delay:
                await asyncio.sleep(self.delay)
            if not valid:
                return Response(status_code=401)
            return Response(status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])

    def genuine(self) -> list[dict[str, Any]]:
        return [r for r in self.received if r["valid"]]


@pytest.fixture
def state() -> ShopState:
    s = ShopState.from_dataset("sample", 7, api_key="hook-key", api_secret=SECRET)
    s.settings.retry_time_scale = 0.0  # retries are due at once
    return s


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver(SECRET)
    with serve(r.app()) as url:
        yield r, url


@pytest.fixture
def shop(state: ShopState) -> Iterator[tuple[str, str]]:
    token = state.issue_token()
    with serve(create_app(state)) as url:
        yield url, token


async def subscribe(shop: tuple[str, str], topic: str, uri: str, version: str = "2026-10") -> dict[str, Any]:
    url, token = shop
    async with httpx.AsyncClient(base_url=url, headers={"X-Shopify-Access-Token": token}) as c:
        r = await c.post(
            f"/admin/api/{version}/graphql.json",
            json={"query": CREATE, "variables": {"topic": topic, "uri": uri}},
        )
    return r.json()["data"]["webhookSubscriptionCreate"]


def test_body_signature_matches_the_platform_fact_sheet_vector():
    body = b'{"id":820982911946154508,"email":"jon@example.com"}'
    assert webhook_hmac(body, "test_secret") == "oP+WUOeW/bj0Rfyjlbw7Odl0jaHsZZryiuyPvq93VNM="


async def test_subscriptions_are_created_listed_and_deleted_through_graphql(shop, state: ShopState):
    created = await subscribe(shop, "ORDERS_CREATE", "https://hooks.example/orders")
    assert created["userErrors"] == []
    sub = created["webhookSubscription"]
    assert sub["topic"] == "ORDERS_CREATE" and sub["id"].startswith("gid://shopify/WebhookSubscription/")
    dup = await subscribe(shop, "ORDERS_CREATE", "https://hooks.example/orders")
    assert dup["webhookSubscription"] is None and dup["userErrors"][0]["field"] == [
        "webhookSubscription",
        "uri",
    ]
    bad = await subscribe(shop, "ORDERS_CREATE", "not a url")
    assert bad["userErrors"][0]["message"] == "Address is invalid"
    url, token = shop
    async with httpx.AsyncClient(base_url=url, headers={"X-Shopify-Access-Token": token}) as c:
        listed = (
            await c.post(
                GRAPHQL,
                json={"query": "{ webhookSubscriptions(first: 10) { nodes { id topic uri } } }"},
            )
        ).json()
        assert listed["data"]["webhookSubscriptions"]["nodes"] == [sub]
        gone = (
            await c.post(
                GRAPHQL,
                json={
                    "query": "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }",
                    "variables": {"id": sub["id"]},
                },
            )
        ).json()
    assert gone["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub["id"]
    assert state.webhooks.subscriptions == {}


async def test_changes_are_delivered_signed_with_shopify_headers(shop, receiver, state: ShopState):
    rec, url = receiver
    await subscribe(shop, "ORDERS_CREATE", f"{url}/orders", version="2026-07")
    await subscribe(shop, "ORDERS_PAID", f"{url}/paid")
    new = state.changes.add_orders(4, authorized_rate=0.0)
    report = await state.webhooks.deliver_pending()
    assert report["delivered"] == report["sent"] == 8 and report["failed"] == 0
    assert len(rec.genuine()) == 8
    created = [r for r in rec.received if r["path"] == "/orders"]
    payloads = [json.loads(r["body"]) for r in created]
    assert sorted(p["id"] for p in payloads) == sorted(new)
    headers = created[0]["headers"]
    assert headers["x-shopify-topic"] == "orders/create"
    assert headers["x-shopify-shop-domain"] == "northwind.myshopify.com"
    assert headers["x-shopify-api-version"] == "2026-07"  # the version the subscription was made with
    assert headers["x-shopify-triggered-at"].endswith("Z")
    assert len({r["headers"]["x-shopify-webhook-id"] for r in rec.received}) == 8
    # one event, two topics -> different events; paid and create of one order differ in event id
    order = payloads[0]
    assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    assert order["financial_status"] == "paid" and isinstance(order["total_price"], str)
    assert order["line_items"] and isinstance(order["line_items"][0]["price"], str)
    assert order["created_at"][-6] in "+-"  # shop-local time with an offset
    assert (await state.webhooks.deliver_pending())["sent"] == 0


async def test_chaos_duplicates_keep_the_webhook_id_and_forged_copies_are_counted(shop, receiver, state: ShopState):
    rec, url = receiver
    await subscribe(shop, "CUSTOMERS_CREATE", f"{url}/customers")
    state.changes.add_customers(20)
    report = await state.webhooks.deliver_pending(duplicate_rate=0.5, bad_signature_rate=0.3, shuffle=True, seed=3)
    assert report["delivered"] == 20
    assert report["duplicates"] > 0 and report["bad_signatures"] > 0
    assert report["bad_signature_accepted"] == 0  # the receiver answered 401 to every forged copy
    assert report["sent"] == 20 + report["duplicates"] + report["bad_signatures"]
    assert report["status_counts"]["401"] == report["bad_signatures"]
    genuine = rec.genuine()
    ids = [r["headers"]["x-shopify-webhook-id"] for r in genuine]
    assert len(ids) == 20 + report["duplicates"] and len(set(ids)) == 20


async def test_failed_deliveries_are_retried_with_the_same_id(shop, receiver, state: ShopState):
    rec, url = receiver
    await subscribe(shop, "PRODUCTS_UPDATE", f"{url}/products")
    state.changes.update_products(1)
    rec.status = 500
    first = await state.webhooks.deliver_pending()
    assert first["failed"] == 1 and first["pending"] == 1
    rec.status = 200
    second = await state.webhooks.deliver_pending()
    assert second["delivered"] == 1 and second["pending"] == 0
    ids = {r["headers"]["x-shopify-webhook-id"] for r in rec.received}
    bodies = {r["body"] for r in rec.received}
    assert len(ids) == 1 and len(bodies) == 1


async def test_retry_waits_for_the_compressed_schedule(shop, receiver, state: ShopState):
    rec, url = receiver
    state.settings.retry_time_scale = 1.0  # real delays: first retry after 60 s
    await subscribe(shop, "PRODUCTS_UPDATE", f"{url}/products")
    state.changes.update_products(1)
    rec.status = 503
    await state.webhooks.deliver_pending()
    rec.status = 200
    assert (await state.webhooks.deliver_pending())["sent"] == 0
    state.advance(61)
    assert (await state.webhooks.deliver_pending())["delivered"] == 1


async def test_eight_consecutive_failures_delete_an_api_subscription(shop, receiver, state: ShopState):
    rec, url = receiver
    rec.status = 302  # a redirect is a failure too
    created = await subscribe(shop, "CUSTOMERS_UPDATE", f"{url}/customers")
    state.webhooks.subscribe("CUSTOMERS_UPDATE", f"{url}/toml", source="app")
    state.changes.update_customers(3)
    reports = [await state.webhooks.deliver_pending() for _ in range(3)]
    deleted = [gid for r in reports for gid in r["subscriptions_deleted"]]
    assert deleted == [created["webhookSubscription"]["id"]]
    remaining = list(state.webhooks.subscriptions.values())
    assert [s.source for s in remaining] == ["app"]  # app-config subscriptions stay
    api_id = int(deleted[0].rsplit("/", 1)[1])
    statuses = {(d.subscription_id == api_id, d.status) for d in state.webhooks.deliveries}
    assert statuses == {(True, "dropped"), (False, "pending")}  # toml deliveries keep retrying


async def test_a_slow_receiver_times_out(shop, receiver, state: ShopState):
    rec, url = receiver
    state.settings.webhook_timeout = 0.2
    rec.delay = 0.6
    await subscribe(shop, "ORDERS_UPDATED", f"{url}/o")
    state.changes.edit_orders(fraction=0.0001)
    report = await state.webhooks.deliver_pending()
    assert report["status_counts"] == {"timeout": 1} and report["failed"] == 1


async def test_compliance_webhooks_are_signed_and_forgeries_refused(receiver, state: ShopState):
    rec, url = receiver
    state.settings.compliance_uri = f"{url}/compliance"
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        record = await state.webhooks.send_compliance(topic)
        assert record["status"] == "200"
    request = json.loads(rec.received[0]["body"])
    assert request["shop_domain"] == "northwind.myshopify.com"
    assert request["customer"]["id"] in state.customers and request["orders_requested"]
    assert set(json.loads(rec.received[2]["body"])) == {"shop_id", "shop_domain"}
    forged = await state.webhooks.send_compliance("shop/redact", bad_signature=True)
    assert forged["status"] == "401"


async def test_uninstall_sends_app_uninstalled_and_revokes_tokens(shop, receiver, state: ShopState):
    rec, url = receiver
    await subscribe(shop, "APP_UNINSTALLED", f"{url}/uninstalled")
    base, token = shop
    async with httpx.AsyncClient(base_url=base) as c:
        assert (await c.post("/_sim/uninstall")).status_code == 200
        answer = await c.post(GRAPHQL, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": token})
    assert answer.status_code == 401
    await state.webhooks.deliver_pending()
    assert [r["headers"]["x-shopify-topic"] for r in rec.genuine()] == ["app/uninstalled"]
    assert json.loads(rec.received[0]["body"])["myshopify_domain"] == "northwind.myshopify.com"
