"""WooCommerce products arrive with their first image and their permalink, over real HTTP to the
simulated site, and a picture URL that is not a web address never reaches the store."""

from __future__ import annotations

import httpx
import pytest

from connectors.core.sink import Sink
from connectors.woocommerce import WooConnector, normalize
from sandbox.dataset.covers import cover_alt
from store.models import Product
from tests.connectors.woocommerce.conftest import SANDBOX_EGRESS, keyed_store

# The shape of a REST product as WooCommerce documents it (abridged to what is read here).
DOCS_PRODUCT = {
    "id": 794,
    "name": "Premium Quality",
    "slug": "premium-quality",
    "type": "simple",
    "status": "publish",
    "permalink": "https://example.com/product/premium-quality/",
    "sku": "",
    "price": "21.99",
    "regular_price": "21.99",
    "sale_price": "",
    "stock_status": "instock",
    "date_created_gmt": "2017-03-23T17:01:14",
    "date_modified_gmt": "2017-03-23T17:01:14",
    "categories": [{"id": 9, "name": "Clothing", "slug": "clothing"}],
    "images": [
        {"id": 792, "src": "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg", "name": "", "alt": ""},
        {"id": 793, "src": "https://example.com/wp-content/uploads/2017/03/T_2_back-2.jpg", "name": "", "alt": ""},
    ],
}


def test_the_first_image_is_the_picture_and_the_permalink_is_the_page():
    record = normalize.product(DOCS_PRODUCT)
    assert record.image_url == "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg"
    assert record.image_alt == ""
    assert record.url == "https://example.com/product/premium-quality/"


def test_a_product_with_no_image_or_not_published_has_no_picture_or_no_page():
    assert normalize.product({**DOCS_PRODUCT, "images": []}).image_url == ""
    assert normalize.product({**DOCS_PRODUCT, "status": "draft"}).url == ""


@pytest.mark.parametrize(
    "src",
    [
        "javascript:alert(1)",
        "data:image/svg+xml,<svg/>",
        "/wp-content/a.jpg",
        "https://example.com/" + "a" * 2000,
        "https://exa mple.com/a.jpg",
        42,
    ],
)
def test_a_picture_or_page_that_is_not_an_absolute_web_address_is_dropped(src):
    record = normalize.product({**DOCS_PRODUCT, "permalink": src, "images": [{"src": src, "alt": "x"}]})
    assert (record.image_url, record.image_alt, record.url) == ("", "", "")


@pytest.mark.db
async def test_a_synced_site_gives_each_product_the_picture_and_page_the_site_serves(db, site, site_state):
    store = await keyed_store(site_state, site)
    connector = WooConnector(public_base_url="http://127.0.0.1:9", verify_tls=False, egress=SANDBOX_EGRESS)
    await connector.backfill(store, Sink())

    products = await Product.filter(store_id=store.id).order_by("id")
    assert len(products) == len(site_state.products)
    for row in products:
        source = site_state.products[int(row.platform_id)]
        assert row.image_url == f"{site}/wp-content/uploads/{source.slug}.svg"
        assert row.image_alt == cover_alt(source.name)
        assert row.url == f"{site}/product/{source.slug}/"
    async with httpx.AsyncClient(timeout=10) as client:
        picture = await client.get(products[0].image_url)
        missing = await client.get(f"{site}/wp-content/uploads/no-such-record.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert missing.status_code == 404
