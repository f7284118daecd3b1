"""The owner sets who may redeem a reward over the admin API: a tier, value tiers, a launch with
early access, a per-member limit and stock; each mistake comes back at its field, nothing is
saved, and another merchant's or an anonymous caller cannot touch the reward."""

from __future__ import annotations

import pytest

from loyalty.models import Reward
from schema.core.ids import to_gid
from tests.schema.conftest import admin, data, session_token

pytestmark = pytest.mark.db

FIELDS = """reward { id name minTier valueTiers startsAt earlyTier earlyStartsAt perMemberLimit limitPeriodDays stock
  stockLeft } userErrors { field message code }"""
CREATE = f"mutation($input: RewardCreateInput!) {{ rewardCreate(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"mutation($input: RewardUpdateInput!) {{ rewardUpdate(input: $input) {{ {FIELDS} }} }}"
BASE = {"name": "Gold drop", "kind": "FIXED_AMOUNT", "pointsCost": 300, "value": "10"}


def errors(payload: dict) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_limited_gold_reward_is_created_updated_and_cleared(client, world):
    made = data(
        await admin(
            client,
            CREATE,
            {
                "input": BASE
                | {
                    "minTier": "Gold",
                    "valueTiers": ["VIP", "regular"],
                    "startsAt": "2030-05-01T09:00:00Z",
                    "earlyTier": "Platinum",
                    "earlyStartsAt": "2030-04-28T09:00:00",
                    "perMemberLimit": 1,
                    "limitPeriodDays": 30,
                    "stock": 50,
                }
            },
        )
    )["rewardCreate"]
    assert made["userErrors"] == []
    reward = made["reward"]
    assert reward | {"id": None} == {
        "id": None,
        "name": "Gold drop",
        "minTier": "Gold",
        "valueTiers": ["vip", "regular"],
        "startsAt": "2030-05-01T09:00:00+00:00",
        "earlyTier": "Platinum",
        "earlyStartsAt": "2030-04-28T09:00:00+00:00",
        "perMemberLimit": 1,
        "limitPeriodDays": 30,
        "stock": 50,
        "stockLeft": 50,
    }
    row = await Reward.get(id=int(reward["id"].rsplit("/", 1)[1]))
    assert row.value_tiers == ["vip", "regular"] and row.stock == 50
    await Reward.filter(id=row.id).update(claimed=48)
    changed = data(await admin(client, UPDATE, {"input": {"id": reward["id"], "stock": 60, "minTier": "Silver"}}))[
        "rewardUpdate"
    ]
    assert changed["userErrors"] == [] and changed["reward"]["stockLeft"] == 12
    assert changed["reward"]["minTier"] == "Silver" and changed["reward"]["earlyTier"] == "Platinum"
    cleared = data(
        await admin(
            client,
            UPDATE,
            {
                "input": {
                    "id": reward["id"],
                    "minTier": None,
                    "valueTiers": None,
                    "startsAt": None,
                    "earlyTier": None,
                    "earlyStartsAt": None,
                    "perMemberLimit": 0,
                    "limitPeriodDays": 0,
                    "stock": None,
                }
            },
        )
    )["rewardUpdate"]
    assert cleared["userErrors"] == []
    assert {k: v for k, v in cleared["reward"].items() if k not in ("id", "name")} == {
        "minTier": None,
        "valueTiers": [],
        "startsAt": None,
        "earlyTier": None,
        "earlyStartsAt": None,
        "perMemberLimit": 0,
        "limitPeriodDays": 0,
        "stock": None,
        "stockLeft": None,
    }


async def test_each_wrong_setting_is_refused_at_its_field_and_nothing_is_saved(client, world):
    before = await Reward.filter(merchant_id=world.merchant.id).count()
    bad = data(
        await admin(
            client,
            CREATE,
            {
                "input": BASE
                | {
                    "minTier": "Diamond",
                    "valueTiers": ["vip", "whales"],
                    "startsAt": "2030-05-01T00:00:00Z",
                    "earlyTier": "Gold",
                    "earlyStartsAt": "2030-05-02T00:00:00Z",
                    "perMemberLimit": -1,
                    "limitPeriodDays": 99999,
                    "stock": -3,
                }
            },
        )
    )["rewardCreate"]
    assert bad["reward"] is None
    assert errors(bad) == [
        (["input", "valueTiers", "1"], "INVALID"),
        (["input", "limitPeriodDays"], "INVALID"),
        (["input", "minTier"], "INVALID"),
        (["input", "earlyStartsAt"], "INVALID"),
        (["input", "perMemberLimit"], "INVALID"),
        (["input", "stock"], "INVALID"),
    ]
    assert "Bronze, Silver, Gold, Platinum" in bad["userErrors"][2]["message"]
    lonely = data(await admin(client, CREATE, {"input": BASE | {"earlyTier": "Gold"}}))["rewardCreate"]
    assert errors(lonely) == [(["input", "earlyStartsAt"], "INVALID")]
    many = data(await admin(client, CREATE, {"input": BASE | {"valueTiers": ["vip"] * 200}}))["rewardCreate"]
    assert errors(many) == [(["input", "valueTiers"], "INVALID")]
    huge = (await admin(client, CREATE, {"input": BASE | {"valueTiers": ["vip"] * 5000}})).json()
    assert huge["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "data" not in huge
    twice = data(await admin(client, CREATE, {"input": BASE | {"valueTiers": ["vip", "VIP"]}}))["rewardCreate"]
    assert errors(twice) == [(["input", "valueTiers"], "INVALID")]
    assert await Reward.filter(merchant_id=world.merchant.id).count() == before

    mine = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    late = data(
        await admin(
            client,
            UPDATE,
            {"input": {"id": to_gid("Reward", mine.id), "earlyTier": "Gold", "earlyStartsAt": "2030-01-01T00:00:00Z"}},
        )
    )["rewardUpdate"]
    assert errors(late) == [(["input", "startsAt"], "INVALID")]
    assert late["reward"]["earlyTier"] is None and (await Reward.get(id=mine.id)).early_tier is None


async def test_another_merchant_and_anonymous_callers_cannot_set_a_rewards_limits(client, world):
    mine = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    other = session_token("other.myshopify.com")
    theirs = await admin(client, UPDATE, {"input": {"id": to_gid("Reward", mine.id), "stock": 0}}, token=other)
    assert data(theirs)["rewardUpdate"] == {
        "reward": None,
        "userErrors": [{"field": ["input", "id"], "message": "no such reward of this merchant", "code": "NOT_FOUND"}],
    }
    anonymous = await client.post(
        "/graphql/admin", json={"query": UPDATE, "variables": {"input": {"id": to_gid("Reward", mine.id), "stock": 0}}}
    )
    assert anonymous.status_code == 401 and anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await Reward.get(id=mine.id)).stock is None
