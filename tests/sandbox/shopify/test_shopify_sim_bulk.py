"""The Shopify simulator's bulk query operations and their JSONL files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"
RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = "{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url } }"
ORDERS_WITH_LINES = """{ orders(query: "%s") { edges { node { id updatedAt
  lineItems { edges { node { id quantity } } } } } } }"""


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


def gql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    return client.post(GRAPHQL, json={"query": query, "variables": variables}).json()


def finished(client: httpx.Client, timeout: float = 30.0) -> dict[str, Any]:
    """Poll ``currentBulkOperation`` until it leaves CREATED and RUNNING, as a client must."""
    deadline = time.monotonic() + timeout
    while True:
        op = gql(client, POLL)["data"]["currentBulkOperation"]
        if op["status"] not in ("CREATED", "RUNNING") or time.monotonic() > deadline:
            return op
        time.sleep(0.02)


def test_a_bulk_query_yields_every_order_and_line_as_jsonl(client: httpx.Client, state: ShopState):
    started = gql(client, RUN, q=ORDERS_WITH_LINES % "")["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    op = finished(client)
    assert op["id"] == started["bulkOperation"]["id"] and op["status"] == "COMPLETED"
    counts = state.counts()
    assert op["rootObjectCount"] == str(counts["orders"])
    assert op["objectCount"] == str(counts["orders"] + counts["lines"])
    download = httpx.get(op["url"])  # signed-URL style: no token needed
    assert int(op["fileSize"]) == len(download.content)
    rows = [json.loads(line) for line in download.text.splitlines()]
    orders = [r for r in rows if "__parentId" not in r]
    lines = [r for r in rows if "__parentId" in r]
    assert len(orders) == counts["orders"] and len(lines) == counts["lines"]
    seen: set[str] = set()
    for row in rows:  # a child line follows its parent
        if "__parentId" in row:
            assert row["__parentId"] in seen
        else:
            seen.add(row["id"])
    assert "lineItems" not in orders[0]


def test_a_bulk_query_honours_the_search_filter(client: httpx.Client, state: ShopState):
    cut = state.stamp().strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = state.changes.edit_orders(fraction=0.005)
    gql(client, RUN, q=ORDERS_WITH_LINES % f"updated_at:>'{cut}'")
    url = finished(client)["url"]
    rows = [json.loads(line) for line in httpx.get(url).text.splitlines()]
    ids = sorted(int(r["id"].rsplit("/", 1)[1]) for r in rows if "__parentId" not in r)
    assert ids == sorted(changed)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ shop { name } }", "at least one connection"),
        (
            "{ customers { edges { node { id orders { edges { node { id lineItems { edges { node { id } } } } } } } } } }",
            "nesting depth",
        ),
        ("{ orders { edges { node { lineItems { edges { node { id } } } } } } }", "'id'"),
        ("{ orders { edges { node { nope } } } }", "Invalid bulk query"),
    ],
)
def test_invalid_bulk_queries_are_user_errors(client: httpx.Client, query: str, message: str):
    payload = gql(client, RUN, q=query)["data"]["bulkOperationRunQuery"]
    assert payload["bulkOperation"] is None
    assert message in payload["userErrors"][0]["message"]
    assert payload["userErrors"][0]["code"] == "INVALID"


def test_one_operation_at_a_time_and_finish_is_announced(client: httpx.Client, state: ShopState):
    state.settings.bulk_delay_seconds = 30
    state.webhooks.subscribe("BULK_OPERATIONS_FINISH", "https://hooks.example/bulk")
    first = gql(client, RUN, q="{ products { edges { node { id title } } } }")
    op_id = first["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    busy = gql(client, RUN, q="{ products { edges { node { id } } } }")["data"]["bulkOperationRunQuery"]
    assert busy["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    time.sleep(0.5)  # long enough to write a few products' file; the shop clock has not moved
    waiting = gql(client, POLL)["data"]["currentBulkOperation"]
    assert waiting["status"] == "RUNNING" and waiting["url"] is None
    state.advance(31)
    assert finished(client)["status"] == "COMPLETED"
    [event] = [e for e in state.webhooks.events if e.topic == "bulk_operations/finish"]
    assert event.payload["admin_graphql_api_id"] == op_id
    assert event.payload["status"] == "completed" and event.payload["type"] == "query"


def test_a_bulk_query_without_its_scope_fails_with_access_denied_after_it_was_created(
    client: httpx.Client, state: ShopState
):
    client.headers["X-Shopify-Access-Token"] = state.issue_token("read_products")
    started = gql(client, RUN, q=ORDERS_WITH_LINES % "")["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    op = finished(client)
    assert (op["status"], op["errorCode"], op["url"]) == ("FAILED", "ACCESS_DENIED", None)
