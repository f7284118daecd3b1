"""WooCommerce simulator: host-level faults (429, 5xx bursts, slowness, truncated bodies)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox.woocommerce import WooState, serve_simulator


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


@pytest.fixture(scope="module")
def base_url(state: WooState) -> Iterator[str]:
    with serve_simulator(state, tls=True) as url:
        yield url


@pytest.fixture
async def api(state: WooState, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    state.faults.clear()
    key = state.create_api_key("read")
    async with httpx.AsyncClient(
        base_url=f"{base_url}/wp-json/wc/v3/",
        auth=(key.consumer_key, key.consumer_secret),
        verify=False,
    ) as client:
        yield client
    state.faults.clear()


async def test_every_third_request_is_429_with_retry_after(state: WooState, api: httpx.AsyncClient) -> None:
    state.faults.set(http_429_every_n=3)
    state.faults.requests_seen = 0
    statuses = [(await api.get("products", params={"per_page": 1})) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 200, 200, 429]
    limited = statuses[2]
    assert limited.headers["retry-after"] == "2"
    assert limited.headers["content-type"].startswith("text/html")
    assert "429 Too Many Requests" in limited.text


async def test_server_error_burst_then_recovery(state: WooState, api: httpx.AsyncClient) -> None:
    state.faults.set(server_error_burst=3)
    codes = [(await api.get("orders", params={"per_page": 1})).status_code for _ in range(4)]
    assert all(c in (500, 502, 503) for c in codes[:3]) and codes[3] == 200


async def test_truncated_body_is_invalid_json_with_a_matching_length(state: WooState, api: httpx.AsyncClient) -> None:
    state.faults.set(truncate_next_n=1)
    cut = await api.get("orders", params={"per_page": 5})
    whole = await api.get("orders", params={"per_page": 5})
    assert cut.status_code == 200 and whole.status_code == 200
    assert int(cut.headers["content-length"]) == len(cut.content) == len(whole.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert cut.headers["x-wp-total"] == whole.headers["x-wp-total"]


async def test_slow_responses_and_the_http_switch(base_url: str, api: httpx.AsyncClient, state: WooState) -> None:
    async with httpx.AsyncClient(verify=False) as client:
        r = await client.post(f"{base_url}/_sim/faults", json={"slow_ms": 300})
        assert r.json()["slow_ms"] == 300
        started = time.monotonic()
        await api.get("coupons")
        assert time.monotonic() - started >= 0.3
        untouched = await client.get(f"{base_url}/_sim/state")  # /_sim is never faulted
        assert untouched.status_code == 200
        await client.post(f"{base_url}/_sim/faults", json={"clear": True})
    assert state.faults.slow_ms == 0
