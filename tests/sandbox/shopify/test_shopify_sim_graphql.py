"""The Shopify simulator's Admin GraphQL: pagination, search, shapes, versions and auth."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"
ORDER_PAGE = """
query Page($after: String, $q: String, $sort: OrderSortKeys, $reverse: Boolean) {
  orders(first: 250, after: $after, query: $q, sortKey: $sort, reverse: $reverse) {
    nodes { id updatedAt }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.fixture
def state() -> ShopState:
    s = ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")
    s.settings.bucket_size = 10**9  # these tests are about data, not throttling
    s.settings.restore_rate = 10**9
    return s


@pytest.fixture
def client(state: ShopState) -> Iterator[httpx.Client]:
    token = state.issue_token("read_orders,read_customers,read_products,write_discounts")
    with (
        serve(create_app(state)) as base_url,
        httpx.Client(base_url=base_url, headers={"X-Shopify-Access-Token": token}, timeout=30) as c,
    ):
        yield c


def gql(client: httpx.Client, query: str, path: str = GRAPHQL, **variables: Any) -> dict[str, Any]:
    response = client.post(path, json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "cost" in body["extensions"]
    return body


def all_orders(client: httpx.Client, **variables: Any) -> list[dict[str, Any]]:
    out, after = [], None
    while True:
        body = gql(client, ORDER_PAGE, after=after, **variables)
        assert "errors" not in body, body["errors"]
        page = body["data"]["orders"]
        out.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def test_paging_at_250_visits_every_order_exactly_once(client: httpx.Client, state: ShopState):
    by_id = all_orders(client)
    by_updated = all_orders(client, sort="UPDATED_AT")
    expected = {f"gid://shopify/Order/{n}" for n in state.orders}
    for walk in (by_id, by_updated):
        ids = [o["id"] for o in walk]
        assert len(ids) == len(set(ids)) == state.counts()["orders"]
        assert set(ids) == expected
    stamps = [o["updatedAt"] for o in by_updated]
    assert stamps == sorted(stamps)


def test_cursors_are_opaque_base64_and_page_info_is_complete(client: httpx.Client):
    first = gql(client, ORDER_PAGE)["data"]["orders"]
    info = first["pageInfo"]
    assert info == {**info, "hasNextPage": True, "hasPreviousPage": False}
    json.loads(base64.b64decode(info["endCursor"]))  # opaque to clients, but well-formed
    second = gql(client, ORDER_PAGE, after=info["endCursor"])["data"]["orders"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    edges = gql(
        client,
        """{ orders(first: 3, reverse: true) {
        edges { cursor node { id } } pageInfo { startCursor endCursor } } }""",
    )["data"]["orders"]
    ids = [int(e["node"]["id"].rsplit("/", 1)[1]) for e in edges["edges"]]
    assert ids == sorted(ids, reverse=True)
    assert edges["pageInfo"]["startCursor"] == edges["edges"][0]["cursor"]
    back = gql(
        client,
        """query($b: String) { orders(last: 2, before: $b, reverse: true) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage } } }""",
        b=edges["edges"][2]["cursor"],
    )
    assert [n["id"] for n in back["data"]["orders"]["nodes"]] == [e["node"]["id"] for e in edges["edges"][:2]]
    assert back["data"]["orders"]["pageInfo"]["hasPreviousPage"] is False
    bad = gql(client, ORDER_PAGE, after="bm90IGEgY3Vyc29y")
    assert bad["errors"]


def test_updated_at_filters_select_exactly_the_changed_orders(client: httpx.Client, state: ShopState):
    cut = state.stamp()  # everything after this instant is a change
    edited = state.changes.edit_orders(fraction=0.01)
    cut_text = cut.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = all_orders(client, q=f"updated_at:>'{cut_text}'")
    assert sorted(int(o["id"].rsplit("/", 1)[1]) for o in after) == sorted(edited)
    assert len(all_orders(client, q=f"updated_at:>='{cut_text}'")) == len(edited)
    before = all_orders(client, q=f'updated_at:<"{cut_text}"')
    assert len(before) + len(edited) == len(state.orders)
    first_edit = min(state.orders[i].updated_at for i in edited).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(all_orders(client, q=f"updated_at:<='{first_edit}'")) == len(before) + 1
    # unquoted: the time part is ignored, so the whole day of the cut comes back too
    unquoted = all_orders(client, q=f"updated_at:>{cut_text}")
    assert len(unquoted) >= len(edited)
    combined = all_orders(client, q=f"updated_at:>'{cut_text}' AND financial_status:paid")
    assert {o["id"] for o in combined} <= {o["id"] for o in after}


def test_unknown_search_fields_are_ignored_with_a_warning(client: httpx.Client):
    body = gql(client, '{ orders(first: 1, query: "colour:red") { nodes { id } } }')
    assert body["data"]["orders"]["nodes"]
    warning = body["extensions"]["search"][0]
    assert warning["path"] == ["orders"] and warning["warnings"][0]["field"] == "colour"


def test_page_size_limits_are_graphql_errors(client: httpx.Client):
    too_big = gql(client, "{ orders(first: 251) { nodes { id } } }")
    assert "data" not in too_big and "250" in too_big["errors"][0]["message"]
    missing = gql(client, "{ orders { nodes { id } } }")
    assert missing["errors"][0]["message"] == "you must provide one of first or last"


def test_unsupported_versions_fall_forward_and_say_so(client: httpx.Client):
    current = client.post(GRAPHQL, json={"query": "{ shop { name } }"})
    assert current.headers["x-shopify-api-version"] == "2026-10"
    old = client.post("/admin/api/2025-01/graphql.json", json={"query": "{ shop { name } }"})
    assert old.status_code == 200
    assert old.headers["x-shopify-api-version"] == "2026-01"
    assert client.post("/admin/api/latest-ish/graphql.json", json={"query": "{ shop { name } }"}).status_code == 404


def test_a_bad_token_gets_401_with_shopifys_body(client: httpx.Client):
    for headers in ({"X-Shopify-Access-Token": "shpat_nope"}, {"X-Shopify-Access-Token": ""}):
        response = client.post(GRAPHQL, json={"query": "{ shop { name } }"}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


ORDER_SHAPE = """
query($id: ID!) { order(id: $id) {
  id name email phone createdAt updatedAt processedAt cancelledAt cancelReason test
  displayFinancialStatus displayFulfillmentStatus currencyCode discountCodes
  subtotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } } currentTotalPriceSet { shopMoney { amount } }
  totalRefundedSet { shopMoney { amount } }
  customer { id email numberOfOrders amountSpent { amount currencyCode } }
  billingAddress { address1 city provinceCode zip countryCodeV2 }
  shippingAddress { address1 countryCodeV2 }
  lineItems(first: 50) { nodes { id title quantity sku variant { id } product { id }
    originalUnitPriceSet { shopMoney { amount } } discountedUnitPriceSet { shopMoney { amount } }
    discountedTotalSet { shopMoney { amount } } totalDiscountSet { shopMoney { amount } } isGiftCard } }
  refunds(first: 5) { id createdAt note totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: 10) { nodes { id quantity lineItem { id } subtotalSet { shopMoney { amount } } } } }
} }
"""


def test_order_shape_money_strings_and_guest_orders(client: httpx.Client, state: ShopState):
    discounted = next(o for o in state.orders.values() if o.codes and o.customer_id)
    data = gql(client, ORDER_SHAPE, id=f"gid://shopify/Order/{discounted.id}")["data"]["order"]
    assert data["name"] == discounted.name
    assert data["createdAt"].endswith("Z") and "T" in data["createdAt"]
    assert data["displayFinancialStatus"] == "PAID" and data["currencyCode"] == "USD"
    assert data["discountCodes"] == discounted.discount_codes
    total = Decimal(data["totalPriceSet"]["shopMoney"]["amount"])
    assert isinstance(data["totalPriceSet"]["shopMoney"]["amount"], str)
    assert total == discounted.total
    assert Decimal(data["totalDiscountsSet"]["shopMoney"]["amount"]) == discounted.total_discount
    lines = data["lineItems"]["nodes"]
    line_sum = sum(Decimal(li["discountedTotalSet"]["shopMoney"]["amount"]) for li in lines)
    assert line_sum == Decimal(data["subtotalPriceSet"]["shopMoney"]["amount"]) == total
    assert all(li["variant"]["id"].startswith("gid://shopify/ProductVariant/") for li in lines)
    assert data["customer"]["id"] == f"gid://shopify/Customer/{discounted.customer_id}"
    assert isinstance(data["customer"]["numberOfOrders"], str)
    assert data["refunds"] == []

    guest = next(o for o in state.orders.values() if o.customer_id is None)
    data = gql(client, ORDER_SHAPE, id=f"gid://shopify/Order/{guest.id}")["data"]["order"]
    assert data["customer"] is None
    assert data["email"] == guest.email


def test_customer_and_product_shapes(client: httpx.Client, state: ShopState):
    customers = gql(
        client,
        """{ customers(first: 5, sortKey: UPDATED_AT) { nodes {
        id firstName lastName email phone defaultEmailAddress { emailAddress }
        defaultPhoneNumber { phoneNumber } numberOfOrders amountSpent { amount currencyCode }
        createdAt updatedAt tags state defaultAddress { address1 city provinceCode zip countryCodeV2 }
        emailMarketingConsent { marketingState } } } }""",
    )["data"]["customers"]["nodes"]
    for c in customers:
        record = state.customers[int(c["id"].rsplit("/", 1)[1])]
        assert c["defaultEmailAddress"]["emailAddress"] == record.email == c["email"]
        assert int(c["numberOfOrders"]) == len(state.customer_orders(record.id))
        assert Decimal(c["amountSpent"]["amount"]) == state.amount_spent(record.id)
        assert c["state"] in {"ENABLED", "DISABLED"}
        assert c["defaultAddress"]["countryCodeV2"] == "US"
    products = gql(
        client,
        """{ products(first: 3) { nodes { id title handle vendor productType
        status createdAt updatedAt variants(first: 5) { nodes { id title sku price compareAtPrice
        inventoryQuantity availableForSale } } } } }""",
    )["data"]["products"]["nodes"]
    variant = products[0]["variants"]["nodes"][0]
    assert isinstance(variant["price"], str) and Decimal(variant["price"]) > 0
    assert products[0]["status"] == "ACTIVE"


def test_node_lookups_counts_and_customer_orders(client: httpx.Client, state: ShopState):
    order = next(iter(state.orders.values()))
    body = gql(
        client,
        """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Order { name } } }""",
        ids=[f"gid://shopify/Order/{order.id}", "gid://shopify/Order/1"],
    )
    assert body["data"]["nodes"] == [
        {"id": f"gid://shopify/Order/{order.id}", "name": order.name},
        None,
    ]
    counts = gql(
        client,
        "{ ordersCount { count precision } customersCount { count } productsCount { count } }",
    )
    assert counts["data"]["ordersCount"] == {"count": len(state.orders), "precision": "EXACT"}
    assert counts["data"]["customersCount"]["count"] == len(state.customers)
    cid = next(iter(state.orders_by_customer))
    mine = gql(
        client,
        """query($id: ID!) { customer(id: $id) { orders(first: 50) { nodes { id } } } }""",
        id=f"gid://shopify/Customer/{cid}",
    )["data"]["customer"]["orders"]["nodes"]
    assert len(mine) == len(state.customer_orders(cid))


def test_filters_on_creation_date_and_status(client: httpx.Client, state: ShopState):
    day = datetime(1997, 3, 1, tzinfo=UTC)
    expected = sum(1 for o in state.orders.values() if day <= o.created_at < day + timedelta(days=1))
    body = gql(
        client,
        """{ ordersCount(query: "created_at:>='1997-03-01T00:00:00Z' created_at:<'1997-03-02T00:00:00Z'") { count } }""",
    )
    assert body["data"]["ordersCount"]["count"] == expected
    state.changes.cancel_orders(2)
    cancelled = gql(client, '{ ordersCount(query: "status:cancelled") { count } }')
    assert cancelled["data"]["ordersCount"]["count"] == 2
