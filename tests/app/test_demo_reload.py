"""The demo's history ends the day before it runs; a database loaded on an earlier day is reloaded
whole, never left with two histories mixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.demo.run import demo_data, prepare
from app.sample_program import install_sample_program
from insights.refresh import start_of_day
from loyalty.models import Entry, Member, Redemption, Reward
from loyalty.rewards import redeem
from sandbox.dataset import MERCHANT_NAME
from store.ingest import upsert_orders
from store.models import Customer, Merchant, Order, Store
from store.people import ensure_profiles
from store.records import OrderRecord
from tests.loyalty.helpers import RecordingIssuer

pytestmark = [pytest.mark.db, pytest.mark.slow, pytest.mark.usefixtures("db")]
EARLIER, TODAY = date(2026, 11, 2), date(2026, 12, 6)
"""Fixed days, so the test does not depend on the clock."""


def test_the_demo_shows_the_history_moved_to_end_the_day_before_it_runs():
    data = demo_data(TODAY)
    assert data.orders[-1].created_at.date() == TODAY - timedelta(days=1)
    assert data.orders[0].created_at.date() == date(1997, 1, 1) + timedelta(days=data.days_shifted)


async def _program_with_a_redemption(merchant: Merchant, today: date) -> None:
    """Points earned, and a reward redeemed (a reward cannot be deleted while a redemption holds it)."""
    data = demo_data(today)
    await ensure_profiles(await Customer.filter(profile_id=None).values_list("id", flat=True))
    now = datetime.combine(today, datetime.min.time(), UTC)
    await install_sample_program(merchant.id, now=now, effective_from=start_of_day(data.orders[0].created_at))
    member = await Member.filter(merchant_id=merchant.id, available__gte=500).order_by("id").first()
    reward = await Reward.get(merchant_id=merchant.id, points_cost=500)
    shopify = await Store.get(merchant_id=merchant.id, platform="shopify")
    await redeem(member.profile_id, reward.id, shopify.id, RecordingIssuer(), now=now)


async def test_a_database_loaded_on_an_earlier_day_is_reloaded_with_this_days_history():
    first = await prepare(EARLIER)
    assert "6919 orders" in first and "history 1998" not in first and "reloaded" not in first
    old = await Merchant.get(name=MERCHANT_NAME)
    await _program_with_a_redemption(old, EARLIER)

    summary = await prepare(TODAY)

    assert "reloaded, it ended 2026-11-01 before" in summary
    data = demo_data(TODAY)
    assert f"history {data.orders[0].created_at:%Y-%m-%d} to 2026-12-05" in summary
    [merchant] = await Merchant.filter(name=MERCHANT_NAME)
    assert merchant.id != old.id
    assert await Order.all().count() == len(data.orders) == 6919
    assert await Order.filter(merchant_id=old.id).count() == 0
    first_order = await Order.all().order_by("platform_created_at").first()
    last_order = await Order.all().order_by("-platform_created_at").first()
    assert (first_order.platform_created_at, last_order.platform_created_at) == (
        data.orders[0].created_at,
        data.orders[-1].created_at,
    )
    for model in (Entry, Member, Redemption, Reward):
        assert await model.all().count() == 0, f"{model.__name__} rows of the earlier day's history remain"


async def test_starting_again_on_the_same_day_keeps_the_loaded_merchant_and_orders_placed_since():
    await prepare(TODAY)
    merchant = await Merchant.get(name=MERCHANT_NAME)
    shopify = await Store.get(merchant_id=merchant.id, platform="shopify")
    placed = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=9)
    await upsert_orders(
        shopify,
        [
            OrderRecord(
                platform_id="placed-today", currency="USD", total=Decimal("12.00"), created_at=placed, updated_at=placed
            )
        ],
    )

    again = await prepare(TODAY)

    assert "reloaded" not in again and "(0 orders new this run)" in again
    assert (await Merchant.get(name=MERCHANT_NAME)).id == merchant.id
    assert await Order.filter(platform_id="placed-today").exists()
