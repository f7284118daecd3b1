"""The points timeline from the program's first points: every month to now, empty ones as zero,
so a chart's month axis is continuous (read-only: one shared world)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.models import Entry
from tests.schema.conftest import admin, data

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

FULL = "{ economics { total { earned redeemed } timeline(interval: MONTH, fromFirstActivity: true) { start issued redeemed expired } } }"
ACTIVE = "{ economics { timeline(interval: MONTH) { start issued } } }"


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


async def test_the_full_timeline_runs_from_the_first_points_month_to_this_month_without_a_gap(client, world):
    periods = data(await admin(client, FULL))["economics"]["timeline"]
    starts = [datetime.fromisoformat(p["start"]) for p in periods]
    first = await Entry.filter(merchant_id=world.merchant.id).order_by("occurred_at").first()
    assert starts[0] == first.occurred_at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    now = datetime.now(UTC)
    assert (starts[-1].year, starts[-1].month) == (now.year, now.month)
    assert all(_next_month(a) == b for a, b in zip(starts, starts[1:], strict=False)), "a month is missing"
    assert any(p["issued"] == p["redeemed"] == p["expired"] == 0 for p in periods), "the quiet months are shown as zero"
    active = data(await admin(client, ACTIVE))["economics"]["timeline"]
    assert len(active) <= 12 < len(periods)
    full = {p["start"]: p["issued"] for p in periods}
    assert all(full[p["start"]] == p["issued"] for p in active), "both timelines count a month alike"


async def test_from_and_from_first_activity_together_are_refused(client, world):
    body = (
        await admin(
            client, '{ economics { timeline(from: "2020-01-01T00:00:00Z", fromFirstActivity: true) { start } } }'
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not both" in body["errors"][0]["message"]


async def test_a_timeline_ending_before_the_first_points_is_empty(client, world):
    body = (
        await admin(
            client,
            '{ economics { timeline(interval: DAY, fromFirstActivity: true, to: "1990-01-01T00:00:00Z") { start } } }',
        )
    ).json()
    assert body["data"]["economics"]["timeline"] == []
