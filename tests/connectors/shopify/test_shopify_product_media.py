"""Products arrive with their picture and their storefront page, over real HTTP to the simulator,
whether they come from the backfill (bulk), an incremental page or a webhook."""

from __future__ import annotations

import httpx
import pytest

from connectors.core.sink import Sink
from connectors.shopify import from_rest
from sandbox.dataset.covers import cover_alt
from sandbox.shopify.rest import RestViews
from store.models import Product
from tests.connectors.shopify.support import connector, installed_store

pytestmark = pytest.mark.db


async def test_a_backfilled_product_links_its_page_and_shows_a_picture_the_shop_serves(shop, shop_url, db):
    store = await installed_store(shop)
    await connector(shop_url).backfill(store, Sink())

    products = await Product.filter(store_id=store.id).order_by("id")
    assert len(products) == len(shop.products)
    for row in products:
        source = shop.products[int(row.platform_id)]
        assert row.image_url == f"{shop_url}/cdn/shop/files/{source.handle}.svg"
        assert row.image_alt == cover_alt(source.title)
        assert row.url == f"https://{shop.settings.shop_domain}/products/{source.handle}"
    async with httpx.AsyncClient(timeout=10) as client:
        picture = await client.get(products[0].image_url)
    assert picture.status_code == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert picture.text.startswith("<svg")


async def test_an_incremental_page_and_a_webhook_give_the_same_picture_and_page_as_the_backfill(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    await shopify.backfill(store, Sink())
    changed = shop.changes.update_products(4)

    await shopify.sync(store, Sink())

    rest = RestViews(shop)
    for pid in changed:
        row = await Product.get(store_id=store.id, platform_id=str(pid))
        from_webhook = from_rest.product(rest.product(shop.products[pid]), shop=store.domain)
        assert (row.image_url, row.image_alt, row.url) == (
            from_webhook.image_url,
            from_webhook.image_alt,
            from_webhook.url,
        )
        assert row.image_url.startswith(shop_url) and row.url.endswith(f"/products/{shop.products[pid].handle}")
