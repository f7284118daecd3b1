"""The sandbox history moved to end on a given day (``build(..., ends=day)``), as the demo uses it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from sandbox.dataset import Refund, SandboxData, build, digest, last_order_day, shifted
from tests.sandbox.test_dataset import ROOT

ENDS = date(2026, 12, 5)


@pytest.fixture(scope="module")
def recorded() -> SandboxData:
    return build("sample", 7)


@pytest.fixture(scope="module")
def moved() -> SandboxData:
    return build("sample", 7, ends=ENDS)


def test_the_default_build_keeps_the_recorded_cdnow_dates(recorded):
    assert recorded.orders[0].created_at.date() == date(1997, 1, 1)
    assert last_order_day(recorded) == date(1998, 6, 30)
    assert recorded.days_shifted == 0


def test_the_latest_order_falls_on_the_requested_day_and_the_first_moves_as_far(recorded, moved):
    days = (ENDS - date(1998, 6, 30)).days
    assert last_order_day(moved) == ENDS
    assert moved.days_shifted == days
    assert moved.orders[0].created_at == recorded.orders[0].created_at + timedelta(days=days)


def test_every_timestamp_moves_by_the_same_whole_days_and_nothing_else_changes(recorded, moved):
    delta = timedelta(days=moved.days_shifted)
    for before, after in zip(recorded.orders, moved.orders, strict=True):
        assert after.created_at - before.created_at == delta and after.updated_at - before.updated_at == delta
        assert (after.platform_id, after.name, after.total, after.subtotal, after.lines, after.email) == (
            before.platform_id,
            before.name,
            before.total,
            before.subtotal,
            before.lines,
            before.email,
        )
        assert after.created_at.time() == before.created_at.time()
    for before, after in zip(recorded.customers, moved.customers, strict=True):
        assert after.created_at - before.created_at == delta and after.platform_id == before.platform_id
    for before, after in zip(recorded.products, moved.products, strict=True):
        assert after.updated_at - before.updated_at == delta and after.variants == before.variants
    assert moved.people == recorded.people  # birthdays are dates of birth, not history


def test_the_gaps_between_a_persons_purchases_are_the_recorded_ones(recorded, moved):
    def gaps(data: SandboxData) -> dict[int, list[timedelta]]:
        times: dict[int, list[datetime]] = {}
        for order in data.orders:
            times.setdefault(order.person_id, []).append(order.created_at)
        return {pid: [b - a for a, b in zip(ts, ts[1:], strict=False)] for pid, ts in times.items()}

    assert gaps(moved) == gaps(recorded)


def test_refunds_and_cancellations_move_with_their_orders(recorded):
    order = recorded.orders[0]
    refund = Refund(platform_id=1, created_at=order.created_at + timedelta(days=3), amount=order.total, note="r")
    data = replace(recorded, orders=(replace(order, refunds=(refund,), cancelled_at=order.created_at),))
    moved = shifted(data, 10)
    assert moved.orders[0].refunds[0].created_at == refund.created_at + timedelta(days=10)
    assert moved.orders[0].cancelled_at == order.created_at + timedelta(days=10)


def test_a_moved_data_set_is_cached_per_source_seed_and_day(moved):
    assert build("sample", 7, ends=ENDS) is moved
    other = build("sample", 7, ends=ENDS + timedelta(days=1))
    assert other is not moved and last_order_day(other) == ENDS + timedelta(days=1)
    assert build("sample", 7) is not moved


def test_a_moved_data_set_is_the_same_in_another_process(moved):
    code = (
        "from datetime import date; from sandbox.dataset import build, digest; "
        f"print(digest(build('sample', 7, ends=date({ENDS.year}, {ENDS.month}, {ENDS.day}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest(moved)


@pytest.mark.parametrize(
    ("ends", "error", "message"),
    [
        (datetime(2026, 12, 5, tzinfo=UTC), TypeError, "ends must be a date (a day, not a date-time)"),
        ("2026-12-05", TypeError, "ends must be a date (a day, not a date-time), not str"),
        (date(1998, 6, 29), ValueError, "ends 1998-06-29 is before the history's own last day 1998-06-30"),
    ],
)
def test_an_end_that_is_not_a_day_after_the_history_is_refused_clearly(ends, error, message):
    with pytest.raises(error) as raised:
        build("sample", 7, ends=ends)
    assert message in str(raised.value)


def test_ending_on_the_recorded_last_day_is_the_recorded_data(recorded):
    assert digest(build("sample", 7, ends=date(1998, 6, 30))) == digest(recorded)
