"""Redeeming limited rewards: tier, value tier and launch refusals, per-member limits in a period,
stock never oversold by racing members and given back when a code fails, and the acceptance
test of the points-to-cash slider: 50 concurrent redemptions of different amounts on one balance
never overspend."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

import pytest

from loyalty.actions import adjust
from loyalty.errors import InsufficientPoints, LimitReached, OutOfStock, RedemptionFailed, RewardLocked
from loyalty.models import Entry, EntryKind, Member, Redemption, RedemptionStatus, Reward, RewardKind
from loyalty.replay import rebuild_balances
from loyalty.rewards import redeem, usages
from loyalty.rules import Rules, Tier
from tests.loyalty.helpers import FailingIssuer, RecordingIssuer, at

pytestmark = pytest.mark.db

RULES = Rules(tiers=(Tier("Silver", Decimal(100)), Tier("Gold", Decimal(500))))


async def member(shop, points: int, tier: str | None = None) -> int:
    _, profile = await shop.customer()
    await adjust(profile, points, reason="welcome gift", actor="owner@shop", key=f"fund-{profile}")
    if tier is not None:
        await Member.filter(profile_id=profile).update(tier=tier)
    return profile


async def fixed(shop, **kw) -> Reward:
    return await Reward.create(
        merchant=shop.merchant,
        name="$5 off",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=100,
        value=Decimal("5"),
        **kw,
    )


async def balance(profile: int) -> int:
    return (await Member.get(profile_id=profile)).available


async def test_locked_rewards_are_refused_before_any_point_is_spent(shop):
    await shop.program(RULES)
    silver = await member(shop, 1000, "Silver")
    issuer = RecordingIssuer()
    gold_only = await fixed(shop, min_tier="Gold")
    with pytest.raises(RewardLocked, match="Reach Gold to unlock") as locked:
        await redeem(silver, gold_only.id, shop.store.id, issuer, now=at(1))
    assert locked.value.code == "reward_locked" and locked.value.reasons == ("tier",)
    vip_only = await fixed(shop, value_tiers=["vip"])
    with pytest.raises(RewardLocked, match="For VIP customers only"):
        await redeem(silver, vip_only.id, shop.store.id, issuer, now=at(1), value_tier="regular")
    launch = await fixed(shop, starts_at=at(5), early_tier="Gold", early_starts_at=at(3))
    with pytest.raises(RewardLocked, match="Available from"):
        await redeem(silver, launch.id, shop.store.id, issuer, now=at(4))
    assert issuer.requests == [] and await balance(silver) == 1000
    assert await Redemption.filter(profile_id=silver).count() == 0

    await redeem(silver, vip_only.id, shop.store.id, issuer, now=at(1), value_tier="vip")
    gold = await member(shop, 1000, "Gold")
    early = await redeem(gold, launch.id, shop.store.id, issuer, now=at(4))
    await redeem(gold, gold_only.id, shop.store.id, issuer, now=at(1))
    assert early.starts_at is None and issuer.requests[1][1].starts_at is None
    assert early.expires_at == at(4) + (at(90) - at(0))
    assert await balance(gold) == 800 and await balance(silver) == 900


async def test_the_member_limit_counts_redemptions_in_its_rolling_period_but_not_failed_ones(shop):
    await shop.program(RULES)
    profile = await member(shop, 2000)
    weekly = await fixed(shop, per_member_limit=2, limit_period_days=7)
    issuer = RecordingIssuer()
    with pytest.raises(RedemptionFailed):
        await redeem(profile, weekly.id, shop.store.id, FailingIssuer(), now=at(0.5))
    await redeem(profile, weekly.id, shop.store.id, issuer, now=at(1))
    await redeem(profile, weekly.id, shop.store.id, issuer, now=at(5))
    with pytest.raises(LimitReached, match="Limit of 2 every 7 days reached") as reached:
        await redeem(profile, weekly.id, shop.store.id, issuer, now=at(7))
    assert reached.value.code == "limit_reached"
    assert (await usages(profile, [weekly], at(7)))[weekly.id].frees_at == at(8)
    await redeem(profile, weekly.id, shop.store.id, issuer, now=at(8.5))
    assert len(issuer.requests) == 3 and await balance(profile) == 1700


async def test_stock_runs_out_and_a_failed_code_gives_its_unit_back(shop):
    await shop.program(RULES)
    reward = await fixed(shop, stock=1)
    first, second = await member(shop, 500), await member(shop, 500)
    with pytest.raises(RedemptionFailed):
        await redeem(first, reward.id, shop.store.id, FailingIssuer(), now=at(1))
    await reward.refresh_from_db()
    assert reward.claimed == 0
    await redeem(first, reward.id, shop.store.id, RecordingIssuer(), now=at(1))
    with pytest.raises(OutOfStock) as out:
        await redeem(second, reward.id, shop.store.id, RecordingIssuer(), now=at(1))
    assert out.value.code == "out_of_stock" and await balance(second) == 500
    await reward.refresh_from_db()
    assert reward.claimed == 1


async def test_concurrent_members_never_take_more_than_the_stock(shop):
    await shop.program(RULES)
    reward = await fixed(shop, stock=7)
    profiles = [await member(shop, 300) for _ in range(20)]
    issuer = RecordingIssuer()

    async def attempt(profile: int) -> str:
        try:
            await redeem(profile, reward.id, shop.store.id, issuer, now=at(1))
            return "ok"
        except OutOfStock:
            return "out"

    outcomes = await asyncio.gather(*(attempt(p) for p in profiles))
    assert outcomes.count("ok") == 7 and outcomes.count("out") == 13
    await reward.refresh_from_db()
    assert reward.claimed == 7 and len(issuer.requests) == 7
    assert await Redemption.filter(reward_id=reward.id).count() == 7
    assert sorted([await balance(p) for p in profiles]) == [200] * 7 + [300] * 13


async def test_fifty_concurrent_slider_redemptions_of_different_amounts_never_overspend(shop):
    await shop.program(RULES)
    start = 10_000
    profile = await member(shop, start)
    slider = await Reward.create(
        merchant=shop.merchant,
        name="Points to cash",
        kind=RewardKind.POINTS_TO_CASH,
        value=Decimal(0),
        cash_per_point=Decimal("0.01"),
        min_points=100,
        max_points=1500,
    )
    amounts = random.Random(19).sample(range(100, 1501), 50)
    assert sum(amounts) > start * 2
    issuer = RecordingIssuer()

    async def attempt(i: int, points: int) -> int | InsufficientPoints:
        try:
            await redeem(profile, slider.id, shop.store.id, issuer, points=points, request_key=f"slide-{i}", now=at(1))
            return points
        except InsufficientPoints as exc:  # the only refusal allowed
            return exc

    outcomes = await asyncio.gather(*(attempt(i, p) for i, p in enumerate(amounts)))
    spent = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if not isinstance(o, int)]
    assert spent and refused and len(spent) + len(refused) == 50
    assert sum(spent) <= start
    left = start - sum(spent)
    assert await balance(profile) == left
    assert all(exc.needed > exc.available for exc in refused)
    assert min(exc.needed for exc in refused) > 0
    debits = await Entry.filter(profile_id=profile, kind=EntryKind.REDEEM).values_list("available", flat=True)
    assert sorted(-d for d in debits) == sorted(spent)
    issued = await Redemption.filter(profile_id=profile, status=RedemptionStatus.ISSUED)
    assert sorted(r.points for r in issued) == sorted(spent)
    assert all(Decimal(r.value) == Decimal(r.points) / 100 for r in issued)
    assert sorted(r.value for _, r in issuer.requests) == sorted(Decimal(p) / 100 for p in spent)
    assert await rebuild_balances(shop.merchant.id) == []
