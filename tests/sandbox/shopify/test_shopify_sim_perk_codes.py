"""The Shopify simulator and a tier perk's code: free shipping for one customer with no usage
limit, used on every order of that customer and by nobody else, until ``discountCodeDelete``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app
from tests.sandbox.shopify.test_shopify_sim_discounts import GRAPHQL, create_free_shipping, read_code

DELETE = (
    """mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { field message code } } }"""
)


@pytest.fixture
def state() -> ShopState:
    return ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")


@pytest.fixture
def served(state: ShopState) -> Iterator[tuple[httpx.Client, str]]:
    with serve(create_app(state)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c, state.issue_token("read_orders,read_customers,write_discounts")


def delete(served: tuple[httpx.Client, str], gid: str) -> dict:
    client, token = served
    body = client.post(
        GRAPHQL, json={"query": DELETE, "variables": {"id": gid}}, headers={"X-Shopify-Access-Token": token}
    ).json()
    return body["data"]["discountCodeDelete"]


def test_a_perk_code_without_usage_limit_serves_its_customer_on_every_order_until_deleted(served, state):
    member = next(c for c in sorted(state.customers) if state.customers[c].address)
    stranger = sorted(state.customers)[-1]
    payload = create_free_shipping(
        served,
        title="Gold free shipping",
        code="RP-FS-PERK1",
        startsAt="2020-01-01T00:00:00Z",
        context={"customers": {"add": [f"gid://shopify/Customer/{member}"]}},
        destination={"all": True},
        appliesOncePerCustomer=False,
    )
    assert payload["userErrors"] == []
    gid = payload["codeDiscountNode"]["id"]
    read = read_code(served, "RP-FS-PERK1")["codeDiscount"]
    assert read["usageLimit"] is None and read["appliesOncePerCustomer"] is False
    assert read["context"]["customers"] == [{"id": f"gid://shopify/Customer/{member}"}]
    orders = state.changes.add_orders(3, customer_id=member, discount_code="RP-FS-PERK1")
    assert all(state.orders[o].discount_codes == ["RP-FS-PERK1"] for o in orders)
    with pytest.raises(ValueError):
        state.changes.add_orders(1, customer_id=stranger, discount_code="RP-FS-PERK1")

    assert delete(served, gid) == {"deletedCodeDiscountId": gid, "userErrors": []}
    assert read_code(served, "RP-FS-PERK1") is None
    with pytest.raises(ValueError):
        state.changes.add_orders(1, customer_id=member, discount_code="RP-FS-PERK1")
    again = delete(served, gid)
    assert again["deletedCodeDiscountId"] is None and again["userErrors"][0]["message"] == "Discount does not exist"


def test_deleting_a_code_needs_write_discounts(served, state):
    client, _ = served
    member = sorted(state.customers)[0]
    payload = create_free_shipping(
        served,
        title="Gold free shipping",
        code="RP-FS-PERK2",
        startsAt="2020-01-01T00:00:00Z",
        context={"customers": {"add": [f"gid://shopify/Customer/{member}"]}},
        destination={"all": True},
    )
    gid = payload["codeDiscountNode"]["id"]
    reader = state.issue_token("read_orders")
    body = client.post(
        GRAPHQL, json={"query": DELETE, "variables": {"id": gid}}, headers={"X-Shopify-Access-Token": reader}
    ).json()
    assert body.get("errors") and read_code(served, "RP-FS-PERK2") is not None
    anonymous = client.post(GRAPHQL, json={"query": DELETE, "variables": {"id": gid}})
    assert anonymous.status_code == 401
