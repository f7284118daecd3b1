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


# -- free shipping ----------------------------------------------------------------------------------

CREATE_FREE_SHIPPING = """mutation($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { __typename ... on DiscountCodeFreeShipping { title status } } }
    userErrors { field message code } } }"""
READ_BY_CODE = """query($code: String!) { codeDiscountNodeByCode(code: $code) { id codeDiscount {
  __typename
  ... on DiscountCodeFreeShipping {
    title status startsAt endsAt usageLimit appliesOncePerCustomer appliesOnOneTimePurchase summary
    codes(first: 1) { nodes { code } }
    context { __typename ... on DiscountCustomers { customers { id } } ... on DiscountBuyerSelectionAll { all } }
    destinationSelection { __typename ... on DiscountCountryAll { allCountries }
                           ... on DiscountCountries { countries includeRestOfWorld } }
    minimumRequirement { ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } }
    maximumShippingPrice { amount } }
  ... on DiscountCodeBasic { title context { __typename } } } } }"""


def create_free_shipping(served: tuple[httpx.Client, str], **fields: Any) -> dict[str, Any]:
    client, token = served
    body = client.post(
        GRAPHQL,
        json={"query": CREATE_FREE_SHIPPING, "variables": {"input": fields}},
        headers={"X-Shopify-Access-Token": token},
    ).json()
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    return body["data"]["discountCodeFreeShippingCreate"] if body.get("data") else body


def read_code(served: tuple[httpx.Client, str], code: str) -> dict[str, Any] | None:
    client, token = served
    body = client.post(
        GRAPHQL, json={"query": READ_BY_CODE, "variables": {"code": code}}, headers={"X-Shopify-Access-Token": token}
    ).json()
    return body["data"]["codeDiscountNodeByCode"]


def shipping_reward(customer_id: int, code: str = "SHIP-7F3K9Q", **changes: Any) -> dict[str, Any]:
    return {
        "title": "Free shipping reward",
        "code": code,
        "startsAt": "2020-11-23T00:00:00Z",
        "endsAt": "2099-12-31T23:59:59Z",
        "context": {"customers": {"add": [f"gid://shopify/Customer/{customer_id}"]}},
        "destination": {"all": True},
        "minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}},
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        **changes,
    }


def test_a_free_shipping_code_for_one_customer_is_kept_and_read_back_as_created(served, state: ShopState):
    customer = next(iter(state.customers))
    payload = create_free_shipping(served, **shipping_reward(customer))
    assert payload["userErrors"] == []
    node = payload["codeDiscountNode"]
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeFreeShipping",
        "title": "Free shipping reward",
        "status": "ACTIVE",
    }
    read = read_code(served, "ship-7f3k9q")
    assert read is not None and read["id"] == node["id"]
    made = read["codeDiscount"]
    assert made["codes"]["nodes"] == [{"code": "SHIP-7F3K9Q"}]
    assert made["context"] == {
        "__typename": "DiscountCustomers",
        "customers": [{"id": f"gid://shopify/Customer/{customer}"}],
    }
    assert made["destinationSelection"] == {"__typename": "DiscountCountryAll", "allCountries": True}
    assert made["minimumRequirement"] == {"greaterThanOrEqualToSubtotal": {"amount": "25.0"}}
    assert (made["startsAt"], made["endsAt"]) == ("2020-11-23T00:00:00Z", "2099-12-31T23:59:59Z")
    assert made["usageLimit"] == 1 and made["appliesOncePerCustomer"] and made["appliesOnOneTimePurchase"]
    assert made["maximumShippingPrice"] is None
    assert made["summary"] == (
        "Free shipping on all products • For all countries • Minimum purchase of 25.00 USD • One use per customer"
    )
    # the basic codes answer their buyers through the same context field
    basic = read_code(served, "WELCOME10")
    assert basic["codeDiscount"] == {
        "__typename": "DiscountCodeBasic",
        "title": "Welcome 10% off",
        "context": {"__typename": "DiscountBuyerSelectionAll"},
    }


def test_a_free_shipping_code_names_its_countries_and_a_shipping_price_cap(served, state: ShopState):
    customer = next(iter(state.customers))
    listed = shipping_reward(
        customer,
        code="SHIP-EU",
        destination={"countries": {"add": ["FR", "DE"]}},
        maximumShippingPrice="12.50",
    )
    assert create_free_shipping(served, **listed)["userErrors"] == []
    made = read_code(served, "SHIP-EU")["codeDiscount"]
    assert made["destinationSelection"] == {
        "__typename": "DiscountCountries",
        "countries": ["DE", "FR"],
        "includeRestOfWorld": False,
    }
    assert made["maximumShippingPrice"] == {"amount": "12.5"}
    assert "For 2 countries" in made["summary"]


def test_a_free_shipping_code_is_refused_with_user_errors_when_taken_or_invalid(served, state: ShopState):
    customer = next(iter(state.customers))
    assert create(served, **winback(customer))["userErrors"] == []
    taken = create_free_shipping(served, **shipping_reward(customer, code="wb-7f3k9q"))
    assert taken["codeDiscountNode"] is None
    assert taken["userErrors"] == [
        {
            "field": ["freeShippingCodeDiscount", "code"],
            "message": "Code must be unique. Please try a different code.",
            "code": "TAKEN",
        }
    ]
    assert create_free_shipping(served, **shipping_reward(customer, code="SAVE5"))["userErrors"][0]["code"] == "TAKEN"
    bad = {
        **shipping_reward(customer, code="SHIP-BAD"),
        "title": "",
        "endsAt": "2019-01-01T00:00:00Z",
        "destination": {"countries": {"add": []}},
        "maximumShippingPrice": "-1",
        "usageLimit": 0,
    }
    del bad["context"]
    codes = {(tuple(e["field"]), e["code"]) for e in create_free_shipping(served, **bad)["userErrors"]}
    assert codes == {
        (("freeShippingCodeDiscount", "title"), "BLANK"),
        (("freeShippingCodeDiscount", "endsAt"), "END_DATE_BEFORE_START_DATE"),
        (("freeShippingCodeDiscount", "context"), "BLANK"),
        (("freeShippingCodeDiscount", "destination", "countries"), "BLANK"),
        (("freeShippingCodeDiscount", "maximumShippingPrice"), "GREATER_THAN_OR_EQUAL_TO"),
        (("freeShippingCodeDiscount", "usageLimit"), "GREATER_THAN"),
    }
    stranger = shipping_reward(customer, code="SHIP-X", context={"customers": {"add": ["gid://shopify/Customer/1"]}})
    assert create_free_shipping(served, **stranger)["userErrors"][0]["field"] == [
        "freeShippingCodeDiscount",
        "context",
        "customers",
        "add",
        "0",
    ]
    assert read_code(served, "SHIP-BAD") is None and read_code(served, "SHIP-X") is None


def test_creating_a_free_shipping_code_needs_write_discounts(served, state: ShopState):
    client, _ = served
    token = state.issue_token("read_orders")
    body = client.post(
        GRAPHQL,
        headers={"X-Shopify-Access-Token": token},
        json={"query": CREATE_FREE_SHIPPING, "variables": {"input": shipping_reward(next(iter(state.customers)))}},
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert state.discount_by_code("SHIP-7F3K9Q") is None


def test_an_order_uses_a_free_shipping_code_only_as_its_customer_once_and_where_it_ships(served, state: ShopState):
    customer = next(c for c in sorted(state.customers) if state.customers[c].address)
    country = state.customers[customer].address.country_code
    elsewhere = next(c for c in ("FR", "JP", "US") if c != country)
    create_free_shipping(served, **shipping_reward(customer, minimumRequirement=None))
    create_free_shipping(
        served, **shipping_reward(customer, code="SHIP-ABROAD", destination={"countries": {"add": [elsewhere]}})
    )
    other = sorted(state.customers)[-1]
    with pytest.raises(ValueError):  # not the customer the code is for
        state.changes.add_orders(1, customer_id=other, discount_code="SHIP-7F3K9Q")
    with pytest.raises(ValueError):  # the customer's address is not among the code's countries
        state.changes.add_orders(1, customer_id=customer, discount_code="SHIP-ABROAD")
    [oid] = state.changes.add_orders(1, customer_id=customer, discount_code="SHIP-7F3K9Q")
    order = state.orders[oid]
    assert order.discount_codes == ["SHIP-7F3K9Q"] and order.total_discount == Decimal(0)
    assert all(li.discount == 0 for li in order.lines)
    with pytest.raises(ValueError):  # used once
        state.changes.add_orders(1, customer_id=customer, discount_code="SHIP-7F3K9Q")
    rest = next(e.payload for e in state.webhooks.events if e.topic == "orders/create")
    assert rest["discount_codes"] == [{"code": "SHIP-7F3K9Q", "amount": "0.00", "type": "shipping"}]
    assert rest["discount_applications"][0]["target_type"] == "shipping_line"
