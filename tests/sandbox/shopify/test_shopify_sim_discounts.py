"""The Shopify simulator's ``discountCodeBasicCreate`` and codes used by later orders."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"
CREATE = """mutation($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic {
      title status usageLimit appliesOncePerCustomer codes(first: 1) { nodes { code } }
      customerGets { value { ... on DiscountPercentage { percentage }
                             ... on DiscountAmount { amount { amount } appliesOnEachItem } } } } } }
    userErrors { field message code } } }"""


@pytest.fixture
def state() -> ShopState:
    return ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")


@pytest.fixture
def served(state: ShopState) -> Iterator[tuple[httpx.Client, str]]:
    with serve(create_app(state)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c, state.issue_token("read_orders,read_customers,write_discounts")


def create(served: tuple[httpx.Client, str], **fields: Any) -> dict[str, Any]:
    client, token = served
    body = client.post(
        GRAPHQL,
        json={"query": CREATE, "variables": {"input": fields}},
        headers={"X-Shopify-Access-Token": token},
    ).json()
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    return body["data"]["discountCodeBasicCreate"] if body.get("data") else body


def winback(customer_id: int, code: str = "WB-7F3K9Q") -> dict[str, Any]:
    return {
        "title": "Winback 15%",
        "code": code,
        "startsAt": "2020-11-23T00:00:00Z",
        "endsAt": "2099-12-31T23:59:59Z",
        "context": {"customers": {"add": [f"gid://shopify/Customer/{customer_id}"]}},
        "customerGets": {"value": {"percentage": 0.15}, "items": {"all": True}},
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
    }


def test_a_code_is_created_kept_and_readable(served, state: ShopState):
    customer = next(iter(state.customers))
    payload = create(served, **winback(customer))
    assert payload["userErrors"] == []
    node = payload["codeDiscountNode"]
    assert node["id"].startswith("gid://shopify/DiscountCodeNode/")
    assert node["codeDiscount"]["codes"]["nodes"] == [{"code": "WB-7F3K9Q"}]
    assert node["codeDiscount"]["customerGets"]["value"] == {"percentage": 0.15}
    assert node["codeDiscount"]["status"] == "ACTIVE"
    stored = state.discount_by_code("wb-7f3k9q")
    assert stored is not None and stored.customer_ids == {customer} and stored.usage_limit == 1
    client, token = served
    read = client.post(
        GRAPHQL,
        headers={"X-Shopify-Access-Token": token},
        json={"query": '{ codeDiscountNodeByCode(code: "WB-7F3K9Q") { id } }'},
    ).json()
    assert read["data"]["codeDiscountNodeByCode"]["id"] == node["id"]


def test_a_duplicate_code_is_taken_whatever_its_case(served, state: ShopState):
    customer = next(iter(state.customers))
    assert create(served, **winback(customer))["userErrors"] == []
    again = create(served, **winback(customer, code="wb-7f3k9q"))
    assert again["codeDiscountNode"] is None
    assert again["userErrors"] == [
        {
            "field": ["basicCodeDiscount", "code"],
            "message": "Code must be unique. Please try a different code.",
            "code": "TAKEN",
        }
    ]
    assert create(served, **winback(customer, code="WELCOME10"))["userErrors"][0]["code"] == "TAKEN"


def test_invalid_input_comes_back_as_user_errors(served, state: ShopState):
    customer = next(iter(state.customers))
    bad = {
        **winback(customer),
        "code": "",
        "endsAt": "2019-01-01T00:00:00Z",
        "customerGets": {"value": {"percentage": 1.5}, "items": {"all": True}},
    }
    codes = {(tuple(e["field"]), e["code"]) for e in create(served, **bad)["userErrors"]}
    assert (("basicCodeDiscount", "code"), "BLANK") in codes
    assert (("basicCodeDiscount", "endsAt"), "END_DATE_BEFORE_START_DATE") in codes
    assert (
        ("basicCodeDiscount", "customerGets", "value", "percentage"),
        "VALUE_OUTSIDE_RANGE",
    ) in codes
    unknown = {
        **winback(customer, code="X1"),
        "context": {"customers": {"add": ["gid://shopify/Customer/1"]}},
    }
    assert create(served, **unknown)["userErrors"][0]["code"] == "INVALID"


def test_creating_a_code_needs_write_discounts(served, state: ShopState):
    client, _ = served
    token = state.issue_token("read_orders")
    body = client.post(
        GRAPHQL,
        headers={"X-Shopify-Access-Token": token},
        json={"query": CREATE, "variables": {"input": winback(next(iter(state.customers)))}},
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert state.discount_by_code("WB-7F3K9Q") is None


def test_new_orders_redeem_created_codes_within_their_limits(served, state: ShopState):
    customer = next(iter(state.customers))
    create(served, **winback(customer))
    fixed = {
        "title": "$10 off",
        "code": "TENOFF",
        "startsAt": "2020-01-01T00:00:00Z",
        "context": {"all": "ALL"},
        "customerGets": {
            "value": {"discountAmount": {"amount": "10.00", "appliesOnEachItem": False}},
            "items": {"all": True},
        },
        "minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": "1.00"}},
    }
    assert create(served, **fixed)["userErrors"] == []

    [oid] = state.changes.add_orders(1, customer_id=customer, discount_code="WB-7F3K9Q")
    order = state.orders[oid]
    assert order.discount_codes == ["WB-7F3K9Q"]
    gross = sum(li.original_total for li in order.lines)
    assert order.total_discount == (gross * Decimal("0.15")).quantize(Decimal("0.01"))
    with pytest.raises(ValueError, match="does not apply"):  # usage limit 1 reached
        state.changes.add_orders(1, customer_id=customer, discount_code="WB-7F3K9Q")
    other = sorted(state.customers)[-1]
    with pytest.raises(ValueError):  # not among the eligible customers
        state.changes.add_orders(1, customer_id=other, discount_code="WB-7F3K9Q")

    client, token = served
    body = client.post(
        GRAPHQL,
        headers={"X-Shopify-Access-Token": token},
        json={
            "query": "query($id: ID!) { order(id: $id) { discountCodes totalDiscountsSet { shopMoney { amount } } } }",
            "variables": {"id": f"gid://shopify/Order/{oid}"},
        },
    ).json()
    assert body["data"]["order"]["discountCodes"] == ["WB-7F3K9Q"]
    assert Decimal(body["data"]["order"]["totalDiscountsSet"]["shopMoney"]["amount"]) == order.total_discount
    rest = next(e.payload for e in state.webhooks.events if e.topic == "orders/create")
    assert rest["discount_codes"] == [{"code": "WB-7F3K9Q", "amount": str(order.total_discount), "type": "percentage"}]

    random_orders = state.changes.add_orders(30, discount_rate=1.0, guest_rate=0.0, new_customer_rate=0.0)
    used = {c for i in random_orders for c in state.orders[i].discount_codes}
    assert "TENOFF" in used  # created codes are preferred when a buyer is eligible
