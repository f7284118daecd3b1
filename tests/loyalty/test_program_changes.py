"""Rule changes: versions apply from their effective time, a change can be previewed (tier
moves, points over the last year), a replay shows and (on request) posts the differences, a
rebuild finds cached balances that disagree with the ledger, and the economics add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.economics import economics
from loyalty.expiry import expire_due
from loyalty.models import Entry, EntryKind, Member, OrderAccount, Reward, RewardKind
from loyalty.preview import preview_rules
from loyalty.processing import process_orders
from loyalty.replay import rebuild_balances, replay
from loyalty.rewards import redeem
from loyalty.rules import Rules, Tier
from tests.loyalty.helpers import RecordingIssuer, at

pytestmark = pytest.mark.db


async def test_each_order_earns_under_the_version_in_force_when_it_was_placed(shop):
    await shop.program(Rules(earn_rates={"USD": Decimal(1)}))
    await shop.program(Rules(earn_rates={"USD": Decimal(3)}), effective_from=at(10))
    cust, _ = await shop.customer()
    before, after = await shop.order(cust, [("a", 10)], when=at(5)), await shop.order(cust, [("a", 10)], when=at(15))
    await process_orders([before, after], now=at(20))
    assert [(await OrderAccount.get(order_id=o)).points for o in (before, after)] == [10, 30]


async def test_a_replay_is_a_dry_run_until_applied_and_then_agrees(shop):
    await shop.program(Rules())
    cust, profile = await shop.customer()
    orders = [await shop.order(cust, [("a", 10 * i)], when=at(i)) for i in range(1, 4)]
    await process_orders(orders, now=at(5))
    await shop.program(Rules(earn_rates={"USD": Decimal(2)}), effective_from=at(6))
    report = await replay(shop.merchant.id, now=at(7))
    assert report.orders == 3 and len(report.differences) == 3 and report.points_delta == 60
    assert (await Member.get(profile_id=profile)).pending == 60
    applied = await replay(shop.merchant.id, apply=True, now=at(7))
    assert applied.applied and (await Member.get(profile_id=profile)).pending == 120
    assert await Entry.filter(kind=EntryKind.ADJUST, actor="replay").count() == 3
    assert (await replay(shop.merchant.id, now=at(8))).differences == []
    assert await rebuild_balances(shop.merchant.id) == []


async def test_rebuild_reports_a_cached_balance_that_disagrees_and_can_fix_it(shop):
    await shop.program(Rules())
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 10)])], now=at(1))
    await Member.filter(profile_id=profile).update(pending=999)
    found = await rebuild_balances(shop.merchant.id)
    assert [(d.what, d.id, d.cached, d.ledger) for d in found] == [("member", profile, (0, 999, 10), (0, 10, 10))]
    await rebuild_balances(shop.merchant.id, apply=True)
    assert await rebuild_balances(shop.merchant.id) == []


async def test_a_rule_change_preview_shows_tier_moves_and_the_points_of_the_last_year(shop):
    ladder = (Tier("Silver", Decimal(100)), Tier("Gold", Decimal(200)))
    await shop.program(Rules(tiers=ladder))
    big_cust, big = await shop.customer()
    small_cust, small = await shop.customer()
    await process_orders(
        [
            await shop.order(big_cust, [("a", 150)], when=at(300)),
            await shop.order(small_cust, [("a", 60)], when=at(300)),
            await shop.order(small_cust, [("a", 500)], when=at(-100)),
        ],
        now=at(301),
    )
    assert (await Member.get(profile_id=big)).tier == "Silver"
    proposed = Rules(
        tiers=(Tier("Silver", Decimal(50)), Tier("Gold", Decimal(120))),
        earn_rates={"USD": Decimal("1.5")},
        tier_window="rolling_12m",
    )
    preview = await preview_rules(shop.merchant.id, proposed, at(310))
    assert [(pid, frm, to) for pid, frm, to in preview.moves_up] == [(big, "Silver", "Gold")]
    assert [(pid, frm, to) for pid, frm, to in preview.moves_down] == [(small, "Gold", "Silver")]
    assert (preview.orders, preview.points_before, preview.points_after) == (2, 210, 315)


async def test_economics_state_liability_redemption_rate_breakage_and_reward_cost(shop):
    await shop.program(Rules(release="immediate", point_value=Decimal("0.01"), expiry="fifo", expiry_months=1))
    cust, profile = await shop.customer()
    other_cust, _ = await shop.customer(store=shop.other)
    await process_orders(
        [
            await shop.order(cust, [("a", 400)], when=at(0)),
            await shop.order(other_cust, [("a", 100)], when=at(40), store=shop.other),
        ],
        now=at(40),
    )
    reward = await Reward.create(
        merchant=shop.merchant, name="$1", kind=RewardKind.FIXED_AMOUNT, points_cost=100, value=Decimal(1)
    )
    await redeem(profile, reward.id, shop.store.id, RecordingIssuer(), now=at(1))
    await expire_due(shop.merchant.id, at(45))
    figures = await economics(shop.merchant.id, at(45))
    total = figures.total
    assert (total.earned, total.redeemed, total.expired, total.outstanding) == (500, 100, 300, 100)
    assert total.liability == Decimal("1.00") and total.redemption_rate == 0.2 and total.breakage == 0.6
    assert total.reward_cost == {"USD": Decimal("1")}
    assert figures.stores[shop.store.id].earned == 400 and figures.stores[shop.store.id].redeemed == 100
    assert figures.stores[shop.other.id].outstanding == 100
    assert figures.tiers[None].members == 2
