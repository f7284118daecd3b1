"""Outgoing events reach a real HTTP endpoint signed with HMAC-SHA256; failures are retried
with backoff, kept when they run out of tries, and replayable."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loyalty.events import SIGNATURE_HEADER, backoff, deliver_events, register_endpoint, replay
from loyalty.models import Delivery, DeliveryStatus
from loyalty.processing import process_orders
from loyalty.rules import Rules
from sandbox.http_server import serve
from tests.loyalty.helpers import at

pytestmark = pytest.mark.db


class Receiver:
    """A merchant's tool: records what arrives and answers with the status it is told to."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.statuses: list[int] = []

    async def hook(self, request: Request) -> Response:
        self.received.append((await request.body(), dict(request.headers)))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])


@pytest.fixture
def receiver():
    found = Receiver()
    with serve(found.app()) as url:
        found.url = f"{url}/hook"
        yield found


async def test_points_earned_is_delivered_signed_over_the_exact_body(shop, receiver):
    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, receiver.url, "whsec-1", ["points.earned"])
    cust, profile = await shop.customer(email="ann@example.org")
    await process_orders([await shop.order(cust, [("a", 42)], when=at(0))], now=at(0))
    result = await deliver_events(at(0))
    assert result.delivered == 1
    body, headers = receiver.received[0]
    expected = hmac.new(b"whsec-1", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER.lower()] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["type"] == "points.earned" and payload["data"]["points"] == 42
    assert payload["profile"] == {"id": profile, "email": "ann@example.org"}
    assert (await deliver_events(at(1))).delivered == 0


async def test_a_shopper_without_marketing_consent_is_announced_without_an_email(shop, receiver):
    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, receiver.url, "whsec-1", ["points.earned"])
    cust, profile = await shop.customer(email="bo@example.org", accepts_marketing=False)
    await process_orders([await shop.order(cust, [("a", 42)], when=at(0))], now=at(0))
    assert (await deliver_events(at(0))).delivered == 1
    body, _ = receiver.received[0]
    assert json.loads(body)["profile"] == {"id": profile, "email": None}
    assert b"bo@example.org" not in body


async def test_a_failing_endpoint_is_retried_with_backoff_kept_as_failed_and_replayable(shop, receiver):
    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, receiver.url, "whsec-2")
    cust, _ = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 10)], when=at(0))], now=at(0))
    receiver.statuses = [500, 503, 500]
    now = at(0)
    assert (await deliver_events(now, max_attempts=3)).retrying == 1
    delivery = await Delivery.get()
    assert delivery.next_attempt_at == now + backoff(1) and "HTTP 500" in delivery.last_error
    assert (await deliver_events(now + timedelta(seconds=1), max_attempts=3)).retrying == 0
    now = delivery.next_attempt_at
    assert (await deliver_events(now, max_attempts=3)).retrying == 1
    now = now + backoff(2)
    assert backoff(2) == 2 * backoff(1)
    assert (await deliver_events(now, max_attempts=3)).failed == 1
    delivery = await Delivery.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert await replay(merchant_id=shop.merchant.id, now=now) == 1
    assert (await deliver_events(now, max_attempts=3)).delivered == 1
    assert (await Delivery.get()).status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 4
    assert receiver.received[0][0] == receiver.received[-1][0]


async def test_an_unreachable_endpoint_counts_as_a_failed_attempt(shop):
    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, "http://127.0.0.1:9/closed", "whsec-3")
    cust, _ = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 10)], when=at(0))], now=at(0))
    assert (await deliver_events(at(0), max_attempts=1)).failed == 1
    assert "ConnectError" in (await Delivery.get()).last_error


async def test_events_nobody_listens_to_are_not_kept(shop):
    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, "http://127.0.0.1:9/x", "whsec-4", ["tier.changed"])
    cust, _ = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 10)], when=at(0))], now=at(0))
    assert await Delivery.all().count() == 0


async def test_ssrf_through_an_event_endpoint_at_an_internal_address_sends_nothing(shop, receiver):
    from app.jobs.loyalty import loyalty_deliver_events
    from app.settings import Settings
    from tests.support.servers import SECRET

    await shop.program(Rules())
    await register_endpoint(shop.merchant.id, receiver.url, "whsec-1", [])  # http://127.0.0.1:<port>/hook
    cust, _ = await shop.customer(email="ann@example.org")
    await process_orders([await shop.order(cust, [("a", 42)], when=at(0))], now=at(0))
    refused = await loyalty_deliver_events({"settings": Settings(secret_key=SECRET)})
    delivery = await Delivery.get()
    assert refused["delivered"] == 0 and receiver.received == []
    assert "not a public address" in delivery.last_error or "only https" in delivery.last_error
    await Delivery.filter(id=delivery.id).update(next_attempt_at=at(0))
    development = Settings(secret_key=SECRET, allow_http_sites=True, allow_site_networks=["127.0.0.0/8"])
    assert (await loyalty_deliver_events({"settings": development}))["delivered"] == 1
    assert len(receiver.received) == 1
