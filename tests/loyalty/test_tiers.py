"""Tiers over simulated time: each window, immediate upgrades, downgrades only at
re-evaluation after the grace period, perks, and progress for the storefront."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.models import Entry, EntryKind, Member, OrderAccount
from loyalty.processing import process_orders
from loyalty.rules import Rules, Tier
from loyalty.tiers import reevaluate_tiers, tier_progress
from tests.loyalty.helpers import at

pytestmark = pytest.mark.db

LADDER = (
    Tier("Silver", Decimal(100), entry_points=25),
    Tier("Gold", Decimal(500), multiplier=Decimal(2), free_shipping=True),
)


async def tier_of(profile: int) -> str | None:
    return (await Member.get(profile_id=profile)).tier


async def test_a_member_is_upgraded_as_soon_as_an_order_qualifies_and_gets_the_entry_reward_once(shop):
    await shop.program(Rules(tiers=LADDER))
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 60)], when=at(0))], now=at(0))
    assert await tier_of(profile) is None
    await process_orders([await shop.order(cust, [("a", 60)], when=at(1))], now=at(1))
    assert await tier_of(profile) == "Silver"
    assert await Entry.filter(profile_id=profile, kind=EntryKind.TIER_REWARD).count() == 1


async def test_the_gold_multiplier_applies_to_orders_placed_once_gold(shop):
    await shop.program(Rules(tiers=LADDER))
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 500)], when=at(0))], now=at(0))
    assert await tier_of(profile) == "Gold"
    later = await shop.order(cust, [("a", 10)], when=at(1))
    await process_orders([later], now=at(1))
    assert (await OrderAccount.get(order_id=later)).points == 20


@pytest.mark.parametrize(
    ("window", "kept_after_a_year"),
    [("lifetime", "Silver"), ("rolling_12m", None), ("calendar_year", None)],
)
async def test_each_window_counts_what_falls_inside_it(shop, window, kept_after_a_year):
    await shop.program(Rules(tiers=LADDER, tier_window=window, tier_grace_days=0))
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 150)], when=at(100))], now=at(100))
    assert await tier_of(profile) == "Silver"
    await reevaluate_tiers(shop.merchant.id, at(300))
    assert await tier_of(profile) == "Silver"
    await reevaluate_tiers(shop.merchant.id, at(470))
    assert await tier_of(profile) == kept_after_a_year


async def test_the_calendar_year_window_starts_on_the_first_of_january(shop):
    await shop.program(Rules(tiers=LADDER, tier_window="calendar_year", tier_grace_days=0))
    cust, profile = await shop.customer()
    await process_orders(
        [await shop.order(cust, [("a", 150)], when=datetime(2025, 12, 30, tzinfo=UTC))],
        now=datetime(2025, 12, 30, tzinfo=UTC),
    )
    await reevaluate_tiers(shop.merchant.id, datetime(2025, 12, 31, tzinfo=UTC))
    assert await tier_of(profile) == "Silver"
    await reevaluate_tiers(shop.merchant.id, datetime(2026, 1, 2, tzinfo=UTC))
    assert await tier_of(profile) is None


async def test_a_downgrade_waits_for_the_grace_period_and_a_new_order_in_between_cancels_it(shop):
    await shop.program(Rules(tiers=LADDER, tier_window="rolling_12m", tier_grace_days=30))
    cust, profile = await shop.customer()
    other_cust, other = await shop.customer()
    await process_orders(
        [await shop.order(cust, [("a", 150)], when=at(0)), await shop.order(other_cust, [("a", 150)], when=at(0))],
        now=at(0),
    )
    counts = await reevaluate_tiers(shop.merchant.id, at(370))
    assert counts["grace_started"] == 2
    assert await tier_of(profile) == "Silver" and await tier_of(other) == "Silver"
    await process_orders([await shop.order(other_cust, [("a", 120)], when=at(380))], now=at(380))
    await reevaluate_tiers(shop.merchant.id, at(395))
    assert await tier_of(profile) == "Silver"
    counts = await reevaluate_tiers(shop.merchant.id, at(401))
    assert counts["downgraded"] == 1
    assert await tier_of(profile) is None and await tier_of(other) == "Silver"
    assert (await Member.get(profile_id=other)).tier_grace_until is None


@pytest.mark.parametrize(
    ("metric", "orders", "expected"),
    [
        ("spend", [("a", "57.50")], "spend 42.50 USD more to reach Silver"),
        ("orders", [("a", 1)], "2 more orders to reach Silver"),
        ("points", [("a", 40)], "60 more points to reach Silver"),
    ],
)
async def test_progress_to_the_next_tier_reads_as_a_sentence(shop, metric, orders, expected):
    ladder = (Tier("Silver", Decimal(3 if metric == "orders" else 100)),)
    await shop.program(Rules(tiers=ladder, tier_metric=metric))
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, orders, when=at(0))], now=at(0))
    assert (await tier_progress(profile, at(1))).describe() == expected


async def test_history_loaded_later_dates_the_tier_and_its_reward_at_the_order_that_reached_it(shop):
    await shop.program(Rules(tiers=LADDER))
    cust, profile = await shop.customer()
    first = [await shop.order(cust, [("a", 60)], when=at(0)), await shop.order(cust, [("a", 60)], when=at(30))]
    await process_orders(first, now=at(400))  # installed long after the orders were placed
    member = await Member.get(profile_id=profile)
    assert member.tier == "Silver" and member.tier_since == at(30)
    [reward] = await Entry.filter(profile_id=profile, kind=EntryKind.TIER_REWARD)
    assert reward.occurred_at == at(30) and reward.cause == "Silver"
    await process_orders([await shop.order(cust, [("a", 500)], when=at(90))], now=at(401))
    member = await Member.get(profile_id=profile)
    assert member.tier == "Gold" and member.tier_since == at(90)


async def test_a_rolling_window_dates_the_tier_from_the_run_of_orders_that_still_qualifies(shop):
    await shop.program(Rules(tiers=LADDER, tier_window="rolling_12m"))
    cust, profile = await shop.customer()
    orders = [
        await shop.order(cust, [("a", 120)], when=at(0)),
        await shop.order(cust, [("a", 120)], when=at(500)),
        await shop.order(cust, [("a", 10)], when=at(520)),
    ]
    await process_orders(orders, now=at(530))
    member = await Member.get(profile_id=profile)
    assert member.tier == "Silver" and member.tier_since == at(500)
