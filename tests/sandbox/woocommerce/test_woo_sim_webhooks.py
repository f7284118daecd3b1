"""WooCommerce simulator: webhook creation ping, signed deliveries, coalescing, failures."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.http_server import serve
from sandbox.woocommerce import WooState, signature


@dataclass
class Receiver:
    """A webhook endpoint that records what arrives; ``status[name]`` picks its answer."""

    url: str = ""
    calls: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)

    def by(self, name: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for n, h, b in self.calls if n == name]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    async def hook(request: Request) -> Response:
        name = request.path_params["name"]
        box.calls.append((name, dict(request.headers), await request.body()))
        return Response("ok", status_code=box.status.get(name, 200))

    app = Starlette(routes=[Route("/hook/{name}", hook, methods=["POST"])])
    with serve(app) as url:
        box.url = url
        yield box


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


async def create_hook(
    api: httpx.AsyncClient, receiver: Receiver, name: str, topic: str, secret: str = "s3cret"
) -> dict:
    r = await api.post(
        "webhooks",
        json={
            "name": name,
            "topic": topic,
            "delivery_url": f"{receiver.url}/hook/{name}",
            "secret": secret,
            "status": "active",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_signature_matches_the_documented_vector() -> None:
    body = b'{"id":727,"status":"processing"}'
    assert signature("wc_hook_secret", body) == "BjxvQbWx7pFn0CHvkZBvNZvH7dc+oj9UB/Fa3evjS0o="
    expected = base64.b64encode(hmac.new(b"wc_hook_secret", body, hashlib.sha256).digest()).decode()
    assert signature("wc_hook_secret", body) == expected


async def test_creation_answers_201_after_an_unsigned_ping(
    api: httpx.AsyncClient, receiver: Receiver, base_url: str
) -> None:
    hook = await create_hook(api, receiver, "ping", "order.updated")
    assert hook["status"] == "active" and hook["resource"] == "order" and hook["event"] == "updated"
    assert hook["secret"] == "s3cret"  # create answers in "edit" context
    assert "woocommerce_update_order" in hook["hooks"]
    ((headers, body),) = receiver.by("ping")
    assert body == f"webhook_id={hook['id']}".encode()
    assert headers["user-agent"].startswith("WooCommerce/") and "Hookshot (WordPress/" in headers["user-agent"]
    assert not [h for h in headers if h.startswith("x-wc-")]
    listed = (await api.get(f"webhooks/{hook['id']}")).json()
    assert "secret" not in listed


async def test_invalid_topic_and_url(api: httpx.AsyncClient) -> None:
    bad_topic = await api.post("webhooks", json={"topic": "order.exploded", "delivery_url": "https://x.test/"})
    bad_url = await api.post("webhooks", json={"topic": "order.created", "delivery_url": "ftp://x.test/"})
    missing = await api.post("webhooks", json={"name": "x"})
    assert bad_topic.status_code == 400 and bad_topic.json()["code"] == "woocommerce_rest_shop_webhook_invalid_topic"
    assert bad_url.status_code == 400 and bad_url.json()["code"] == "woocommerce_rest_shop_webhook_invalid_delivery_url"
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"


async def test_deliveries_are_signed_and_carry_the_rest_representation(
    state: WooState, api: httpx.AsyncClient, receiver: Receiver, base_url: str
) -> None:
    hook = await create_hook(api, receiver, "created", "order.created", secret="created-secret")
    new_ids = state.changes.add_orders(3)
    report = await state.deliver_pending()
    assert report["failed"] == 0 and report["duplicates"] == 0
    deliveries = receiver.by("created")[1:]  # [0] is the ping
    assert len(deliveries) == 3
    for headers, body in deliveries:
        assert headers["content-type"] == "application/json"
        assert headers["x-wc-webhook-source"] == base_url + "/"
        assert headers["x-wc-webhook-topic"] == "order.created"
        assert headers["x-wc-webhook-resource"] == "order"
        assert headers["x-wc-webhook-event"] == "created"
        assert headers["x-wc-webhook-id"] == str(hook["id"])
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-wc-webhook-delivery-id"])
        mac = hmac.new(b"created-secret", body, hashlib.sha256).digest()
        assert headers["x-wc-webhook-signature"] == base64.b64encode(mac).decode()
        assert b"\\/" in body  # wp_json_encode escapes slashes; verify the raw bytes
        order = json.loads(body)
        assert order == (await api.get(f"orders/{order['id']}")).json()
    assert sorted(json.loads(b)["id"] for _, b in deliveries) == new_ids


async def test_updates_coalesce_and_deletions_send_only_the_id(
    state: WooState, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await create_hook(api, receiver, "updated", "order.updated")
    await create_hook(api, receiver, "deleted", "order.deleted")
    state.changes.edit_orders(ids=[1020])
    state.changes.refund_orders(ids=[1020], partial=False)
    state.changes.edit_orders(ids=[1020, 1021])
    state.changes.delete_orders(ids=[1021])
    await state.deliver_pending()
    updates = [json.loads(b) for _, b in receiver.by("updated")[1:]]
    assert sorted(u["id"] for u in updates) == [1020, 1021]
    latest = next(u for u in updates if u["id"] == 1020)
    assert latest["status"] == "refunded" and latest["refunds"][0]["total"].startswith("-")
    assert next(u for u in updates if u["id"] == 1021)["status"] == "trash"  # built at delivery time
    assert [json.loads(b) for _, b in receiver.by("deleted")[1:]] == [{"id": 1021}]


async def test_seventh_consecutive_failure_disables_the_webhook(
    state: WooState, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status["failing"] = 500
    hook = await create_hook(api, receiver, "failing", "product.updated")
    for round_ in range(1, 8):
        state.changes.update_products(1)
        report = await state.deliver_pending()
        assert report["failed"] == 1 and report["status_counts"] == {"500": 1}
        status = (await api.get(f"webhooks/{hook['id']}")).json()["status"]
        assert status == ("disabled" if round_ == 7 else "active"), round_
    state.changes.update_products(1)
    assert all(k[0] != hook["id"] for k in state.pending)  # disabled webhooks queue nothing
    receiver.status["failing"] = 200
    again = await api.put(f"webhooks/{hook['id']}", json={"status": "active"})
    assert again.json()["status"] == "active"
    assert state.webhooks[hook["id"]].failure_count == 6  # re-enabling does not reset it
    state.changes.update_products(1)
    assert (await state.deliver_pending())["failed"] == 0
    assert state.webhooks[hook["id"]].failure_count == 0


async def test_duplicates_shuffle_and_bad_signatures(
    state: WooState, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await create_hook(api, receiver, "noisy", "customer.updated", secret="noisy")
    ids = state.changes.update_customers(20)
    report = await state.deliver_pending(duplicate_rate=0.5, shuffle=True, bad_signature_rate=0.3, seed=3)
    received = receiver.by("noisy")[1:]
    assert report["sent"] == len(received) == 20 + report["duplicates"]
    assert report["duplicates"] > 0 and report["bad_signatures"] > 0
    valid = [b for h, b in received if h["x-wc-webhook-signature"] == signature("noisy", b)]
    assert len(received) - len(valid) >= report["bad_signatures"]
    assert {json.loads(b)["id"] for _, b in received} == set(ids)
    pairs = [(h["x-wc-webhook-delivery-id"], b) for h, b in received]
    assert len(set(pairs)) < len(pairs)  # duplicates repeat body and delivery id


async def test_delete_needs_force(api: httpx.AsyncClient, receiver: Receiver) -> None:
    hook = await create_hook(api, receiver, "gone", "coupon.created")
    soft = await api.delete(f"webhooks/{hook['id']}")
    hard = await api.delete(f"webhooks/{hook['id']}", params={"force": "true"})
    assert soft.status_code == 501 and soft.json()["code"] == "woocommerce_rest_trash_not_supported"
    assert hard.status_code == 200 and hard.json()["id"] == hook["id"]
    assert (await api.get(f"webhooks/{hook['id']}")).status_code == 400


async def test_deliver_endpoint_over_http(
    state: WooState, base_url: str, receiver: Receiver, api: httpx.AsyncClient
) -> None:
    await create_hook(api, receiver, "viahttp", "coupon.created")
    await api.post("coupons", json={"code": "HOOKED", "amount": "3"})
    async with httpx.AsyncClient(verify=False) as client:
        report = (await client.post(f"{base_url}/_sim/webhooks/deliver", json={"concurrency": 2})).json()
    await asyncio.sleep(0)
    assert report["sent"] >= 1
    assert json.loads(receiver.by("viahttp")[1][1])["code"] == "hooked"
