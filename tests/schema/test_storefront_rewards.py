"""The catalog as one shopper sees it over HTTP: locked rewards with what unlocks them (tier, value
tier from insights, launch and early access, limits, stock, points to go), the next reward goal,
redeeming a Gold-only reward for a real code on the Shopify simulator with the code's details,
and the refusals: locked, limit reached, out of stock, out-of-range slider amounts, other
merchants' and forged ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from insights.models import ProfileSegment
from loyalty.actions import adjust
from loyalty.models import Member, Redemption, Reward, RewardKind
from schema.core.ids import to_gid
from tests.schema.conftest import data, storefront
from tests.schema.test_storefront_loyalty import signed_in

pytestmark = pytest.mark.db

CATALOG = """{ me { loyalty { balance { available }
  catalog(first: 20) { nodes { reward { id name minTier valueTiers startsAt earlyTier earlyStartsAt perMemberLimit
      limitPeriodDays stock stockLeft }
    available pointsToGo maxPoints startsAt earlyAccess
    locks { reason message tier valueTiers until pointsToGo } } pageInfo { hasNextPage endCursor } }
  nextReward { reward { name } pointsToGo locks { reason } } } } }"""
PROGRAM = """{ program { rewards(first: 20) { nodes { name minTier valueTiers startsAt stockLeft } } } }"""
REDEEM = """mutation($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { code points startsAt storeName storeUrl kind expiresAt value { amount } }
  balance { available } userErrors { field message code } } }"""


async def only(world, **rewards: dict) -> dict[str, Reward]:
    """The merchant's catalog replaced by these rewards (name to fields)."""
    await Reward.filter(merchant_id=world.merchant.id).update(active=False)
    made = {}
    for name, fields in rewards.items():
        base = {"kind": RewardKind.FIXED_AMOUNT, "points_cost": 100, "value": Decimal(5)}
        made[name] = await Reward.create(merchant_id=world.merchant.id, name=name, **(base | fields))
    return made


async def member(world, points: int, tier: str | None) -> Member:
    await adjust(world.shopper.profile_id, points, reason="test funds", actor="test", key="funds")
    found = await Member.get(profile_id=world.shopper.profile_id)
    found.tier = tier
    await found.save()
    return found


async def value_tier(world) -> str:
    return (await ProfileSegment.get(profile_id=world.shopper.profile_id)).tier


async def test_the_catalog_shows_every_reward_with_its_locks_and_the_next_goal(client, world):
    now = datetime.now(UTC)
    mine = await value_tier(world)
    other = "lost" if mine != "lost" else "vip"
    funds = await member(world, 400, "Silver")
    have = funds.available
    rewards = await only(
        world,
        cheap={"points_cost": 50},
        gold={"points_cost": 60, "min_tier": "Gold"},
        segment={"points_cost": 70, "value_tiers": [other]},
        mine={"points_cost": 80, "value_tiers": [mine]},
        drop={
            "points_cost": 90,
            "starts_at": now + timedelta(days=3),
            "early_tier": "Silver",
            "early_starts_at": now - timedelta(days=1),
        },
        later={"points_cost": 95, "starts_at": now + timedelta(days=2)},
        gone={"points_cost": 96, "stock": 4, "claimed": 4},
        goal={"points_cost": have + 150},
        far={"points_cost": have + 900},
        cash={
            "kind": RewardKind.POINTS_TO_CASH,
            "points_cost": 0,
            "min_points": 100,
            "max_points": 5000,
            "cash_per_point": Decimal("0.01"),
            "value": Decimal(0),
        },
    )
    once = await Reward.create(
        merchant_id=world.merchant.id,
        name="once",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=97,
        value=Decimal(1),
        per_member_limit=1,
        limit_period_days=30,
    )
    await Redemption.create(
        merchant_id=world.merchant.id,
        profile_id=funds.profile_id,
        reward_id=once.id,
        store_id=world.shopify.id,
        points=97,
        value=Decimal(1),
        currency="USD",
        code="RP-ONCE",
        request_key="once",
        status="issued",
        created_at=now - timedelta(days=10),
    )
    headers = await signed_in(client, world.shopper)
    loyalty = data(await storefront(client, world.shopify, CATALOG, headers=headers))["me"]["loyalty"]
    seen = {n["reward"]["name"]: n for n in loyalty["catalog"]["nodes"]}
    assert [n["reward"]["name"] for n in loyalty["catalog"]["nodes"]] == [
        "cheap",
        "gold",
        "segment",
        "mine",
        "drop",
        "later",
        "gone",
        "once",
        "cash",
        "goal",
        "far",
    ]

    def reasons(name: str) -> list[str]:
        return [lock["reason"] for lock in seen[name]["locks"]]

    assert seen["cheap"]["available"] and seen["cheap"]["locks"] == [] and seen["cheap"]["pointsToGo"] == 0
    assert reasons("gold") == ["TIER"] and seen["gold"]["locks"][0]["message"] == "Reach Gold to unlock"
    assert seen["gold"]["reward"]["minTier"] == "Gold" and not seen["gold"]["available"]
    assert reasons("segment") == ["VALUE_TIER"] and seen["segment"]["locks"][0]["valueTiers"] == [other]
    assert seen["mine"]["available"] and seen["mine"]["reward"]["valueTiers"] == [mine]
    assert seen["drop"]["available"] and seen["drop"]["earlyAccess"] and seen["drop"]["startsAt"] is None
    assert reasons("later") == ["NOT_YET"] and seen["later"]["startsAt"] is not None
    assert not seen["later"]["earlyAccess"]
    assert reasons("gone") == ["OUT_OF_STOCK"] and seen["gone"]["reward"]["stockLeft"] == 0
    assert reasons("once") == ["MEMBER_LIMIT"] and seen["once"]["locks"][0]["until"] is not None
    assert seen["once"]["reward"]["perMemberLimit"] == 1 and seen["once"]["reward"]["limitPeriodDays"] == 30
    assert reasons("goal") == ["POINTS"] and seen["goal"]["pointsToGo"] == 150
    assert seen["goal"]["locks"][0] == {
        "reason": "POINTS",
        "message": "150 points to go",
        "tier": None,
        "valueTiers": None,
        "until": None,
        "pointsToGo": 150,
    }
    assert seen["cash"]["maxPoints"] == min(5000, have) and seen["cash"]["available"]
    assert loyalty["nextReward"] == {"reward": {"name": "goal"}, "pointsToGo": 150, "locks": [{"reason": "POINTS"}]}

    guest = data(await storefront(client, world.shopify, PROGRAM))["program"]["rewards"]["nodes"]
    by_name = {r["name"]: r for r in guest}
    assert by_name["gold"]["minTier"] == "Gold" and by_name["segment"]["valueTiers"] == [other]
    assert by_name["later"]["startsAt"] is not None and by_name["gone"]["stockLeft"] == 0
    assert rewards["far"].id and len(guest) == 11

    await Member.filter(profile_id=funds.profile_id).update(tier="Gold")
    loyalty = data(await storefront(client, world.shopify, CATALOG, headers=headers))["me"]["loyalty"]
    gold = next(n for n in loyalty["catalog"]["nodes"] if n["reward"]["name"] == "gold")
    assert gold["available"] and gold["locks"] == []


async def test_a_gold_member_redeems_a_gold_only_reward_and_sees_where_and_what_the_code_is(shopify_app, world, shop):
    start = (await member(world, 1000, "Gold")).available
    rewards = await only(
        world,
        gold={"min_tier": "Platinum"},
        limited={"min_tier": "Gold", "per_member_limit": 1, "stock": 5},
    )
    headers = await signed_in(shopify_app, world.shopper)

    async def redeem(reward: Reward, **extra) -> dict:
        variables = {"input": {"rewardId": to_gid("Reward", reward.id), **extra}}
        return data(await storefront(shopify_app, world.shopify, REDEEM, variables, headers=headers))["rewardRedeem"]

    ok = await redeem(rewards["limited"])
    assert ok["userErrors"] == [] and ok["code"]["kind"] == "FIXED_AMOUNT" and ok["code"]["startsAt"] is None
    assert ok["code"]["storeName"] == (world.shopify.name or world.shopify.domain)
    assert ok["code"]["storeUrl"] == f"https://{world.shopify.domain}"
    assert ok["code"]["expiresAt"] is not None and ok["code"]["value"] == {"amount": "5.00"}
    assert shop.discount_by_code(ok["code"]["code"]) is not None
    await Reward.filter(id=rewards["limited"].id).update(stock=1)
    again = await redeem(rewards["limited"])
    assert again["code"] is None and again["userErrors"][0]["code"] == "LIMIT_REACHED"
    assert again["userErrors"][0]["field"] == ["input", "rewardId"]
    locked = await redeem(rewards["gold"])
    assert locked["userErrors"] == [
        {"field": ["input", "rewardId"], "code": "LOCKED", "message": "Reach Platinum to unlock"}
    ]
    await Reward.filter(id=rewards["limited"].id).update(per_member_limit=0)
    out = await redeem(rewards["limited"])
    assert out["userErrors"][0]["code"] == "OUT_OF_STOCK" and out["balance"]["available"] == start - 100
    assert (await Member.get(profile_id=world.shopper.profile_id)).available == start - 100
    assert await Redemption.filter(profile_id=world.shopper.profile_id).count() == 1


async def test_hostile_redemptions_are_refused_at_their_field_without_a_debit(client, world):
    start = (await member(world, 600, None)).available
    rewards = await only(
        world,
        cash={
            "kind": RewardKind.POINTS_TO_CASH,
            "points_cost": 0,
            "min_points": 100,
            "max_points": 400,
            "cash_per_point": Decimal("0.01"),
            "value": Decimal(0),
        },
        platinum={"min_tier": "Platinum", "points_cost": 1},
    )
    theirs = await Reward.create(
        merchant_id=world.other_merchant.id,
        name="theirs",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=1,
        value=Decimal(1),
    )
    headers = await signed_in(client, world.shopper)

    async def redeem(rid: str, **extra) -> dict:
        variables = {"input": {"rewardId": rid, **extra}}
        return data(await storefront(client, world.shopify, REDEEM, variables, headers=headers))["rewardRedeem"]

    cash = to_gid("Reward", rewards["cash"].id)
    for points, code in ((0, "INVALID"), (-50, "INVALID"), (401, "INVALID"), (2**31 - 1, "INVALID"), (None, "INVALID")):
        refused = await redeem(cash, points=points)
        assert refused["code"] is None and refused["userErrors"][0]["code"] == code, points
        assert refused["userErrors"][0]["field"] == ["input", "points"]
    await Reward.filter(id=rewards["cash"].id).update(max_points=5000)
    over = await redeem(cash, points=start + 1)
    assert over["userErrors"][0]["code"] == "INSUFFICIENT_POINTS" and over["userErrors"][0]["field"] == [
        "input",
        "points",
    ]
    forged = await redeem(to_gid("Reward", rewards["platinum"].id))
    assert forged["userErrors"][0]["code"] == "LOCKED"
    for rid in (to_gid("Reward", theirs.id), to_gid("Reward", rewards["cash"].id + 10_000), "x" * 5000):
        other = await redeem(rid)
        assert other["userErrors"][0]["code"] == "NOT_FOUND" and other["userErrors"][0]["field"] == [
            "input",
            "rewardId",
        ]
    anonymous = data(
        await storefront(
            client, world.shopify, REDEEM, {"input": {"rewardId": to_gid("Reward", rewards["platinum"].id)}}
        )
    )["rewardRedeem"]
    assert anonymous["userErrors"][0]["code"] == "NOT_SIGNED_IN"
    guest = await storefront(client, world.shopify, "{ me { loyalty { catalog { nodes { available } } } } }")
    assert guest.json().get("data", {}).get("me") is None
    theirs_view = await storefront(client, world.other_store, CATALOG, headers=headers)
    assert theirs_view.json().get("data", {}).get("me") is None
    assert (await Member.get(profile_id=world.shopper.profile_id)).available == start
    assert not await Redemption.filter(profile_id=world.shopper.profile_id).exists()
