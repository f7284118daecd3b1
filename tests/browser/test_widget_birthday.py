"""The widget's birthday field in headless Chromium against ``rapport demo``: a shopper without a
birthday picks a month and a day, sees the day their gift arrives, and after a reload sees the date
locked; in English and French, with no serious axe-core violation before or after.

The shopper is a demo member the API reports without a birthday; the expected gift day is the
storefront API's ``nextGiftOn`` read at test time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.browser.test_widget import LOYALTY, TOKEN, admin, page_url, shown, storefront

pytestmark = [pytest.mark.db, pytest.mark.slow]

UNDATED = """query($store: ID!) { members(first: 50, storeId: $store) { nodes { id birthday { month }
  profile { id customers(first: 5) { nodes { id isGuest store { id } loyalty { id } } } } } } }"""
BIRTHDAY = "{ me { birthday { month day year nextGiftOn } } }"


async def shopper_without_birthday(demo: dict[str, Any], skip: int = 0) -> str:
    """A storefront token of a Shopify member the admin API shows without a birthday (not the demo shopper)."""
    store = f"gid://rapport/Store/{demo['stores']['shopify']['id']}"
    members = (await admin(demo, UNDATED, {"store": store}))["members"]["nodes"]
    found = []
    for member in members:
        if member["birthday"] is not None or member["profile"]["id"].endswith(f"/{demo['shopper']['profile_id']}"):
            continue
        account = next(
            (
                c
                for c in member["profile"]["customers"]["nodes"]
                if not c["isGuest"] and c["store"]["id"] == store and (c["loyalty"] or {}).get("id") == member["id"]
            ),
            None,
        )
        if account is not None:
            found.append(account["id"])
    assert len(found) > skip, "no demo member on the Shopify store without a birthday"
    minted = (await admin(demo, TOKEN, {"id": found[skip]}))["shopperTokenCreate"]
    assert minted["token"], minted["userErrors"]
    return minted["token"]


async def long_date(page: Any, iso: str, locale: str, year: bool = True) -> str:
    return await page.evaluate(
        """([iso, locale, year]) => { const [y, m, d] = iso.split("-").map(Number);
        const parts = {month: "long", day: "numeric", timeZone: "UTC"}; if (year) parts.year = "numeric";
        return new Intl.DateTimeFormat(locale, parts).format(new Date(Date.UTC(y, m - 1, d))); }""",
        [iso, locale, year],
    )


async def test_a_shopper_sets_a_birthday_sees_the_gift_day_and_after_a_reload_the_date_locked(
    demo, page, page_errors, axe, screenshot
):
    token = await shopper_without_birthday(demo)
    assert (await storefront(demo, BIRTHDAY, token=token))["me"]["birthday"] is None
    chosen = datetime.now(UTC).date() + timedelta(days=75)
    if (chosen.month, chosen.day) == (2, 29):
        chosen += timedelta(days=1)

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    form = page.locator(f"{LOYALTY} form.birthday-form")
    assert "30 days" in await form.inner_text()
    month = page.get_by_label("Month", exact=True)
    day = page.get_by_label("Day", exact=True)
    assert await page.get_by_label("Year (optional)").input_value() == ""
    await month.select_option(str(chosen.month))
    await day.select_option(str(chosen.day))
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-birthday-form", f"{LOYALTY} .birthday")
    await page.get_by_role("button", name="Save my birthday").click()

    gift = page.locator(f"{LOYALTY} .birthday-gift")
    await gift.wait_for()
    kept = (await storefront(demo, BIRTHDAY, token=token))["me"]["birthday"]
    assert (kept["month"], kept["day"], kept["year"]) == (chosen.month, chosen.day, None)
    assert date.fromisoformat(kept["nextGiftOn"]) == date(chosen.year, chosen.month, chosen.day)
    arrives = f"Your birthday gift arrives on {await long_date(page, kept['nextGiftOn'], 'en')}"
    assert await gift.inner_text() == arrives
    await page.locator(f"{LOYALTY} [role=status]", has_text=arrives).wait_for(state="attached")
    assert await page.locator(f"{LOYALTY} form.birthday-form").count() == 0

    await page.reload()
    await shown(page, "member")
    section = page.locator(f"{LOYALTY} section.birthday")
    await section.wait_for()
    own_day = await long_date(page, f"2000-{chosen.month:02d}-{chosen.day:02d}", "en", year=False)
    assert await section.locator(".birthday-date").inner_text() == f"Your birthday: {own_day}"
    assert await section.locator(".birthday-gift").inner_text() == arrives
    assert "contact the store" in await section.inner_text()
    assert await section.locator("select, input, button").count() == 0
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-birthday-locked", f"{LOYALTY} .birthday")

    await page.goto(page_url(demo, token=token, locale="fr"))
    await shown(page, "member")
    french = page.locator(f"{LOYALTY} section.birthday")
    await french.wait_for()
    assert await french.locator("h3").inner_text() == "Votre anniversaire"
    gift_fr = await long_date(page, kept["nextGiftOn"], "fr")
    assert await french.locator(".birthday-gift").inner_text() == f"Votre cadeau d’anniversaire arrivera le {gift_fr}"
    assert page_errors == []


async def test_an_impossible_date_reads_as_a_sentence_in_french_and_nothing_is_kept(demo, page, page_errors, axe):
    token = await shopper_without_birthday(demo, skip=1)
    await page.goto(page_url(demo, token=token, locale="fr"))
    await shown(page, "member")
    await page.get_by_label("Mois", exact=True).select_option("2")
    assert await page.get_by_label("Jour", exact=True).locator("option").count() == 30, "29 days and the blank"
    await page.get_by_label("Jour", exact=True).select_option("29")
    await page.get_by_label("Année (facultatif)").fill("1981")
    await page.get_by_role("button", name="Enregistrer mon anniversaire").click()
    error = page.locator(f"{LOYALTY} .birthday-status .error")
    await error.wait_for()
    assert await error.inner_text() == "Vérifiez l’année, ou laissez-la vide."
    assert (await storefront(demo, BIRTHDAY, token=token))["me"]["birthday"] is None
    assert await page.get_by_label("Année (facultatif)").input_value() == "1981", "the form keeps what was typed"
    assert await axe(page, LOYALTY) == []
    assert page_errors == []
