"""Settings → Reviews in headless Chromium against ``rapport demo``: each store's review endpoint,
its secret hidden until asked for, and a curl example carrying the secret the admin API gives."""

from __future__ import annotations

import pytest

from tests.browser.dashboard_support import admin, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

INTAKE = "query { stores(first: 10) { nodes { name reviewIntake { url secret storeKey } } } }"


async def test_settings_show_each_stores_review_endpoint_with_its_secret_on_request(demo, page, page_errors, axe):
    stores = (await admin(demo, INTAKE))["stores"]["nodes"]
    await open_dashboard(page, demo, "#/settings")
    await page.wait_for_selector(".review-intake-store")
    section = page.locator("section.review-intake")
    assert await section.locator("h3").all_inner_texts() == [s["name"] for s in stores]
    first, intake = section.locator(".review-intake-store").first, stores[0]["reviewIntake"]
    example = first.locator("pre.example")
    assert intake["url"] in await first.inner_text() and intake["storeKey"] in await example.inner_text()
    assert intake["secret"] not in await first.inner_text()
    assert "<your review secret>" in await example.inner_text()
    await first.get_by_role("button", name="Show secret").click()
    assert await first.get_by_role("button", name="Hide secret").get_attribute("aria-pressed") == "true"
    assert await example.inner_text() != "" and f"SECRET={intake['secret']}" in await example.inner_text()
    assert await axe(page) == []
    assert page_errors == []
