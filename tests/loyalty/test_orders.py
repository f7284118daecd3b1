"""Orders into points: pending until the return window passes, clawbacks under the rules that
awarded them, cancellation reversal, store credit, debt paid from later earnings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import Entry, EntryKind, Member, OrderAccount, Reward, RewardKind
from loyalty.processing import process_orders
from loyalty.release import release_due
from loyalty.replay import rebuild_balances
from loyalty.rewards import redeem
from loyalty.rules import ActionRule, Rules
from tests.loyalty.helpers import RecordingIssuer, at, refund

pytestmark = pytest.mark.db


async def balances(profile: int) -> tuple[int, int, int]:
    m = await Member.get(profile_id=profile)
    return m.available, m.pending, m.lifetime


async def test_an_order_earns_pending_points_that_become_available_after_the_return_window(shop):
    await shop.program(Rules(return_window_days=30))
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", "40.50"), ("b", "19.99")], when=at(0))
    await process_orders([order], now=at(1))
    assert await balances(profile) == (0, 60, 60)
    assert await release_due(at(29)) == 0
    assert await release_due(at(31)) == 1
    assert await balances(profile) == (60, 0, 60)
    assert await release_due(at(40)) == 0


async def test_processing_the_same_orders_again_credits_nothing(shop):
    await shop.program(Rules())
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 25)])
    for _ in range(3):
        await process_orders([order, order], now=at(1))
    assert await balances(profile) == (0, 25, 25)
    assert await Entry.filter(profile_id=profile).count() == 1


async def test_the_basis_leaves_out_shipping_gift_cards_and_order_discounts(shop):
    await shop.program(Rules(after_discounts=True))
    cust, profile = await shop.customer()
    order = await shop.order(
        cust,
        [("a", 80), ("b", 20), ("gift", 50)],
        discount=Decimal("15"),
        shipping=Decimal("9.90"),
        gift_cards=("gift",),
    )
    await process_orders([order], now=at(1))
    assert await balances(profile) == (0, 90, 90)  # 100 of goods less 10 of the 15 discount share


async def test_a_partial_refund_claws_back_under_the_rules_that_awarded_the_order(shop):
    await shop.program(Rules(earn_rates={"USD": Decimal(2)}))
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 30), ("b", 20)], when=at(0), platform_id="o-ref")
    await process_orders([order], now=at(1))
    assert await balances(profile) == (0, 100, 100)
    await shop.program(Rules(earn_rates={"USD": Decimal(10)}), effective_from=at(2))
    await shop.order(
        cust,
        [("a", 30), ("b", 20)],
        when=at(0),
        platform_id="o-ref",
        refunds=(refund("r1", "o-ref", at(3), [("b", 20)]),),
    )
    await process_orders([order], now=at(4))
    assert await balances(profile) == (0, 60, 60)
    clawback = await Entry.get(profile_id=profile, kind=EntryKind.CLAWBACK)
    assert clawback.pending == -40
    assert clawback.version_id == (await OrderAccount.get(order_id=order)).version_id


async def test_a_store_credit_refund_counts_as_a_refund(shop):
    await shop.program(Rules())
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 50)], platform_id="o-sc")
    await shop.order(
        cust, [("a", 50)], platform_id="o-sc", refunds=(refund("r-sc", "o-sc", at(2), amount=20, store_credit=True),)
    )
    await process_orders([order], now=at(3))
    assert await balances(profile) == (0, 30, 30)


async def test_a_cancellation_reverses_all_of_the_orders_points(shop):
    await shop.program(Rules(release="immediate"))
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 70)], platform_id="o-c")
    await process_orders([order], now=at(1))
    assert await balances(profile) == (70, 0, 70)
    await shop.order(cust, [("a", 70)], platform_id="o-c", cancelled_at=at(2))
    await process_orders([order], now=at(2))
    assert await balances(profile) == (0, 0, 0)
    assert await Entry.filter(profile_id=profile, kind=EntryKind.REVERSAL).count() == 1


async def test_a_clawback_below_zero_is_recorded_as_debt_and_paid_from_later_earnings(shop):
    await shop.program(Rules(release="immediate"))
    cust, profile = await shop.customer()
    first = await shop.order(cust, [("a", 100)], platform_id="o-d1", when=at(0))
    await process_orders([first], now=at(1))
    reward = await Reward.create(
        merchant=shop.merchant, name="$1 off", kind=RewardKind.FIXED_AMOUNT, points_cost=80, value=Decimal("1")
    )
    await redeem(profile, reward.id, shop.store.id, RecordingIssuer(), now=at(2))
    await shop.order(
        cust, [("a", 100)], platform_id="o-d1", when=at(0), refunds=(refund("r-d1", "o-d1", at(3), [("a", 100)]),)
    )
    await process_orders([first], now=at(3))
    member = await Member.get(profile_id=profile)
    assert member.available == -80 and member.debt == 80
    clawback = await Entry.get(profile_id=profile, kind=EntryKind.CLAWBACK)
    assert clawback.available == -100 and clawback.data["debt"] == 80
    second = await shop.order(cust, [("a", 50)], when=at(5))
    await process_orders([second], now=at(5))
    assert (await Member.get(profile_id=profile)).available == -30
    assert await rebuild_balances(shop.merchant.id) == []


async def test_fulfilment_release_mode_releases_when_the_order_is_fulfilled(shop):
    await shop.program(Rules(release="fulfilment"))
    cust, profile = await shop.customer()
    order = await shop.order(cust, [("a", 10)], platform_id="o-f")
    await process_orders([order], now=at(1))
    assert await release_due(at(400)) == 0
    assert await balances(profile) == (0, 10, 10)
    await shop.order(cust, [("a", 10)], platform_id="o-f", fulfilled=True)
    await process_orders([order], now=at(2))
    assert await balances(profile) == (10, 0, 10)


async def test_multipliers_rounding_and_the_per_order_cap_apply(shop):
    await shop.program(Rules(product_multipliers={"p-vinyl": Decimal(3)}, rounding="half_up", max_points_per_order=100))
    cust, profile = await shop.customer()
    small = await shop.order(cust, [("vinyl", "10.50"), ("cd", "0.60")])
    big = await shop.order(cust, [("vinyl", 60)])
    await process_orders([small, big], now=at(1))
    assert (await OrderAccount.get(order_id=small)).points == 32  # 31.5 + 0.6 = 32.1
    assert (await OrderAccount.get(order_id=big)).points == 100


async def test_orders_before_the_program_began_or_without_customer_earn_nothing(shop):
    await shop.program(Rules(), effective_from=at(10))
    cust, profile = await shop.customer()
    early = await shop.order(cust, [("a", 10)], when=at(5))
    guestless = await shop.order(None, [("a", 10)], when=at(11))
    result = await process_orders([early, guestless], now=at(12))
    assert result.skipped == 2 and await OrderAccount.all().count() == 0


async def test_the_first_order_action_is_paid_once(shop):
    await shop.program(Rules(actions={"first_order": ActionRule(points=50)}))
    cust, profile = await shop.customer()
    one = await shop.order(cust, [("a", 10)], when=at(1))
    two = await shop.order(cust, [("a", 10)], when=at(2))
    await process_orders([two], now=at(3))
    await process_orders([one, two], now=at(3))
    assert await Entry.filter(profile_id=profile, kind=EntryKind.ACTION).count() == 1
    assert await balances(profile) == (50, 20, 70)
