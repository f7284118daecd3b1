"""The Shopify theme app extension in Chromium: its two blocks rendered from their Liquid (python-liquid,
as in tests/platforms) into a product page that a stand-in shop serves, with an app proxy that forwards
``/apps/rapport`` to the running demo and signs whoever is logged in, as Shopify does. The widget
script and every API call go through that proxy; nothing in the page names the shopper."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg
import pytest

from tests.browser.app_proxy import SHOPIFY_APP_SECRET, shop_with_app_proxy
from tests.browser.test_widget import BOUGHT, LOYALTY, ME, admin, formatted, shown, storefront
from tests.platforms.test_theme_extension import render

pytestmark = [pytest.mark.db, pytest.mark.slow]

TOGETHER = "query($id: ID!) { product(id: $id) { title frequentlyBoughtTogether(first: 4) { nodes { title } } } }"


async def product_platform_id(database_url: str, product_gid: str) -> str:
    """Shopify's id of a demo product, read from the demo's own database (no API lists it)."""
    pk = int(product_gid.rsplit("/", 1)[1])
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as db:
            return str(db.execute("SELECT platform_id FROM products WHERE id = ?", (pk,)).fetchone()[0])
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return str(await conn.fetchval("SELECT platform_id FROM products WHERE id = $1", pk))
    finally:
        await conn.close()


def theme_page(*, locale: str, title: str, customer: dict | None, product_id: str, position: str) -> str:
    """A minimal theme layout with the app block in the product section and the app embed before </body>."""
    product = {"id": int(product_id), "title": title}
    block = render("bought-together.liquid", customer=customer, product=product, locale=locale)
    embed = render("loyalty.liquid", customer=customer, locale=locale, settings={"position": position})
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body style="font-family: system-ui, sans-serif; margin: 2rem"><main><h1>{title}</h1>'
        f"<p>A product page of the demo shop, with the Rapport app block below.</p>{block}</main>"
        f"{embed}</body></html>"
    )


async def demo_product(demo: dict[str, Any], demo_database: str) -> tuple[str, str, list[str]]:
    found = (await storefront(demo, TOGETHER, {"id": demo["product_id"]}))["product"]
    together = [p["title"] for p in found["frequentlyBoughtTogether"]["nodes"]]
    assert together, "the demo product has no bought-together data"
    return await product_platform_id(demo_database, demo["product_id"]), found["title"], together


async def test_a_signed_in_customer_opens_the_embed_and_sees_their_points_and_the_products_bought_together(
    demo, demo_database, page, page_errors, screenshot
):
    customer = f"gid://rapport/Customer/{demo['shopper']['customer_id']}"
    platform_id = (await admin(demo, "query($id: ID!) { customer(id: $id) { platformId } }", {"id": customer}))[
        "customer"
    ]["platformId"]
    expected = (await storefront(demo, ME, token=demo["shopper"]["token"]))["me"]["loyalty"]
    product_id, title, together = await demo_product(demo, demo_database)
    html = theme_page(
        locale="en", title=title, customer={"id": int(platform_id)}, product_id=product_id, position="bottom_right"
    )
    assert platform_id not in html and "token" not in html.lower()
    with shop_with_app_proxy(
        demo["base_url"],
        demo["stores"]["shopify"]["domain"],
        SHOPIFY_APP_SECRET,
        platform_id,
        pages={"/products/demo": html},
    ) as shop:
        await page.goto(f"{shop}/products/demo")
        await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
        assert await page.locator(f"{BOUGHT} li b").all_inner_texts() == together
        await page.wait_for_selector(f"{LOYALTY}[data-state=member]", state="attached")
        assert await page.locator(LOYALTY).is_hidden()
        await page.locator("summary", has_text="Rewards").click()  # the embed's launcher, not the widget's heading
        assert await page.locator(LOYALTY).is_visible()
        available = expected["balance"]["available"]
        assert await page.locator(f"{LOYALTY} .balance").inner_text() == f"{await formatted(page, available)} points"
        await screenshot(page, "shopify-extension-signed-in")
    assert page_errors == []


async def test_a_guest_on_a_french_storefront_gets_the_inline_widget_with_the_shops_sign_in_link(
    demo, demo_database, page, page_errors, screenshot
):
    product_id, title, _ = await demo_product(demo, demo_database)
    html = theme_page(locale="fr", title=title, customer=None, product_id=product_id, position="inline")
    with shop_with_app_proxy(
        demo["base_url"],
        demo["stores"]["shopify"]["domain"],
        SHOPIFY_APP_SECRET,
        None,
        pages={"/fr/products/demo": html},
    ) as shop:
        await page.goto(f"{shop}/fr/products/demo")
        await shown(page, "guest")
        link = page.locator(LOYALTY).get_by_role("link", name="Se connecter")
        assert await link.get_attribute("href") == "/fr/account/login"
        await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
        assert await page.locator(f"{BOUGHT} h2").inner_text() == "Souvent achetés ensemble"
        await screenshot(page, "shopify-extension-guest-fr")
    assert page_errors == []
