"""Filters that take a name from a vocabulary (segments, loyalty tiers) accept it as the dashboard
shows it, and reject a name nobody uses with an error listing the valid ones, never an empty list."""

from __future__ import annotations

import pytest

from insights.models import ProfileSegment
from loyalty.models import Member
from tests.schema.conftest import admin, data

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

MEMBERS = """query($segment: String, $tier: String) { members(first: 100, segment: $segment, tier: $tier) {
  nodes { id } } }"""
PROFILES = "query($segment: String) { profiles(first: 100, segment: $segment) { nodes { id } } }"
SEGMENTS = ["champions", "new", "loyal", "potential", "can't lose", "at risk", "hibernating", "lost", "other"]


def ids(body: dict, root: str) -> set[str]:
    return {n["id"] for n in body[root]["nodes"]}


async def test_a_segment_spelled_as_the_dashboard_shows_it_finds_the_same_people(client, world):
    stored = set(await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("segment", flat=True))
    assert {"champions", "at risk"} <= stored
    for exact, shown in (("champions", "Champions"), ("at risk", "At risk"), ("at risk", "AT_RISK")):
        for query, root in ((MEMBERS, "members"), (PROFILES, "profiles")):
            by_name = data(await admin(client, query, {"segment": exact}))
            assert ids(data(await admin(client, query, {"segment": shown})), root) == ids(by_name, root)
    assert ids(data(await admin(client, MEMBERS, {"segment": "Champions"})), "members")


async def test_an_unknown_segment_is_an_error_that_lists_the_merchants_segments(client, world):
    for query in (MEMBERS, PROFILES):
        body = (await admin(client, query, {"segment": "Champs"})).json()
        assert body["data"] is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == "segment" and error["extensions"]["valid"] == SEGMENTS
        assert error["message"].startswith('Unknown segment "Champs" in segment; valid values: "champions", "new"')


async def test_a_loyalty_tier_matches_in_any_case_and_an_unknown_one_lists_the_programs_tiers(client, world):
    gold = data(await admin(client, MEMBERS, {"tier": "Gold"}))
    assert ids(gold, "members") and ids(data(await admin(client, MEMBERS, {"tier": "gold"})), "members") == ids(
        gold, "members"
    )
    assert await Member.filter(merchant_id=world.merchant.id, tier="Gold").exists()
    body = (await admin(client, MEMBERS, {"tier": "Diamond"})).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == "tier"
    assert error["extensions"]["valid"][-1] == "none" and "Gold" in error["extensions"]["valid"]
    assert error["extensions"]["valid"] == ["Bronze", "Silver", "Gold", "Platinum", "none"]
    assert error["message"] == (
        'Unknown loyalty tier "Diamond" in tier; valid values: "Bronze", "Silver", "Gold", "Platinum", "none".'
    )


@pytest.mark.parametrize("value", ["", "   ", "x" * 5000, "champions\x00", "'; DROP TABLE members; --"])
async def test_hostile_filter_values_get_the_same_clear_error(client, world, value):
    for variables in ({"segment": value}, {"tier": value}):
        body = (await admin(client, MEMBERS, variables)).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
