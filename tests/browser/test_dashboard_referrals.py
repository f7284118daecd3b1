"""The dashboard's Referrals page in headless Chromium against the shared ``rapport demo``: the
period's figures equal the admin API's report, each with what it counts, and the owner approves
one referral of the review queue and rejects another, which the API then reports.

Two referrals waiting for review are planted in the demo's database (the demo has none); the
expected figures come from the admin API over HTTP at test time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from loyalty.models import Member, Referral, ReferralSource, ReferralStatus
from schema.core.ids import to_gid
from store.models import Profile
from tests.browser.dashboard_support import admin, formatted, open_dashboard

pytestmark = [pytest.mark.db, pytest.mark.slow]

REPORT = """query($from: DateTime) { referralReport(from: $from) { clicks signups orders friendCodesIssued
  friendCodesUsed completed waiting inReview refused pointsPaid refusedByReason { reason count } } }"""
QUEUE = "{ referrals(first: 50, status: REVIEW) { nodes { id } } }"
EVERY = "{ referrals(first: 100) { nodes { id status reason } } }"
HOUSEHOLD = "shared address: same household as the referrer"


@pytest_asyncio.fixture
async def waiting(demo: dict[str, Any], demo_database: str) -> AsyncIterator[list[int]]:
    """Two referrals of the demo shopper waiting for review, removed afterwards (the demo is shared)."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(demo_database))
        referrer = await Member.get(profile_id=demo["shopper"]["profile_id"])
        taken = set(await Referral.filter(merchant_id=referrer.merchant_id).values_list("friend_id", flat=True))
        friends = (
            await Profile.filter(merchant_id=referrer.merchant_id, merged_into_id=None)
            .exclude(id__in=[referrer.profile_id, *taken])
            .order_by("id")
            .limit(2)
            .values_list("id", flat=True)
        )
        made = [
            await Referral.create(
                merchant_id=referrer.merchant_id,
                referrer_id=referrer.profile_id,
                friend_id=friend,
                status=ReferralStatus.REVIEW,
                reason=HOUSEHOLD,
                source=ReferralSource.LINK,
                created_at=datetime.now(UTC) - timedelta(hours=1),
            )
            for friend in friends
        ]
        try:
            yield [r.id for r in made]
        finally:
            await Referral.filter(id__in=[r.id for r in made]).delete()


async def figure(page: Any, key: str) -> str:
    return (await page.locator(f'#referral-figures [data-figure="{key}"] strong').text_content() or "").strip()


async def test_the_referrals_page_shows_the_reports_figures_and_the_owner_decides_the_review_queue(
    demo, waiting, page, page_errors, axe, screenshot
):
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    expected = (await admin(demo, REPORT, {"from": since}))["referralReport"]
    assert expected["inReview"] >= 2
    await open_dashboard(page, demo)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    await page.wait_for_selector('main[data-route="referrals"] #page-title')
    await page.wait_for_selector("#referral-figures")
    for key in ("clicks", "signups", "orders", "completed", "waiting", "inReview", "refused", "pointsPaid"):
        assert await figure(page, key) == await formatted(page, expected[key]), key
    meaning = await page.locator('#referral-figures [data-figure="inReview"] .hint').text_content()
    assert "held for your decision" in meaning
    queue = page.locator("#referral-queue tbody tr")
    await queue.first.wait_for()
    queued = [r["id"] for r in (await admin(demo, QUEUE))["referrals"]["nodes"]]
    shown = await queue.evaluate_all("(rows) => rows.map((r) => r.dataset.referral)")
    assert shown == queued
    assert await axe(page) == []
    await screenshot(page, "dashboard-referrals")

    approve, reject = (to_gid("Referral", i) for i in waiting)
    assert {approve, reject} <= set(shown)
    await page.locator(f'tr[data-referral="{approve}"]').get_by_role("button", name="Approve").click()
    await page.wait_for_selector(f'tr[data-referral="{approve}"]', state="detached")
    assert "Approved the referral" in (await page.locator("#referral-queue-status").text_content() or "")
    await page.locator(f'tr[data-referral="{reject}"]').get_by_role("button", name="Reject").click()
    await page.wait_for_selector(f'tr[data-referral="{reject}"]', state="detached")
    every = {r["id"]: r for r in (await admin(demo, EVERY))["referrals"]["nodes"]}
    assert every[approve]["status"] == "PENDING"
    assert (every[reject]["status"], every[reject]["reason"]) == ("REJECTED", "rejected on review")
    after = (await admin(demo, REPORT, {"from": since}))["referralReport"]
    assert after["inReview"] == expected["inReview"] - 2 and after["refused"] == expected["refused"] + 1
    await page.wait_for_function(
        "(n) => document.querySelector('#referral-figures [data-figure=inReview] strong').textContent.trim() === n",
        arg=await formatted(page, after["inReview"]),
    )
    assert await page.locator("#referral-refusals", has_text="rejected on review").count() == 1
    assert await axe(page) == []
    assert page_errors == []
