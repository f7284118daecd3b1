"""Storefront products and recommendations over HTTP (read-only: one shared world).

Every list is checked against the rows the insights refresh stored, and every id-taking field
against products of another store: a shopper sees this shop's products and their own list only.
"""

from __future__ import annotations

from collections import Counter

import pytest

from insights.models import ProductPairing, ProfileRecommendation
from schema.catalog.recommendations import RECENT_ORDERS
from schema.core.ids import to_gid
from store.models import Customer, Order, OrderLine, Product, Variant
from tests.schema.conftest import admin, data, error_code, storefront

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

LIST = "nodes { id title price { amount currencyCode } availableForSale }"
RECOMMENDED = f"query($first: Int, $after: String) {{ recommendations(first: $first, after: $after) {{ source {LIST} pageInfo {{ hasNextPage endCursor }} }} }}"
ME = f"{{ me {{ id recommendations(first: 10) {{ source {LIST} }} }} recommendations(first: 10) {{ source nodes {{ id }} }} }}"
TOGETHER = f"""query($id: ID!, $first: Int, $after: String) {{ product(id: $id) {{ id title
  frequentlyBoughtTogether(first: $first, after: $after) {{ source {LIST} pageInfo {{ hasNextPage endCursor }} }} }} }}"""


async def _token(client, customer) -> dict[str, str]:
    made = data(
        await admin(
            client,
            "mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }",
            {"id": to_gid("Customer", customer.id)},
        )
    )
    return {"X-Rapport-Shopper-Token": made["shopperTokenCreate"]["token"]}


async def _on_sale(store_id: int, product_ids: list[int]) -> list[int]:
    """The oracle: products of the store, active, not deleted, with a variant in stock, in the given order."""
    live = set(
        await Product.filter(id__in=product_ids, store_id=store_id, status="active", deleted_at=None).values_list(
            "id", flat=True
        )
    )
    stocked = set(await Variant.filter(product_id__in=list(live), in_stock=True).values_list("product_id", flat=True))
    return [p for p in dict.fromkeys(product_ids) if p in stocked]


def _ids(nodes: list[dict]) -> list[int]:
    return [int(n["id"].rsplit("/", 1)[1]) for n in nodes]


async def test_anonymous_callers_get_the_shops_best_sellers_of_its_recent_orders(client, world):
    store = world.shopify
    found = data(await storefront(client, store, RECOMMENDED, {"first": 8}))["recommendations"]
    recent = (
        await Order.filter(store_id=store.id, deleted_at=None, test=False, cancelled_at=None)
        .order_by("-platform_created_at", "-id")
        .limit(RECENT_ORDERS)
        .values_list("id", flat=True)
    )
    lines = await OrderLine.filter(order_id__in=recent).values_list("order_id", "product_platform_id")
    counts = Counter(product for _, product in set(lines))
    ranked = sorted(counts, key=lambda p: (-counts[p], p))
    by_platform_id = dict(await Product.filter(store_id=store.id).values_list("platform_id", "id"))
    expected = await _on_sale(store.id, [by_platform_id[p] for p in ranked if p in by_platform_id])
    assert found["source"] == "BEST_SELLERS" and _ids(found["nodes"]) == expected[:8]
    assert all(n["availableForSale"] and n["price"]["currencyCode"] == "USD" for n in found["nodes"])
    assert found["pageInfo"]["hasNextPage"]


async def test_a_recommendation_list_pages_with_its_cursors(client, world):
    store = world.shopify
    four = data(await storefront(client, store, RECOMMENDED, {"first": 4}))["recommendations"]
    two = data(await storefront(client, store, RECOMMENDED, {"first": 2}))["recommendations"]
    rest = data(await storefront(client, store, RECOMMENDED, {"first": 2, "after": two["pageInfo"]["endCursor"]}))
    assert _ids(two["nodes"]) + _ids(rest["recommendations"]["nodes"]) == _ids(four["nodes"])


async def test_a_signed_in_shopper_gets_their_own_stored_list_and_never_another_shoppers(client, world):
    lists = {}
    for shopper in (world.shopper, world.other_shopper):
        stored = await ProfileRecommendation.get(profile_id=shopper.profile_id)
        found = data(await storefront(client, world.shopify, ME, headers=await _token(client, shopper)))
        assert found["me"]["id"] == to_gid("Customer", shopper.id)
        mine = found["me"]["recommendations"]
        assert (mine["source"], stored.model, stored.store_id) == ("FOR_YOU", "item_knn", world.shopify.id)
        assert _ids(mine["nodes"]) == await _on_sale(stored.store_id, [i["product_id"] for i in stored.items])
        assert found["recommendations"] == {"source": "FOR_YOU", "nodes": [{"id": n["id"]} for n in mine["nodes"]]}
        lists[shopper.id] = _ids(mine["nodes"])
    assert lists[world.shopper.id] != lists[world.other_shopper.id]


async def test_a_list_made_for_the_persons_other_store_is_shown_as_this_stores_same_products(client, world):
    world = world
    for stored in await ProfileRecommendation.filter(
        merchant_id=world.merchant.id, store_id=world.woo.id, model="item_knn"
    ):
        shopify = await Customer.filter(profile_id=stored.profile_id, store_id=world.shopify.id, is_guest=False).first()
        if shopify is not None:
            break
    else:
        raise AssertionError("nobody in the world has a WooCommerce list and a Shopify account")
    handles = dict(await Product.filter(id__in=[i["product_id"] for i in stored.items]).values_list("id", "handle"))
    here = dict(
        await Product.filter(store_id=world.shopify.id, handle__in=list(handles.values())).values_list("handle", "id")
    )
    expected = await _on_sale(
        world.shopify.id, [here[handles[i["product_id"]]] for i in stored.items if handles.get(i["product_id"]) in here]
    )
    found = data(await storefront(client, world.shopify, ME, headers=await _token(client, shopify)))
    assert found["me"]["recommendations"]["source"] == "FOR_YOU" and expected
    assert _ids(found["me"]["recommendations"]["nodes"]) == expected


async def test_frequently_bought_together_is_the_products_stored_pairing_and_pages(client, world):
    store = world.shopify
    pairing = await ProductPairing.filter(model="item_knn", product__store_id=store.id).order_by("product_id").first()
    expected = await _on_sale(store.id, [i["product_id"] for i in pairing.items])
    product_id = to_gid("Product", pairing.product_id)
    found = data(await storefront(client, store, TOGETHER, {"id": product_id, "first": 10}))["product"]
    assert found["id"] == product_id and found["title"] == (await Product.get(id=pairing.product_id)).title
    together = found["frequentlyBoughtTogether"]
    assert together["source"] == "BOUGHT_TOGETHER" and _ids(together["nodes"]) == expected[:10] and expected
    first = data(await storefront(client, store, TOGETHER, {"id": product_id, "first": 2}))
    cursor = first["product"]["frequentlyBoughtTogether"]["pageInfo"]["endCursor"]
    after = data(await storefront(client, store, TOGETHER, {"id": product_id, "first": 2, "after": cursor}))
    assert _ids(after["product"]["frequentlyBoughtTogether"]["nodes"]) == expected[2:4]


async def test_product_and_node_resolve_only_this_shops_products(client, world):
    world = world
    own = await Product.filter(store_id=world.shopify.id).order_by("id").first()
    other = await Product.filter(store_id=world.woo.id).order_by("id").first()
    query = "query($id: ID!) { product(id: $id) { id } node(id: $id) { id } }"
    mine = data(await storefront(client, world.shopify, query, {"id": to_gid("Product", own.id)}))
    assert mine == {"product": {"id": to_gid("Product", own.id)}, "node": {"id": to_gid("Product", own.id)}}
    theirs = data(await storefront(client, world.shopify, query, {"id": to_gid("Product", other.id)}))
    assert theirs == {"product": None, "node": None}
    on_woo = data(await storefront(client, world.woo, query, {"id": to_gid("Product", other.id)}))
    assert on_woo["product"] == {"id": to_gid("Product", other.id)}
    wrong_kind = await storefront(client, world.shopify, '{ product(id: "gid://rapport/Customer/1") { id } }')
    assert error_code(wrong_kind) == "BAD_USER_INPUT"


async def test_anonymous_callers_have_no_me_and_the_best_sellers_at_root(client, world):
    found = data(await storefront(client, world.woo, ME))
    assert found["me"] is None and found["recommendations"]["source"] == "BEST_SELLERS"
    woo_products = set(await Product.filter(store_id=world.woo.id).values_list("id", flat=True))
    assert set(_ids(found["recommendations"]["nodes"])) <= woo_products and found["recommendations"]["nodes"]
