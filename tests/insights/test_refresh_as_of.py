"""A refresh without an as-of is as of the start of today (UTC), whoever runs it and at what hour,
so the scheduler's, the demo's and ``rapport insights refresh``'s runs of one day agree."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from insights.models import ClvPrediction, ProfileSegment
from insights.refresh import refresh_merchant, start_of_day
from store.ingest import upsert_orders
from store.models import Merchant, Store
from store.records import CustomerRecord, OrderRecord
from tests.support.servers import ROOT, subprocess_env


def test_the_start_of_a_day_is_midnight_utc_of_that_utc_day():
    late_in_paris = datetime(2026, 12, 6, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert start_of_day(late_in_paris) == datetime(2026, 12, 5, tzinfo=UTC)
    assert start_of_day(datetime(2026, 12, 6, 23, 59, 59, 999999, tzinfo=UTC)) == datetime(2026, 12, 6, tzinfo=UTC)
    assert start_of_day() == datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def _shop() -> Store:
    merchant = await Merchant.create(name="Acme")
    store = await Store.create(merchant=merchant, platform="shopify", domain="acme.myshopify.com", public_key="pk-a")
    first = start_of_day() - timedelta(days=90)
    await upsert_orders(
        store,
        [
            OrderRecord(
                platform_id=f"o{i}",
                currency="USD",
                total=Decimal(10 + i),
                created_at=first + timedelta(days=9 * i),
                updated_at=first + timedelta(days=9 * i),
                customer=CustomerRecord(platform_id=f"c{i % 3}", updated_at=first, email=f"p{i % 3}@example.com"),
            )
            for i in range(9)
        ],
    )
    return store


def refresh_command(database_url: str) -> subprocess.CompletedProcess:
    """``rapport insights refresh`` with its defaults."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "insights", "refresh"],
        cwd=ROOT,
        env=subprocess_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.db
@pytest.mark.usefixtures("db")
async def test_a_refresh_without_an_as_of_is_as_of_the_start_of_today():
    store = await _shop()
    await refresh_merchant(store.merchant_id)
    today = start_of_day()
    assert {s.as_of for s in await ProfileSegment.filter(merchant_id=store.merchant_id)} == {today}
    assert {p.as_of for p in await ClvPrediction.filter(merchant_id=store.merchant_id)} == {today}


@pytest.mark.db
@pytest.mark.usefixtures("db")
async def test_the_refresh_command_without_as_of_gives_what_a_refresh_as_of_the_start_of_today_gives(database_url):
    store = await _shop()

    async def figures() -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
        predictions = (
            await ClvPrediction.filter(merchant_id=store.merchant_id)
            .order_by("profile_id")
            .values("profile_id", "probability_alive", "clv", "next_order_at", "as_of")
        )
        segments = (
            await ProfileSegment.filter(merchant_id=store.merchant_id)
            .order_by("profile_id")
            .values_list("profile_id", "segment", "recency_days", "tier", "as_of")
        )
        return predictions, segments

    for _ in range(2):  # once more if midnight (UTC) passes while the command runs: today moved
        today = start_of_day()
        await refresh_merchant(store.merchant_id, as_of=today)
        before = await figures()
        result = refresh_command(database_url)
        assert result.returncode == 0, result.stderr
        if start_of_day() == today:
            break
    assert await figures() == before
    assert before[0] and before[0][0]["as_of"] == today
