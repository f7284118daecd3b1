"""A theme knows a product by its platform's id (Liquid's ``product.id``); ``product(id:)`` takes it in
Shopify's gid form and finds this shop's product, and never another store's or another platform's."""

from __future__ import annotations

import pytest

from schema.core.ids import to_gid
from store.models import Product
from tests.schema.conftest import data, error_code, proxy_params, storefront

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

QUERY = "query($id: ID!) { product(id: $id) { id title } }"


async def _selling(store_id: int) -> Product:
    return await Product.filter(store_id=store_id, status="active", deleted_at=None).order_by("id").first()


async def test_a_shopify_product_id_finds_the_same_product_as_its_rapport_id(client, world):
    product = await _selling(world.shopify.id)
    by_platform = data(
        await storefront(client, world.shopify, QUERY, {"id": f"gid://shopify/Product/{product.platform_id}"})
    )
    by_rapport = data(await storefront(client, world.shopify, QUERY, {"id": to_gid("Product", product.id)}))
    assert by_platform == by_rapport == {"product": {"id": to_gid("Product", product.id), "title": product.title}}


async def test_a_woocommerce_product_id_is_looked_up_on_the_woocommerce_store_only(client, world):
    product = await _selling(world.woo.id)
    gid = f"gid://woocommerce/Product/{product.platform_id}"
    assert data(await storefront(client, world.woo, QUERY, {"id": gid}))["product"]["id"] == to_gid(
        "Product", product.id
    )
    assert data(await storefront(client, world.shopify, QUERY, {"id": gid})) == {"product": None}


async def test_another_platforms_or_another_shops_product_id_is_not_found(client, world):
    mine = await _selling(world.shopify.id)
    as_woo = f"gid://woocommerce/Product/{mine.platform_id}"
    assert data(await storefront(client, world.shopify, QUERY, {"id": as_woo})) == {"product": None}
    theirs = (
        await Product.filter(store_id=world.other_store.id)
        .exclude(platform_id__in=await Product.filter(store_id=world.shopify.id).values_list("platform_id", flat=True))
        .first()
    )
    if theirs is not None:
        other = {"id": f"gid://shopify/Product/{theirs.platform_id}"}
        assert data(await storefront(client, world.shopify, QUERY, other)) == {"product": None}
    unknown = {"id": "gid://shopify/Product/99999999999999999999"}
    assert data(await storefront(client, world.shopify, QUERY, unknown)) == {"product": None}


async def test_through_the_app_proxy_the_shops_own_product_id_works_without_a_store_key(client, world):
    product = await _selling(world.shopify.id)
    answer = await client.post(
        "/graphql/storefront",
        params=proxy_params(None),
        json={"query": QUERY, "variables": {"id": f"gid://shopify/Product/{product.platform_id}"}},
    )
    assert data(answer) == {"product": {"id": to_gid("Product", product.id), "title": product.title}}


@pytest.mark.parametrize(
    "bad",
    [
        "gid://shopify/Customer/1",
        "gid://shopify/Product/0",
        "gid://shopify/Product/12a",
        "gid://magento/Product/1",
        "gid://shopify/Product/" + "9" * 21,
        "12345",
        "gid://shopify/Product/",
        "gid://Shopify/Product/1",
    ],
)
async def test_an_id_in_neither_form_is_bad_user_input(client, world, bad):
    assert error_code(await storefront(client, world.shopify, QUERY, {"id": bad})) == "BAD_USER_INPUT"
