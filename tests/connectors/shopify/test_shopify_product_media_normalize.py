"""Shopify products read their picture and page alike from GraphQL nodes and webhook bodies."""

from __future__ import annotations

import pytest

from connectors.shopify import from_graphql, from_rest

# Admin GraphQL Product node and REST products/update body, abridged to what is read.
NODE = {
    "id": "gid://shopify/Product/632910392",
    "title": "IPod Nano - 8GB",
    "handle": "ipod-nano",
    "vendor": "Apple",
    "productType": "Cult Products",
    "status": "ACTIVE",
    "updatedAt": "2026-11-20T09:15:02Z",
    "featuredImage": {"url": "https://cdn.shopify.com/s/files/1/0001/ipod-nano.png?v=1", "altText": "An iPod nano"},
    "variants": {"nodes": []},
}
BODY = {
    "id": 632910392,
    "title": "IPod Nano - 8GB",
    "handle": "ipod-nano",
    "vendor": "Apple",
    "product_type": "Cult Products",
    "status": "active",
    "updated_at": "2026-11-20T04:15:02-05:00",
    "variants": [],
    "image": {
        "id": 850703190,
        "product_id": 632910392,
        "position": 1,
        "alt": "An iPod nano",
        "src": "https://cdn.shopify.com/s/files/1/0001/ipod-nano.png?v=1",
    },
    "images": [
        {"id": 850703190, "src": "https://cdn.shopify.com/s/files/1/0001/ipod-nano.png?v=1", "alt": "An iPod nano"}
    ],
}


def test_a_graphql_node_and_a_webhook_body_give_the_same_picture_and_page():
    shop = "jsmith.myshopify.com"
    from_node, from_body = from_graphql.product(NODE, shop=shop), from_rest.product(BODY, shop=shop)
    assert from_node == from_body
    assert from_node.image_url == "https://cdn.shopify.com/s/files/1/0001/ipod-nano.png?v=1"
    assert from_node.image_alt == "An iPod nano"
    assert from_node.url == "https://jsmith.myshopify.com/products/ipod-nano"


def test_a_product_without_an_image_or_not_active_has_no_picture_or_no_page():
    assert from_graphql.product({**NODE, "featuredImage": None}).image_url == ""
    assert from_rest.product({**BODY, "image": None, "images": []}).image_url == ""
    assert from_graphql.product({**NODE, "status": "DRAFT"}, shop="jsmith.myshopify.com").url == ""
    assert from_rest.product({**BODY, "status": "archived"}, shop="jsmith.myshopify.com").url == ""


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//cdn.shopify.com/a.png", "data:,x", ""])
def test_a_picture_that_is_not_an_absolute_web_address_is_dropped_with_its_alt_text(url):
    record = from_graphql.product({**NODE, "featuredImage": {"url": url, "altText": "x"}})
    assert (record.image_url, record.image_alt) == ("", "")
