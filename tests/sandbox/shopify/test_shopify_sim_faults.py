"""The Shopify simulator's fault switches, set over HTTP and from Python."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"
QUERY = {"query": "{ orders(first: 5) { nodes { id name } } }"}


@pytest.fixture
def state() -> ShopState:
    return ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")


@pytest.fixture
def client(state: ShopState) -> Iterator[httpx.Client]:
    token = state.issue_token()
    with (
        serve(create_app(state)) as base_url,
        httpx.Client(base_url=base_url, headers={"X-Shopify-Access-Token": token}) as c,
    ):
        yield c


def test_every_nth_request_gets_429_with_retry_after(client: httpx.Client, state: ShopState):
    assert client.post("/_sim/faults", json={"http_429_every_n": 3}).status_code == 200
    statuses = [client.post(GRAPHQL, json=QUERY) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 200, 200, 429]
    limited = statuses[2]
    assert limited.headers["retry-after"] == "1.0"
    assert limited.json() == {
        "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
    }
    assert state.faults.injected["429"] == 2


def test_a_server_error_burst_hits_the_next_n_requests_only(client: httpx.Client):
    client.post("/_sim/faults", json={"server_error_burst": 3})
    answers = [client.post(GRAPHQL, json=QUERY) for _ in range(4)]
    assert all(r.status_code in (500, 502, 503) for r in answers[:3])
    assert answers[0].headers["content-type"].startswith("text/html")
    assert "<html>" in answers[0].text
    assert answers[3].status_code == 200 and answers[3].json()["data"]["orders"]["nodes"]


def test_truncated_bodies_look_fine_until_parsed(client: httpx.Client, state: ShopState):
    state.faults.set(truncate_next_n=1)
    cut = client.post(GRAPHQL, json=QUERY)
    assert cut.status_code == 200
    assert cut.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert client.post(GRAPHQL, json=QUERY).json()["data"]["orders"]["nodes"]


def test_slow_responses_are_delayed(client: httpx.Client, state: ShopState):
    state.faults.set(slow_ms=300)
    started = time.monotonic()
    assert client.post(GRAPHQL, json=QUERY).status_code == 200
    assert time.monotonic() - started >= 0.3
    state.faults.clear()
    assert client.get("/_sim/faults").json()["slow_ms"] == 0


def test_faults_leave_oauth_and_simulator_routes_alone(client: httpx.Client):
    client.post("/_sim/faults", json={"server_error_burst": 5})
    assert client.get("/_sim/state").status_code == 200
    refused = client.post("/admin/oauth/access_token", data={"client_id": "k", "client_secret": "s", "code": "x"})
    assert refused.status_code == 400  # a real answer, not an injected 5xx
    assert client.get("/_sim/faults").json()["server_error_burst"] == 5


def test_unknown_switches_are_refused(client: httpx.Client):
    response = client.post("/_sim/faults", json={"explode": True})
    assert response.status_code == 400
