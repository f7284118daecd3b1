"""The Shopify simulator's calculated query cost and leaky bucket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"
FROZEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def state() -> ShopState:
    s = ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")
    s.clock = lambda: FROZEN  # no refill unless the test advances the clock
    return s


@pytest.fixture
def served(state: ShopState) -> Iterator[tuple[httpx.Client, str]]:
    token = state.issue_token()
    with (
        serve(create_app(state)) as base_url,
        httpx.Client(base_url=base_url, headers={"X-Shopify-Access-Token": token}) as c,
    ):
        yield c, token


def cost_of(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    body = client.post(GRAPHQL, json={"query": query, "variables": variables}).json()
    return body["extensions"]["cost"]


@pytest.mark.parametrize(
    ("query", "requested"),
    [
        ("{ shop { name } }", 1),
        ("{ orders(first: 10) { nodes { id name } } }", 2 + 10 * 1),
        ("{ orders(first: 10) { edges { cursor node { id } } pageInfo { hasNextPage } } }", 12),
        (
            "{ orders(first: 10) { nodes { id totalPriceSet { shopMoney { amount } } } } }",
            2 + 10 * 3,
        ),
        (
            "{ orders(first: 10) { nodes { id customer { id } lineItems(first: 5) { nodes { id variant { id } } } } } }",
            2 + 10 * (1 + 1 + (2 + 5 * 2)),
        ),
        ("{ orders(first: 250) { nodes { id updatedAt } } }", 252),
        (
            'mutation { discountCodeDelete(id: "gid://shopify/DiscountCodeNode/1") { deletedCodeDiscountId } }',
            10,
        ),
    ],
)
def test_requested_cost_follows_the_documented_rules(served, query: str, requested: int):
    client, _ = served
    assert cost_of(client, query)["requestedQueryCost"] == requested


def test_actual_cost_counts_what_came_back_and_the_rest_is_refunded(served, state: ShopState):
    client, _ = served
    three = sorted(state.orders)[:3]
    query = "query($q: String) { orders(first: 50, query: $q) { nodes { id customer { id } } } }"
    cost = cost_of(client, query, q=" OR ".join(f"id:{n}" for n in three))
    guests = sum(state.orders[n].customer_id is None for n in three)
    assert cost["requestedQueryCost"] == 2 + 50 * 2
    assert cost["actualQueryCost"] == 2 + 3 * 2 - guests
    # frozen clock: the bucket is down by exactly the actual cost
    assert cost["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000 - cost["actualQueryCost"],
        "restoreRate": 100.0,
    }


def test_bucket_drains_refills_at_the_restore_rate_and_caps(served, state: ShopState):
    client, _ = served
    query = "{ orders(first: 250) { nodes { id } } }"
    levels = [cost_of(client, query)["throttleStatus"]["currentlyAvailable"] for _ in range(3)]
    assert levels == [2000 - 252, 2000 - 504, 2000 - 756]
    state.advance(2.0)
    level = cost_of(client, "{ shop { id } }")["throttleStatus"]["currentlyAvailable"]
    assert level == 2000 - 756 + 200 - 1
    state.advance(3600)
    assert cost_of(client, "{ shop { id } }")["throttleStatus"]["currentlyAvailable"] == 2000 - 1


def test_a_greedy_client_is_throttled_with_200_and_the_stats_show_it(served, state: ShopState):
    client, token = served
    query = "{ orders(first: 200) { nodes { id lineItems(first: 1) { nodes { id } } } } }"
    requested = 2 + 200 * (1 + 3)
    answers = [client.post(GRAPHQL, json={"query": query}) for _ in range(4)]
    assert all(r.status_code == 200 for r in answers)
    bodies = [r.json() for r in answers]
    assert "errors" not in bodies[0] and "errors" not in bodies[1]
    throttled = [b for b in bodies if "errors" in b]
    assert throttled, "a 2000-point bucket cannot pay for four 802-point queries at once"
    error = throttled[0]["errors"][0]
    assert error == {
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }
    assert "data" not in throttled[0]
    cost = throttled[0]["extensions"]["cost"]
    assert cost["requestedQueryCost"] == requested and cost["actualQueryCost"] is None
    stats = state.rate_stats(token)
    assert stats["requests"] == 4
    assert stats["throttled"] == len(throttled)
    assert stats["max_cost_drawn"] == requested
    assert stats["min_currently_available"] < requested  # what the client was shown
    assert stats["lowest_level"] == 2000 - 2 * requested
    assert state.rate_stats() == stats  # one app, one bucket


def test_the_bucket_is_shared_by_the_apps_tokens_unless_scoped_per_token(served, state: ShopState):
    client, token = served
    other = state.issue_token()
    query = {"query": "{ orders(first: 250) { nodes { id } } }"}
    client.post(GRAPHQL, json=query)
    shared = client.post(GRAPHQL, json=query, headers={"X-Shopify-Access-Token": other}).json()
    assert shared["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000 - 2 * 252
    state.settings.bucket_scope = "token"
    third = state.issue_token()
    alone = client.post(GRAPHQL, json=query, headers={"X-Shopify-Access-Token": third}).json()
    assert alone["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000 - 252


def test_a_query_over_1000_points_is_refused_before_running(served, state: ShopState):
    client, token = served
    body = client.post(
        GRAPHQL,
        json={"query": "{ orders(first: 250) { nodes { id customer { id } lineItems(first: 2) { nodes { id } } } } }"},
    ).json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["message"].startswith("Query cost is 1502, which exceeds the single query max cost limit (1000).")
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000
    assert state.rate_stats(token)["rejected_max_cost"] == 1


def test_throttle_bucket_fault_shrinks_the_bucket(served, state: ShopState):
    client, _ = served
    client.post("/_sim/faults", json={"throttle_bucket": {"maximum_available": 50, "restore_rate": 10}})
    first = client.post(GRAPHQL, json={"query": "{ orders(first: 40) { nodes { id } } }"}).json()
    assert first["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 50.0
    second = client.post(GRAPHQL, json={"query": "{ orders(first: 40) { nodes { id } } }"}).json()
    assert second["errors"][0]["extensions"]["code"] == "THROTTLED"
    state.advance(5)
    third = client.post(GRAPHQL, json={"query": "{ orders(first: 40) { nodes { id } } }"}).json()
    assert "errors" not in third
    client.post("/_sim/faults", json={"throttle_bucket": None})
    assert cost_of(client, "{ shop { id } }")["throttleStatus"]["maximumAvailable"] == 2000.0
