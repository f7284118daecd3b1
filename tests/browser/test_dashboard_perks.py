"""The demo shopper's tier perks: ``rapport demo`` makes their free-shipping codes on both simulators
(Gold ships free), the storefront API lists them, and their member page shows each store's code
and state; axe-core finds nothing on that page."""

from __future__ import annotations

import pytest

from tests.browser.dashboard_support import admin, open_dashboard, storefront
from tests.browser.test_dashboard import SHOPPER_MEMBER, member_route

pytestmark = [pytest.mark.db, pytest.mark.slow]

PERKS = "{ me { loyalty { tier { name freeShipping } perks { kind tier status code active storeName } } } }"


async def test_the_demo_shoppers_free_shipping_codes_show_on_their_member_page(demo, page, page_errors, axe):
    loyalty = (await storefront(demo, PERKS))["me"]["loyalty"]
    assert loyalty["tier"]["freeShipping"], f"the demo shopper's tier {loyalty['tier']} does not ship free"
    perks = loyalty["perks"]
    assert perks and all(p["active"] and p["code"].startswith("RP-FS-") for p in perks), perks
    assert {p["kind"] for p in perks} == {"FREE_SHIPPING"} and {p["tier"] for p in perks} == {loyalty["tier"]["name"]}

    profile = f"gid://rapport/Profile/{demo['shopper']['profile_id']}"
    member_id = (await admin(demo, SHOPPER_MEMBER, {"id": profile}))["profile"]["loyalty"]["id"]
    await open_dashboard(page, demo, member_route(member_id))
    rows = page.locator(".perks-table tbody tr")
    await rows.first.wait_for()
    shown = await rows.all_inner_texts()
    assert len(shown) == len(perks)
    for perk in perks:
        [row] = [text for text in shown if perk["code"] in text]
        assert perk["storeName"] in row and "Active" in row and "Free shipping" in row
    assert await axe(page) == []
    assert page_errors == []
