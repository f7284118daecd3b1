"""Product pictures and links in the widget's tiles and on the demo page, in headless Chromium
against ``rapport demo``: every picture loads from 127.0.0.1 and every tile links its product."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.test_widget import BOUGHT, LOYALTY, page_url, shown, storefront

pytestmark = [pytest.mark.db, pytest.mark.slow]

TILES = "nodes { title url image { url altText } }"


async def loaded(page, selector: str) -> list[bool]:
    """Whether each picture under ``selector`` finished loading with pixels."""
    await page.wait_for_function(
        "(s) => [...document.querySelectorAll(s.split(' ')[0])].every((el) => "
        "[...el.shadowRoot.querySelectorAll('img')].every((img) => img.complete))",
        arg=selector,
    )
    return await page.locator(selector).evaluate_all("(imgs) => imgs.map((img) => img.naturalWidth > 0)")


async def test_recommendation_and_bought_together_tiles_show_pictures_and_link_their_products(
    demo, page, page_errors, screenshot
):
    token, product = demo["shopper"]["token"], demo["product_id"]
    mine = await storefront(demo, f"{{ me {{ recommendations(first: 8) {{ {TILES} }} }} }}", token=token)
    together = await storefront(
        demo,
        f"query($id: ID!) {{ product(id: $id) {{ frequentlyBoughtTogether(first: 4) {{ {TILES} }} }} }}",
        {"id": product},
    )
    expected = {
        "loyalty": mine["me"]["recommendations"]["nodes"],
        "bought": together["product"]["frequentlyBoughtTogether"]["nodes"],
    }
    assert all(p["image"] and p["url"] for nodes in expected.values() for p in nodes)

    await page.goto(page_url(demo, token=token, product=product))
    await shown(page, "member")
    await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
    for element, nodes in ((LOYALTY, expected["loyalty"]), (BOUGHT, expected["bought"])):
        links = page.locator(f"{element} .grid li a")
        assert await links.count() == len(nodes)
        assert [await a.get_attribute("href") for a in await links.all()] == [p["url"] for p in nodes]
        sources = await page.locator(f"{element} .grid li img").evaluate_all("(imgs) => imgs.map((i) => i.src)")
        assert [urlsplit(s).path for s in sources] == [p["image"]["url"] for p in nodes]
        assert all(urlsplit(s).hostname == "127.0.0.1" for s in sources)
        await page.locator(
            f"{element} .grid"
        ).scroll_into_view_if_needed()  # pictures load lazily, as a shopper scrolls
        assert await loaded(page, f"{element} .grid li img") == [True] * len(nodes)

    cover = await page.locator("#product-cover").evaluate("(el) => getComputedStyle(el).backgroundImage")
    assert "/demo/covers/" in cover
    await screenshot(page, "widget-product-tiles", f"{LOYALTY} .card")
    assert page_errors == []
