"""The last refresh's as-of warning on the admin API (a refresh of its own, so a private world)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from insights.history import load_history
from insights.models import RefreshRun
from insights.refresh import refresh_merchant
from tests.schema.conftest import admin, data

pytestmark = pytest.mark.db

LAST = "{ insights { lastRefresh { status asOf warning } modelCheck { status } } }"


async def test_a_refresh_dated_years_after_the_last_order_shows_its_warning_on_the_api(client, world):
    await refresh_merchant(world.merchant.id, as_of=datetime(2026, 12, 1, tzinfo=UTC))
    last = data(await admin(client, LAST))["insights"]["lastRefresh"]
    stored = await RefreshRun.filter(merchant_id=world.merchant.id).order_by("-started_at", "-id").first()
    assert last["warning"] == stored.warning
    history = await load_history(world.merchant.id)
    newest = max(o.created_at for o in history.orders if o.net > 0).date()  # a free order is no purchase
    silent = (datetime(2026, 12, 1).date() - newest).days
    assert last["warning"].startswith(f"as-of 2026-12-01 is {silent:,} days after the last order ({newest.isoformat()}")
    assert last["asOf"].startswith("2026-12-01")
    assert data(await admin(client, LAST))["insights"]["modelCheck"] == [{"status": "SUFFICIENT"}], (
        "the held-out weeks of 2026 are empty, yet the fit before them is the same history"
    )
