"""The Program impact page's Assumptions form in headless Chromium against the shared ``rapport demo``:
the owner types the margin as a percentage (45) and the admin API keeps the share (0.45); the
program's return on the same page is worked out again and shows 45 %. A margin of 0 or 150 % or a
window of 5 days is refused by the API at its field (aria-invalid, the error named by
aria-describedby) and nothing is saved; what is not a number is refused before anything is sent.
axe-core finds nothing serious with an error showing nor after a save. The form is used with the
keyboard only (Tab, Enter).

The demo is shared by every browser test: the margin rate and window are put back to the defaults
(0.3, 90 days) at the end whatever happens.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.dashboard_support import admin, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

IMPACT_MS = 300_000
"""programImpact over the demo takes minutes on a loaded two-core machine (ms, for Playwright)."""
DEFAULTS = {"marginRate": 0.3, "windowDays": 90}

SETTINGS = "{ measureSettings { marginRate windowDays } }"
MUTATION = "DashboardMeasureSettingsUpdate"
UPDATE = """mutation($input: MeasureSettingsInput!) { measureSettingsUpdate(input: $input) {
  settings { marginRate windowDays } userErrors { field message code } } }"""


async def saved(demo: dict[str, Any]) -> dict[str, Any]:
    """The settings as the admin API reads them now."""
    return (await admin(demo, SETTINGS))["measureSettings"]


async def refused(page: Any, field: str) -> str:
    """The error shown at a field once a save was refused, checked to be tied to its input."""
    error = page.locator(f"#impact-settings-{field}-error")
    await error.wait_for()
    control = page.locator(f"#impact-settings-{field}")
    assert await control.get_attribute("aria-invalid") == "true"
    assert f"impact-settings-{field}-error" in (await control.get_attribute("aria-describedby") or "").split()
    assert await page.locator("#impact-settings .error-summary").is_visible()
    return await error.inner_text()


async def type_with_keyboard(page: Any, margin: str, window: str) -> None:
    """Types both fields and presses Save, moving between them with Tab only."""
    await page.locator("#impact-settings-marginRate").focus()
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.type(margin)
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.id") == "impact-settings-windowDays"
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.type(window)
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.textContent.trim()") == "Save assumptions"
    await page.keyboard.press("Enter")


async def save_with_keyboard(page: Any, margin: str, window: str) -> None:
    """Saves through the form and waits for the API's answer to the page's mutation."""
    async with page.expect_response(lambda r: MUTATION in (r.request.post_data or "")):
        await type_with_keyboard(page, margin, window)


async def test_the_owner_sets_the_margin_as_a_percentage_and_the_return_uses_it(
    demo, page, page_errors, axe, screenshot
):
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data)["variables"]["input"]) if MUTATION in (r.post_data or "") else None
        ),
    )
    try:
        await admin(demo, UPDATE, {"input": DEFAULTS})
        await open_dashboard(page, demo)
        await page.evaluate("() => { location.hash = '#/impact' }")
        await page.wait_for_selector('main[data-route="impact"] #impact-settings-form')
        margin = page.get_by_label("Margin rate (%)")
        window = page.get_by_label("Comparison window (days)")
        assert await margin.input_value() == "30" and await window.input_value() == "90"
        hint = await page.locator("#impact-settings-marginRate-hint").inner_text()
        assert "the share of revenue left after the cost of goods" in hint.lower() and "in use: 30 %" in hint
        roi_margin = page.locator("#impact-roi [data-figure=margin-rate] dd")
        await roi_margin.wait_for(timeout=IMPACT_MS)
        assert await roi_margin.inner_text() == "30%"

        # Not a number: refused here, nothing sent.
        await type_with_keyboard(page, "forty", "90")
        assert "Enter the margin as a percentage" in await refused(page, "marginRate")
        assert sent == []

        # 0 % and 150 % (1.5) reach the API, which refuses them at the field; nothing is saved.
        for typed in ("0", "150"):
            await save_with_keyboard(page, typed, "90")
            text = await refused(page, "marginRate")
            assert "The margin rate is a share above 0 and at most 1" in text, text
            assert "percentage above 0 and at most 100" in text, text
            assert await saved(demo) == DEFAULTS
        assert sent == [{"marginRate": 0, "windowDays": 90}, {"marginRate": 1.5, "windowDays": 90}]
        assert await axe(page) == [], "an error at its field, with the summary above the form"
        await screenshot(page, "dashboard-impact-settings-refused", "#impact-settings")

        # A window of 5 days is refused at its own field, and the valid margin typed with it is not kept either.
        await save_with_keyboard(page, "45", "5")
        text = await refused(page, "windowDays")
        assert "The comparison window is a whole number from 7 to 365" in text, text
        assert await page.locator("#impact-settings-marginRate-error").count() == 0
        assert await saved(demo) == DEFAULTS
        assert sent[2:] == [{"marginRate": 0.45, "windowDays": 5}]

        # 45 % for 90 days: the API keeps 0.45, and the return on the page is worked out with it.
        await save_with_keyboard(page, "45", "90")
        status = page.locator("#impact-settings-status[role=status]")
        await page.wait_for_function(
            "() => document.querySelector('#impact-settings-status').textContent.includes('use them')",
            timeout=IMPACT_MS,
        )
        assert "margin 45 %, window 90 days" in await status.inner_text()
        assert await saved(demo) == {"marginRate": 0.45, "windowDays": 90}
        assert await roi_margin.inner_text() == "45%"
        assert await page.locator("#impact-settings [aria-invalid=true]").count() == 0
        assert "in use: 45 %" in await page.locator("#impact-settings-marginRate-hint").inner_text()
        assert await axe(page) == []
        await screenshot(page, "dashboard-impact-settings-saved", "#impact-settings")

        # Kept: a fresh load shows the saved values.
        await page.reload()
        await page.wait_for_selector("#impact-settings-form")
        assert await page.get_by_label("Margin rate (%)").input_value() == "45"
        assert page_errors == []
    finally:
        answer = (await admin(demo, UPDATE, {"input": DEFAULTS}))["measureSettingsUpdate"]
        assert answer["userErrors"] == [] and answer["settings"] == DEFAULTS
