"""The storefront API over HTTP: the shop for anyone with the key, and a shopper's own data only."""

from __future__ import annotations

import pytest

from schema.core.ids import to_gid
from store.models import Order, OrderLine
from tests.schema.conftest import admin, data, proxy_params, storefront

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

ME = """{ me { id email displayName orders(first: 5) { nodes { id name total { amount currencyCode }
          lines(first: 5) { nodes { id title quantity } } } } } }"""


async def _token(client, customer) -> str:
    made = data(
        await admin(
            client,
            """mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }""",
            {"id": to_gid("Customer", customer.id)},
        )
    )
    return made["shopperTokenCreate"]["token"]


async def test_anyone_with_the_store_key_sees_the_shop_and_no_shopper(client, world):
    found = data(await storefront(client, world.shopify, "{ shop { id name currencyCode } me { id } }"))
    assert found == {
        "shop": {
            "id": to_gid("Shop", world.shopify.id),
            "name": world.shopify.name,
            "currencyCode": world.shopify.currency,
        },
        "me": None,
    }


async def test_a_shopper_token_signs_the_shopper_in_to_their_own_orders(client, world):
    token = await _token(client, world.shopper)
    me = data(await storefront(client, world.shopify, ME, headers={"X-Rapport-Shopper-Token": token}))["me"]
    assert me["id"] == to_gid("Customer", world.shopper.id) and me["email"] == world.shopper.email
    mine = await Order.filter(customer_id=world.shopper.id).count()
    assert len(me["orders"]["nodes"]) == min(5, mine) > 0
    assert all(o["lines"]["nodes"] for o in me["orders"]["nodes"])


async def test_the_app_proxy_signature_signs_the_shopper_in_and_can_mint_a_token(client, world):
    params = proxy_params(world.shopper.platform_id)
    me = data(await client.post("/graphql/storefront", params=params, json={"query": "{ me { id } }"}))
    assert me["me"]["id"] == to_gid("Customer", world.shopper.id)
    minted = data(
        await client.post(
            "/graphql/storefront",
            params=proxy_params(world.shopper.platform_id),
            json={"query": "mutation { shopperTokenCreate(input: {ttlSeconds: 300}) { token userErrors { code } } }"},
        )
    )
    token = minted["shopperTokenCreate"]["token"]
    again = data(await storefront(client, world.shopify, "{ me { id } }", headers={"X-Rapport-Shopper-Token": token}))
    assert again["me"]["id"] == to_gid("Customer", world.shopper.id)
    anonymous = data(
        await client.post("/graphql/storefront", params=proxy_params(None), json={"query": "{ me { id } }"})
    )
    assert anonymous == {"me": None}


async def test_a_token_cannot_mint_another_token_only_the_app_proxy_can(client, world):
    token = await _token(client, world.shopper)
    refused = data(
        await storefront(
            client,
            world.shopify,
            "mutation { shopperTokenCreate(input: {}) { token userErrors { code } } }",
            headers={"X-Rapport-Shopper-Token": token},
        )
    )
    assert refused["shopperTokenCreate"] == {"token": None, "userErrors": [{"code": "PROXY_REQUIRED"}]}


async def test_node_resolves_the_shoppers_own_objects_and_nothing_of_another_shopper(client, world):
    token = await _token(client, world.shopper)
    headers = {"X-Rapport-Shopper-Token": token}
    own_order = await Order.filter(customer_id=world.shopper.id).first()
    own_line = await OrderLine.filter(order_id=own_order.id).first()
    other_order = await Order.filter(customer_id=world.other_shopper.id).first()
    other_line = await OrderLine.filter(order_id=other_order.id).first()
    query = "query($id: ID!) { node(id: $id) { id } }"
    for kind, pk in (
        ("Customer", world.shopper.id),
        ("Order", own_order.id),
        ("OrderLine", own_line.id),
        ("Shop", world.shopify.id),
    ):
        found = data(await storefront(client, world.shopify, query, {"id": to_gid(kind, pk)}, headers=headers))
        assert found["node"] == {"id": to_gid(kind, pk)}, kind
    for kind, pk in (
        ("Customer", world.other_shopper.id),
        ("Order", other_order.id),
        ("OrderLine", other_line.id),
        ("Shop", world.woo.id),
        ("Profile", world.shopper.profile_id),
        ("Store", world.shopify.id),
    ):
        found = data(await storefront(client, world.shopify, query, {"id": to_gid(kind, pk)}, headers=headers))
        assert found["node"] is None, kind
    anonymous = data(await storefront(client, world.shopify, query, {"id": to_gid("Order", own_order.id)}))
    assert anonymous["node"] is None


async def test_a_shoppers_token_on_another_stores_key_is_refused(client, world):
    token = await _token(client, world.shopper)
    response = await storefront(client, world.woo, "{ me { id } }", headers={"X-Rapport-Shopper-Token": token})
    assert response.status_code == 403
    assert response.json()["errors"][0] == {
        "message": "the shopper token belongs to another store",
        "extensions": {"code": "FORBIDDEN"},
    }
