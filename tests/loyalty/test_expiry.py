"""Expiry in both modes over simulated time, with a reminder event before points expire."""

from __future__ import annotations

import pytest

from loyalty.actions import adjust
from loyalty.events import register_endpoint
from loyalty.expiry import add_months, expire_due, open_lots
from loyalty.models import Entry, EntryKind, Event, Member, Reward, RewardKind
from loyalty.processing import process_orders
from loyalty.rewards import redeem
from loyalty.rules import Rules
from tests.loyalty.helpers import RecordingIssuer, at

pytestmark = pytest.mark.db


def test_lots_are_spent_oldest_first():
    assert open_lots([(1, at(0), 100), (2, at(10), 50), (3, at(20), -120), (4, at(30), 10)]) == [
        (2, at(10), 30),
        (4, at(30), 10),
    ]


def test_months_are_added_on_the_calendar():
    assert add_months(at(30), 1).day == 28  # 31 January plus a month is the end of February


async def test_fifo_expiry_takes_each_lot_n_months_after_it_became_available(shop):
    await shop.program(Rules(release="immediate", expiry="fifo", expiry_months=6, reminder_days=14))
    await register_endpoint(shop.merchant.id, "http://127.0.0.1:9/hook", "s3cret", ["points.expiring"])
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 100)], when=at(0))], now=at(0))
    await process_orders([await shop.order(cust, [("a", 50)], when=at(60))], now=at(60))
    reward = await Reward.create(
        merchant=shop.merchant,
        name="cash",
        kind=RewardKind.POINTS_TO_CASH,
        min_points=1,
        max_points=1000,
        cash_per_point=1,
        valid_days=365,
    )
    await redeem(profile, reward.id, shop.store.id, RecordingIssuer(), points=30, now=at(90))

    counts = await expire_due(shop.merchant.id, at(170))
    assert counts == {"expired_points": 0, "reminders": 1, "codes": 0}
    assert (await Event.get(kind="points.expiring")).data["points"] == 70
    await expire_due(shop.merchant.id, at(171))
    assert await Event.filter(kind="points.expiring").count() == 1  # one reminder per lot

    assert (await expire_due(shop.merchant.id, at(182)))["expired_points"] == 70
    assert (await Member.get(profile_id=profile)).available == 50
    assert (await expire_due(shop.merchant.id, at(200)))["expired_points"] == 0
    assert (await expire_due(shop.merchant.id, at(245)))["expired_points"] == 50
    assert (await Member.get(profile_id=profile)).available == 0


async def test_inactivity_expiry_takes_everything_after_n_idle_months_and_activity_resets_the_clock(shop):
    await shop.program(Rules(release="immediate", expiry="inactivity", expiry_months=3, reminder_days=10))
    await register_endpoint(shop.merchant.id, "http://127.0.0.1:9/hook", "s3cret")
    cust, profile = await shop.customer()
    idle_cust, idle = await shop.customer()
    await process_orders(
        [await shop.order(cust, [("a", 40)], when=at(0)), await shop.order(idle_cust, [("a", 25)], when=at(0))],
        now=at(0),
    )
    await process_orders([await shop.order(cust, [("a", 10)], when=at(60))], now=at(60))
    counts = await expire_due(shop.merchant.id, at(85))
    assert counts["reminders"] == 1 and counts["expired_points"] == 0
    assert (await Event.get(kind="points.expiring")).profile_id == idle
    counts = await expire_due(shop.merchant.id, at(91))
    assert counts["expired_points"] == 25
    assert (await Member.get(profile_id=idle)).available == 0
    assert (await Member.get(profile_id=profile)).available == 50
    await adjust(profile, 5, reason="survey", actor="owner", now=at(140))
    assert (await expire_due(shop.merchant.id, at(200)))["expired_points"] == 0
    assert (await expire_due(shop.merchant.id, at(232)))["expired_points"] == 55
    assert await Entry.filter(kind=EntryKind.EXPIRE).count() == 2
