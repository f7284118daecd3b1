"""Reward eligibility as a pure function: each lock with what unlocks it, early access around its
dates, tiers above the minimum, rolling period limits, stock, and the settings' validation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from loyalty.eligibility import (
    RewardLockReason,
    check_settings,
    early_access,
    locks,
    max_points,
    starts_for,
    usage_of,
)
from loyalty.models import Reward, RewardKind
from loyalty.rules import Rules, Tier
from tests.loyalty.helpers import at

RULES = Rules(
    tiers=(
        Tier("Silver", Decimal(100)),
        Tier("Gold", Decimal(500)),
        Tier("Platinum", Decimal(1000)),
    )
)
NOW = at(10)


@dataclass
class M:
    tier: str | None = None
    available: int = 0


def reward(**kw) -> Reward:
    base = {"name": "$5 off", "kind": RewardKind.FIXED_AMOUNT, "points_cost": 100, "value": Decimal(5)}
    return Reward(merchant_id=1, **(base | kw))


def reasons(found) -> list[RewardLockReason]:
    return [lock.reason for lock in found]


def test_an_open_affordable_reward_has_no_lock():
    assert locks(reward(), M(available=100), RULES, None, NOW) == []


def test_points_lock_says_how_many_points_to_go_and_comes_last():
    found = locks(reward(min_tier="Gold"), M("Silver", 30), RULES, None, NOW)
    assert reasons(found) == [RewardLockReason.TIER, RewardLockReason.POINTS]
    assert found[-1].points_to_go == 70 and found[-1].message == "70 points to go"
    assert found[0].tier == "Gold" and found[0].message == "Reach Gold to unlock"


def test_a_guest_sees_every_lock_and_the_full_cost():
    found = locks(reward(min_tier="Silver", value_tiers=["vip"]), None, RULES, None, NOW)
    assert reasons(found) == [RewardLockReason.TIER, RewardLockReason.VALUE_TIER, RewardLockReason.POINTS]
    assert found[-1].points_to_go == 100


def test_a_tier_above_the_minimum_unlocks_and_one_below_does_not():
    gold_only = reward(min_tier="Gold")
    assert locks(gold_only, M("Platinum", 500), RULES, None, NOW) == []
    assert locks(gold_only, M("Gold", 500), RULES, None, NOW) == []
    assert reasons(locks(gold_only, M("Silver", 500), RULES, None, NOW)) == [RewardLockReason.TIER]
    assert reasons(locks(gold_only, M(None, 500), RULES, None, NOW)) == [RewardLockReason.TIER]


def test_a_tier_the_program_no_longer_has_admits_no_one():
    assert reasons(locks(reward(min_tier="Diamond"), M("Platinum", 500), RULES, None, NOW)) == [RewardLockReason.TIER]


def test_value_tier_lock_names_the_value_tiers():
    vip = reward(value_tiers=["vip", "regular"])
    assert locks(vip, M(available=100), RULES, "vip", NOW) == []
    found = locks(vip, M(available=100), RULES, "at_risk", NOW)
    assert reasons(found) == [RewardLockReason.VALUE_TIER]
    assert found[0].value_tiers == ("vip", "regular") and found[0].message == "For VIP or regular customers only"
    assert reasons(locks(vip, M(available=100), RULES, None, NOW)) == [RewardLockReason.VALUE_TIER]


def test_early_access_opens_for_the_early_tier_before_launch_and_for_everyone_after():
    launch, early = at(20), at(15)
    drop = reward(starts_at=launch, early_tier="Gold", early_starts_at=early)
    gold, silver = M("Gold", 100), M("Silver", 100)
    before_early = at(14)
    assert reasons(locks(drop, gold, RULES, None, before_early)) == [RewardLockReason.NOT_YET]
    assert locks(drop, gold, RULES, None, before_early)[0].until == early
    silver_lock = locks(drop, silver, RULES, None, at(16))
    assert reasons(silver_lock) == [RewardLockReason.NOT_YET] and silver_lock[0].until == launch
    assert "for Gold members" in silver_lock[0].message and silver_lock[0].tier == "Gold"
    assert locks(drop, gold, RULES, None, at(16)) == []
    assert locks(drop, M("Platinum", 100), RULES, None, at(16)) == []
    assert locks(drop, silver, RULES, None, launch) == []
    assert starts_for(drop, "Gold", RULES) == early and starts_for(drop, "Silver", RULES) == launch
    assert early_access(drop, "Gold", RULES, at(16)) and not early_access(drop, "Silver", RULES, at(16))
    assert not early_access(drop, "Gold", RULES, at(21))


def test_a_launch_without_early_access_locks_everyone_until_then():
    drop = reward(starts_at=at(20))
    assert reasons(locks(drop, M("Platinum", 100), RULES, None, at(19))) == [RewardLockReason.NOT_YET]
    assert locks(drop, M("Platinum", 100), RULES, None, at(20)) == []


def test_the_member_limit_rolls_with_its_period():
    weekly = reward(per_member_limit=2, limit_period_days=7)
    member = M(available=1000)
    times = [at(1), at(5), at(9)]
    usage = usage_of(times, weekly, at(9.5))
    assert usage.count == 2 and usage.frees_at == at(12)
    found = locks(weekly, member, RULES, None, at(9.5), usage)
    assert reasons(found) == [RewardLockReason.MEMBER_LIMIT] and found[0].until == at(12)
    assert "Limit of 2 every 7 days reached" in found[0].message
    later = usage_of(times, weekly, at(12.5))
    assert later.count == 1 and locks(weekly, member, RULES, None, at(12.5), later) == []


def test_a_limit_without_period_counts_for_ever():
    once = reward(per_member_limit=1)
    usage = usage_of([at(-300)], once, NOW)
    assert usage.count == 1 and usage.frees_at is None
    assert reasons(locks(once, M(available=500), RULES, None, NOW, usage)) == [RewardLockReason.MEMBER_LIMIT]
    assert usage_of([at(-300)], reward(), NOW).count == 0


def test_stock_zero_is_out_of_stock_and_null_is_unlimited():
    assert reasons(locks(reward(stock=0), M(available=100), RULES, None, NOW)) == [RewardLockReason.OUT_OF_STOCK]
    assert reasons(locks(reward(stock=3, claimed=3), M(available=100), RULES, None, NOW)) == [
        RewardLockReason.OUT_OF_STOCK
    ]
    assert locks(reward(stock=3, claimed=2), M(available=100), RULES, None, NOW) == []
    assert locks(reward(stock=None, claimed=900), M(available=100), RULES, None, NOW) == []


def test_the_points_to_cash_slider_tops_out_at_the_balance_or_the_reward_max():
    cash = reward(kind=RewardKind.POINTS_TO_CASH, points_cost=0, min_points=100, max_points=1000, cash_per_point="0.01")
    assert max_points(cash, M(available=450)) == 450
    assert max_points(cash, M(available=5000)) == 1000
    assert max_points(cash, M(available=-20)) == 0
    assert reasons(locks(cash, M(available=99), RULES, None, NOW)) == [RewardLockReason.POINTS]
    assert max_points(reward(), M(available=450)) is None


def test_settings_are_checked_against_the_program():
    ok = dict(
        min_tier="Gold",
        early_tier="Gold",
        starts_at=at(20),
        early_starts_at=at(15),
        per_member_limit=1,
        limit_period_days=30,
        stock=10,
    )
    assert check_settings(RULES, **ok) == []
    bad = check_settings(
        RULES,
        min_tier="Diamond",
        early_tier=None,
        starts_at=at(20),
        early_starts_at=at(20) + timedelta(hours=1),
        per_member_limit=-1,
        limit_period_days=-2,
        stock=-5,
    )
    fields = [p.field for p in bad]
    assert fields == ["minTier", "earlyTier", "earlyStartsAt", "perMemberLimit", "limitPeriodDays", "stock"]
    assert "Silver, Gold, Platinum" in bad[0].message
    assert [p.field for p in check_settings(RULES, **(ok | {"starts_at": None}))] == ["startsAt"]
    assert [p.field for p in check_settings(None, **(ok | {"early_tier": None, "early_starts_at": None}))] == [
        "minTier"
    ]
