"""Storefront lists follow the catalog between refreshes: stock, archived products, missing pairings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from insights.models import ProductPairing
from schema.core.ids import to_gid
from store.models import Product, Variant
from tests.schema.conftest import data, storefront

pytestmark = pytest.mark.db


async def test_bought_together_drops_what_went_out_of_stock_and_falls_back_to_best_sellers_without_a_pairing(
    client, world
):
    query = """query($id: ID!) { product(id: $id) { frequentlyBoughtTogether(first: 10) { source nodes { id } } } }"""
    pairing = (
        await ProductPairing.filter(model="item_knn", product__store_id=world.shopify.id).order_by("product_id").first()
    )
    product_id = to_gid("Product", pairing.product_id)
    before = data(await storefront(client, world.shopify, query, {"id": product_id}))["product"][
        "frequentlyBoughtTogether"
    ]
    gone = before["nodes"][0]["id"]
    await Variant.filter(product_id=int(gone.rsplit("/", 1)[1])).update(in_stock=False)
    after = data(await storefront(client, world.shopify, query, {"id": product_id}))["product"][
        "frequentlyBoughtTogether"
    ]
    assert after["source"] == "BOUGHT_TOGETHER" and [n["id"] for n in after["nodes"]] == [
        n["id"] for n in before["nodes"][1:]
    ]
    await ProductPairing.filter(id=pairing.id).delete()
    fallback = data(await storefront(client, world.shopify, query, {"id": product_id}))["product"][
        "frequentlyBoughtTogether"
    ]
    shown = {n["id"] for n in fallback["nodes"]}
    assert fallback["source"] == "BEST_SELLERS" and len(shown) == 10 and product_id not in shown and gone not in shown


async def test_an_archived_product_is_not_in_this_shop(client, world):
    product = await Product.filter(store_id=world.shopify.id).order_by("id").first()
    await Product.filter(id=product.id).update(status="archived")
    found = data(
        await storefront(
            client,
            world.shopify,
            "query($id: ID!) { product(id: $id) { id } node(id: $id) { id } }",
            {"id": to_gid("Product", product.id)},
        )
    )
    assert found == {"product": None, "node": None}


async def test_a_deleted_or_unpublished_product_is_not_found_by_its_platform_id(client, world):
    deleted, draft = (
        await Product.filter(store_id=world.shopify.id, status="active", deleted_at=None).order_by("id").limit(2)
    )
    await Product.filter(id=deleted.id).update(deleted_at=datetime.now(UTC))
    await Product.filter(id=draft.id).update(status="draft")
    for product in (deleted, draft):
        gid = f"gid://shopify/Product/{product.platform_id}"
        assert data(
            await storefront(client, world.shopify, "query($id: ID!) { product(id: $id) { id title } }", {"id": gid})
        ) == {"product": None}
