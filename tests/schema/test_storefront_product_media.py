"""A storefront product carries its picture and its page, so a theme can show and link it."""

from __future__ import annotations

import pytest

from schema.core.ids import to_gid
from store.models import Product
from tests.schema.conftest import data, storefront

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

PRODUCT = "query($id: ID!) { product(id: $id) { title handle url image { url altText } } }"


async def test_a_product_shows_the_picture_and_links_the_page_its_store_recorded(client, world):
    for store in (world.shopify, world.woo):
        row = await Product.filter(store_id=store.id).order_by("id").first()
        found = data(await storefront(client, store, PRODUCT, {"id": to_gid("Product", row.id)}))["product"]
        assert found["image"] == {"url": f"/demo/covers/{row.handle}.svg", "altText": f"Cover of {row.title}"}
        assert found["url"] == row.url and row.url.endswith(row.handle + ("/" if store == world.woo else ""))


async def test_the_app_serves_the_sandbox_pictures_and_nothing_else_under_the_covers_path(client, world):
    row = await Product.filter(store_id=world.shopify.id).order_by("id").first()
    picture = await client.get(f"/demo/covers/{row.handle}.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert row.title.split()[0] in picture.text
    for bad in ("no-such-record-00001", "x", "../../etc/passwd", "a-99999999", f"{row.handle}x"):
        assert (await client.get(f"/demo/covers/{bad}.svg")).status_code == 404, bad
