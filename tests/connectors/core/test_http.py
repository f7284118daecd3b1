"""The platform client against a real server that misbehaves on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.core.http import (
    PlatformAuthError,
    PlatformHTTP,
    PlatformRejected,
    PlatformUnavailable,
    RetryPolicy,
    retry_after_seconds,
)
from sandbox.http_server import serve

script: list[Response] = []
seen: list[str] = []


async def scripted(request: Request) -> Response:
    seen.append(request.url.path)
    return script.pop(0) if script else JSONResponse({"ok": True})


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/{path:path}", scripted, methods=["GET", "POST"])])) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> PlatformHTTP:
    script.clear()
    seen.clear()
    return PlatformHTTP(base_url, policy=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05))


async def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(client):
    script.append(Response("slow down", status_code=429, headers={"Retry-After": "0.2"}))
    data, response = await client.json("GET", "/orders")
    assert data == {"ok": True} and response.status_code == 200
    assert client.stats.requests == 2 and client.stats.throttled == 1
    assert client.stats.waited >= 0.2


async def test_a_burst_of_5xx_and_a_truncated_body_are_retried(client):
    script.extend(
        [
            Response("oops", status_code=502),
            Response("oops", status_code=500),
            Response('{"orders": [1, 2', media_type="application/json"),
        ]
    )
    data, _ = await client.json("GET", "/orders")
    assert data == {"ok": True}
    assert client.stats.retries == 3 and seen == ["/orders"] * 4


async def test_retries_run_out_into_a_typed_unavailable_error(client):
    script.extend([Response("down", status_code=503)] * 4)
    with pytest.raises(PlatformUnavailable, match="failed 4 times, last: HTTP 503"):
        await client.json("GET", "/orders")


async def test_a_throttle_longer_than_the_cap_is_not_slept_through(client):
    script.append(Response("later", status_code=429, headers={"Retry-After": "3600"}))
    with pytest.raises(PlatformUnavailable, match="throttled for 3600s"):
        await client.json("GET", "/orders")
    assert client.stats.waited == 0


async def test_revoked_credentials_and_bad_requests_are_final(client):
    script.append(JSONResponse({"errors": "Invalid API key or access token"}, status_code=401))
    with pytest.raises(PlatformAuthError) as auth:
        await client.json("GET", "/orders")
    assert auth.value.status == 401 and "Invalid API key" in str(auth.value)
    script.append(JSONResponse({"code": "rest_invalid_param"}, status_code=400))
    with pytest.raises(PlatformRejected):
        await client.json("POST", "/coupons", json={})
    assert client.stats.retries == 0


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
