"""Loyalty on the admin API over HTTP: members, adjustments, program versions, rewards, economics,
referral reviews and event endpoints, each scoped to the caller's merchant."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.sample_program import sample_rules
from insights.models import ClvPrediction, ProfileSegment
from loyalty import economics as engine
from loyalty.ledger import Book, Posting
from loyalty.members import enroll
from loyalty.models import (
    Endpoint,
    Entry,
    EntryKind,
    Member,
    ProgramVersion,
    Referral,
    ReferralStatus,
    Reward,
    RewardKind,
)
from loyalty.rewards import redeem
from loyalty.rules import Rules
from schema.core.ids import to_gid
from store.models import Customer, Product, Profile
from tests.loyalty.helpers import RecordingIssuer
from tests.schema.conftest import admin, app_client, data, error_code

pytestmark = pytest.mark.db

MEMBERS = """
query($first: Int, $after: String, $last: Int, $before: String, $storeId: ID, $search: String,
      $segment: String, $tier: String, $churnBand: ChurnBand) {
  members(first: $first, after: $after, last: $last, before: $before, storeId: $storeId, search: $search,
          segment: $segment, tier: $tier, churnBand: $churnBand) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
MEMBER = """query($id: ID!) { member(id: $id) { id referralCode joinedAt tierSince
  profile { id email } balance { available pending lifetime }
  tier { name threshold metric multiplier entryPoints freeShipping } nextTier { name threshold }
  tierProgress { metric current nextThreshold remaining fraction }
  ledger(first: 250) { edges { cursor } nodes { id kind points pending description reason actor occurredAt store { id } } }
  codes(first: 10) { nodes { id code status points reward { name } } } } }"""
ADJUST = """mutation($input: PointsAdjustInput!) { pointsAdjust(input: $input) {
  member { id balance { available lifetime } }
  entry { id kind points reason actor description }
  userErrors { field message code } } }"""
PUBLISH = """mutation($input: ProgramPublishInput!) { programPublish(input: $input) {
  version { id number note actor effectiveFrom rules { currencyCode referralFriendPoints tierMetric
    earnRates { currencyCode rate } tiers { name threshold multiplier entryPoints freeShipping }
    actions { name points limit periodDays } } }
  userErrors { field message code } } }"""
REWARD_CREATE = """mutation($input: RewardCreateInput!) { rewardCreate(input: $input) {
  reward { id name kind pointsCost value { amount currencyCode } percentOff minPoints maxPoints cashPerPoint
    minimumSubtotal { amount } active }
  userErrors { field message code } } }"""
REWARD_UPDATE = """mutation($input: RewardUpdateInput!) { rewardUpdate(input: $input) {
  reward { id name pointsCost value { amount } percentOff active }
  userErrors { field message code } } }"""
DECIDE = """mutation($input: ReferralDecideInput!) { referralDecide(input: $input) {
  referral { id status reason decidedBy decidedAt } userErrors { field message code } } }"""


def gid(kind: str, pk: int) -> str:
    return to_gid(kind, pk)


async def member_ids(client, **filters) -> list[str]:
    """Every member the API lists under ``filters``, paging forwards."""
    found, after = [], None
    while True:
        page = data(await admin(client, MEMBERS, {"first": 100, "after": after, **filters}))["members"]
        found += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def expected(world, profile_ids=None, **member_filter) -> set[str]:
    """Members by the database: surviving members of the merchant, holding the points of an account
    of ``profile_ids`` when given."""
    rows = Member.filter(merchant_id=world.merchant.id, merged_into_id=None, **member_filter)
    if profile_ids is not None:
        owners = await Customer.filter(profile_id__in=list(profile_ids), deleted_at=None).values_list(
            "owner_id", flat=True
        )
        rows = rows.filter(profile_id__in=list(owners))
    return {gid("LoyaltyMember", pk) for pk in await rows.values_list("id", flat=True)}


async def foreign_member(world) -> Member:
    """A member of the other merchant."""
    profile = await Profile.create(merchant=world.other_merchant)
    return await enroll(profile.id)


async def test_members_filters_return_exactly_the_members_the_database_holds(client, world):
    merchant = world.merchant.id
    everyone = await member_ids(client)
    assert len(everyone) == len(set(everyone)) and set(everyone) == await expected(world) and len(everyone) > 100

    woo = await Customer.filter(store_id=world.woo.id, deleted_at=None).values_list("owner_id", flat=True)
    on_woo = {
        gid("LoyaltyMember", pk)
        for pk in await Member.filter(profile_id__in=woo, merged_into_id=None).values_list("id", flat=True)
    }
    assert set(await member_ids(client, storeId=gid("Store", world.woo.id))) == on_woo

    segment = (await ProfileSegment.filter(merchant_id=merchant).order_by("id").first()).segment
    in_segment = await ProfileSegment.filter(merchant_id=merchant, segment=segment).values_list("profile_id", flat=True)
    assert set(await member_ids(client, segment=segment)) == await expected(world, in_segment)

    high = await ClvPrediction.filter(merchant_id=merchant, churn_risk="high").values_list("profile_id", flat=True)
    by_band = set(await member_ids(client, churnBand="HIGH"))
    assert by_band == await expected(world, high) and by_band

    gold = set(await member_ids(client, tier="Gold"))
    assert gold == await expected(world, tier="Gold") and gold
    lapsed = await Member.filter(merchant_id=merchant, tier="Bronze").order_by("id").first()
    lapsed.tier = None
    await lapsed.save()
    assert (
        set(await member_ids(client, tier="none"))
        == await expected(world, tier=None)
        >= {gid("LoyaltyMember", lapsed.id)}
    )

    both = set(await member_ids(client, tier="Gold", storeId=gid("Store", world.woo.id)))
    assert both == on_woo & await expected(world, tier="Gold")


async def test_members_are_found_by_email_and_by_name(client, world):
    shopper = world.shopper
    mine = gid("LoyaltyMember", (await Member.get(profile_id=shopper.profile_id)).id)
    for search in (shopper.email.upper(), f"{shopper.first_name} {shopper.last_name}"):
        words = Q()
        for word in search.split():
            words &= Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        people = await Customer.filter(words, merchant_id=world.merchant.id, deleted_at=None).values_list(
            "profile_id", flat=True
        )
        found = await member_ids(client, search=search)
        assert mine in found and set(found) == await expected(world, people)
    assert await member_ids(client, search="no-such-person-xyz") == []


async def test_members_page_forwards_and_backwards_with_keyset_cursors(client, world):
    first = data(await admin(client, MEMBERS, {"first": 5}))["members"]
    assert len(first["edges"]) == 5 and first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = data(await admin(client, MEMBERS, {"first": 5, "after": first["pageInfo"]["endCursor"]}))["members"]
    ids_1 = [e["node"]["id"] for e in first["edges"]]
    ids_2 = [e["node"]["id"] for e in second["edges"]]
    assert not set(ids_1) & set(ids_2) and second["pageInfo"]["hasPreviousPage"]
    back = data(await admin(client, MEMBERS, {"last": 5, "before": second["pageInfo"]["startCursor"]}))["members"]
    assert [e["node"]["id"] for e in back["edges"]] == ids_1
    assert back["pageInfo"]["hasNextPage"] and not back["pageInfo"]["hasPreviousPage"]
    newest = (
        await Member.filter(merchant_id=world.merchant.id)
        .order_by("-created_at", "-id")
        .limit(5)
        .values_list("id", flat=True)
    )
    assert ids_1 == [gid("LoyaltyMember", pk) for pk in newest]


async def test_a_member_shows_the_balance_and_tier_of_its_row_and_its_ledger_newest_first(client, world):
    member = await Member.filter(merchant_id=world.merchant.id, tier="Gold").order_by("id").first()
    found = data(await admin(client, MEMBER, {"id": gid("LoyaltyMember", member.id)}))["member"]
    assert found["balance"] == {"available": member.available, "pending": member.pending, "lifetime": member.lifetime}
    assert found["referralCode"] == member.referral_code and found["profile"]["id"] == gid("Profile", member.profile_id)
    assert found["tier"] == {
        "name": "Gold",
        "threshold": "300",
        "metric": "SPEND",
        "multiplier": "1.5",
        "entryPoints": 150,
        "freeShipping": True,
    }
    assert found["nextTier"] == {"name": "Platinum", "threshold": "1000"}
    progress = found["tierProgress"]
    assert progress["nextThreshold"] == "1000" and Decimal(progress["current"]) >= 300
    assert Decimal(progress["remaining"]) == 1000 - Decimal(progress["current"])
    entries = await Entry.filter(profile_id=member.profile_id).order_by("-occurred_at", "-id")
    shown = found["ledger"]["nodes"]
    assert [e["id"] for e in shown] == [gid("LedgerEntry", e.id) for e in entries]
    assert sum(e["points"] for e in shown) == member.available and sum(e["pending"] for e in shown) == member.pending
    order_entry = next(e for e in shown if e["kind"] in ("EARN", "PENDING"))
    assert order_entry["description"].startswith("Order #") and order_entry["store"]["id"] in (
        gid("Store", world.shopify.id),
        gid("Store", world.woo.id),
    )
    profile = data(
        await admin(
            client,
            "query($id: ID!) { profile(id: $id) { loyalty { id balance { available } } } }",
            {"id": gid("Profile", member.profile_id)},
        )
    )["profile"]
    assert profile["loyalty"] == {"id": gid("LoyaltyMember", member.id), "balance": {"available": member.available}}


async def test_points_are_credited_and_debited_with_a_reason_and_the_admin_as_actor(client, world):
    member = await Member.get(profile_id=world.shopper.profile_id)
    start = member.available
    credit = data(
        await admin(
            client,
            ADJUST,
            {
                "input": {
                    "memberId": gid("LoyaltyMember", member.id),
                    "points": 300,
                    "reason": "  goodwill for a late parcel ",
                }
            },
        )
    )["pointsAdjust"]
    actor = f"admin:session_token:merchant:{world.merchant.id}:store:{world.shopify.id}"
    assert credit["userErrors"] == [] and credit["member"]["balance"]["available"] == start + 300
    assert credit["entry"] | {"id": None} == {
        "id": None,
        "kind": "ADJUST",
        "points": 300,
        "reason": "goodwill for a late parcel",
        "actor": actor,
        "description": "Manual adjustment",
    }
    debit = data(
        await admin(
            client,
            ADJUST,
            {"input": {"memberId": gid("LoyaltyMember", member.id), "points": -100, "reason": "duplicate credit"}},
        )
    )["pointsAdjust"]
    assert debit["member"]["balance"]["available"] == start + 200
    assert (await Member.get(id=member.id)).available == start + 200
    ledger = data(await admin(client, MEMBER, {"id": gid("LoyaltyMember", member.id)}))["member"]["ledger"]["nodes"]
    manual = [(e["points"], e["reason"], e["actor"]) for e in ledger if e["kind"] == "ADJUST"]
    assert manual[:2] == [(-100, "duplicate credit", actor), (300, "goodwill for a late parcel", actor)]
    rows = await Entry.filter(profile_id=member.profile_id, kind=EntryKind.ADJUST).order_by("id")
    assert [(r.available, r.reason, r.actor) for r in rows][-2:] == [
        (300, "goodwill for a late parcel", actor),
        (-100, "duplicate credit", actor),
    ]


async def test_an_adjustment_needs_a_reason_covering_points_and_a_member_of_the_merchant(client, world):
    member = await Member.get(profile_id=world.shopper.profile_id)
    me = gid("LoyaltyMember", member.id)

    async def adjust(**fields) -> dict:
        return data(await admin(client, ADJUST, {"input": {"memberId": me, "points": 10, "reason": "x", **fields}}))[
            "pointsAdjust"
        ]

    blank = await adjust(reason="   ")
    assert blank["entry"] is None and [(e["field"], e["code"]) for e in blank["userErrors"]] == [
        (["input", "reason"], "INVALID")
    ]
    zero = await adjust(points=0)
    assert [(e["field"], e["code"]) for e in zero["userErrors"]] == [(["input", "points"], "INVALID")]
    overdraft = await adjust(points=-(member.available + 1), reason="too much")
    assert [(e["field"], e["code"]) for e in overdraft["userErrors"]] == [(["input", "points"], "INSUFFICIENT_POINTS")]
    assert "allowDebt" in overdraft["userErrors"][0]["message"]
    assert (await Member.get(id=member.id)).available == member.available
    debt = await adjust(points=-(member.available + 1), reason="chargeback", allowDebt=True)
    assert debt["userErrors"] == [] and debt["member"]["balance"]["available"] == -1
    foreign = await foreign_member(world)
    other = data(
        await admin(
            client, ADJUST, {"input": {"memberId": gid("LoyaltyMember", foreign.id), "points": 5, "reason": "x"}}
        )
    )["pointsAdjust"]
    assert other == {
        "member": None,
        "entry": None,
        "userErrors": [
            {"field": ["input", "memberId"], "message": "no such member of this merchant", "code": "NOT_FOUND"}
        ],
    }
    assert (await Member.get(id=foreign.id)).available == 0
    for field in ("member", "node"):
        assert (
            data(await admin(client, f'{{ {field}(id: "{gid("LoyaltyMember", foreign.id)}") {{ id }} }}'))[field]
            is None
        )


async def test_the_same_request_key_adjusts_once(client, world):
    member = await Member.get(profile_id=world.shopper.profile_id)
    request = {
        "input": {"memberId": gid("LoyaltyMember", member.id), "points": 75, "reason": "survey", "requestKey": "k-1"}
    }
    first = data(await admin(client, ADJUST, request))["pointsAdjust"]
    again = data(await admin(client, ADJUST, request))["pointsAdjust"]
    assert first["entry"]["id"] == again["entry"]["id"] and again["userErrors"] == []
    assert again["member"]["balance"]["available"] == member.available + 75
    assert await Entry.filter(profile_id=member.profile_id, kind=EntryKind.ADJUST).count() == 1


async def test_an_api_key_adjusts_as_its_own_actor(client, world):
    secret = data(await admin(client, 'mutation { apiKeyCreate(input: {name: "crm"}) { secret } }'))["apiKeyCreate"][
        "secret"
    ]
    member = await Member.get(profile_id=world.shopper.profile_id)
    done = data(
        await admin(
            client,
            ADJUST,
            {"input": {"memberId": gid("LoyaltyMember", member.id), "points": 5, "reason": "crm sync"}},
            token=secret,
        )
    )["pointsAdjust"]
    assert done["entry"]["actor"] == f"admin:api_key:merchant:{world.merchant.id}"


async def test_the_program_shows_its_current_version_typed_rewards_and_members_per_tier(client, world):
    found = data(
        await admin(
            client,
            """{ program { currencyCode
        current { id number note actor rules { currencyCode rounding release returnWindowDays expiry tierMetric tierWindow
          earnRates { currencyCode rate } actions { name points limit periodDays }
          tiers { name threshold multiplier entryPoints freeShipping } referralFriendPoints referralReferrerPoints pointValue } }
        versions(first: 5) { nodes { number } }
        rewards(first: 10) { nodes { name kind pointsCost value { amount currencyCode } percentOff minPoints maxPoints } }
        tierCounts { tier members } } }""",
        )
    )["program"]
    rules = sample_rules()
    current = found["current"]
    assert found["currencyCode"] == "USD" and current["number"] == 1 and current["actor"] == "sample"
    assert current["rules"]["tiers"] == [
        {
            "name": t.name,
            "threshold": str(t.threshold),
            "multiplier": str(t.multiplier),
            "entryPoints": t.entry_points,
            "freeShipping": t.free_shipping,
        }
        for t in rules.tiers
    ]
    assert current["rules"]["actions"][1] == {"name": "birthday", "points": 200, "limit": 1, "periodDays": 365}
    assert (current["rules"]["rounding"], current["rules"]["release"], current["rules"]["tierMetric"]) == (
        "FLOOR",
        "RETURN_WINDOW",
        "SPEND",
    )
    assert current["rules"]["earnRates"] == [{"currencyCode": "USD", "rate": "1"}]
    assert [r["name"] for r in found["rewards"]["nodes"]] == [
        "Free shipping",
        "$5 off",
        "10% off your order",
        "$10 off",
        "$25 off",
        "Points to cash",
    ]
    percent = found["rewards"]["nodes"][2]
    assert (percent["kind"], percent["pointsCost"], percent["value"], Decimal(percent["percentOff"])) == (
        "PERCENTAGE",
        800,
        None,
        10,
    )
    cash = found["rewards"]["nodes"][5]
    assert (cash["kind"], cash["pointsCost"], cash["minPoints"], cash["maxPoints"]) == (
        "POINTS_TO_CASH",
        100,
        100,
        5000,
    )
    counts = {c["tier"]: c["members"] for c in found["tierCounts"]}
    assert [c["tier"] for c in found["tierCounts"]] == ["Bronze", "Silver", "Gold", "Platinum", None]
    for tier in ("Bronze", "Silver", "Gold", "Platinum", None):
        assert (
            counts[tier] == await Member.filter(merchant_id=world.merchant.id, merged_into_id=None, tier=tier).count()
        )


async def test_a_partial_publish_makes_version_two_and_keeps_every_other_rule(client, world):
    before = await ProgramVersion.get(merchant_id=world.merchant.id, number=1)
    tiers = [
        {"name": "Bronze", "threshold": "0"},
        {"name": "Silver", "threshold": "150", "multiplier": "1.25"},
        {"name": "Gold", "threshold": "400", "multiplier": "1.5", "entryPoints": 150, "freeShipping": True},
    ]
    done = data(
        await admin(
            client, PUBLISH, {"input": {"rules": {"tiers": tiers, "referralFriendPoints": 300}, "note": "fewer tiers"}}
        )
    )["programPublish"]
    assert done["userErrors"] == []
    version = done["version"]
    assert (
        version["number"] == 2
        and version["note"] == "fewer tiers"
        and version["actor"].startswith("admin:session_token:")
    )
    assert [t["name"] for t in version["rules"]["tiers"]] == ["Bronze", "Silver", "Gold"]
    assert version["rules"]["tiers"][2] == {
        "name": "Gold",
        "threshold": "400",
        "multiplier": "1.5",
        "entryPoints": 150,
        "freeShipping": True,
    }
    row = await ProgramVersion.get(merchant_id=world.merchant.id, number=2)
    old, new = Rules.from_json(before.rules), Rules.from_json(row.rules)
    assert new.referral_friend_points == 300 and len(new.tiers) == 3
    assert new.but(tiers=old.tiers, referral_friend_points=old.referral_friend_points) == old
    assert abs(row.effective_from - datetime.now(UTC)) < timedelta(minutes=1)
    current = data(await admin(client, "{ program { current { number } versions(first: 5) { nodes { number } } } }"))[
        "program"
    ]
    assert current == {"current": {"number": 2}, "versions": {"nodes": [{"number": 2}, {"number": 1}]}}


@pytest.mark.parametrize(
    ("rules", "path", "words"),
    [
        (
            {
                "tiers": [
                    {"name": "A", "threshold": "0"},
                    {"name": "B", "threshold": "200"},
                    {"name": "C", "threshold": "100"},
                ]
            },
            ["tiers", "2", "threshold"],
            "not above the previous",
        ),
        (
            {"tiers": [{"name": "A", "threshold": "0"}, {"name": "B", "threshold": "0"}]},
            ["tiers", "1", "threshold"],
            "go up",
        ),
        (
            {"tiers": [{"name": "Gold", "threshold": "0"}, {"name": "gold", "threshold": "5"}]},
            ["tiers", "1", "name"],
            "two tiers",
        ),
        ({"tiers": [{"name": "A", "threshold": "-1"}]}, ["tiers", "0", "threshold"], "at least 0"),
        ({"tiers": [{"name": "A", "threshold": "0", "multiplier": "NaN"}]}, ["tiers", "0", "multiplier"], "a number"),
        ({"tiers": [{"name": "none", "threshold": "0"}]}, ["tiers", "0", "name"], "reserved"),
        ({"referralFriendPoints": -5}, ["referralFriendPoints"], "between 0"),
        ({"actions": [{"name": "signup", "points": -10}]}, ["actions", "0", "points"], "between 0"),
        ({"actions": [{"name": "Sign Up!", "points": 10}]}, ["actions", "0", "name"], "not an action name"),
        ({"earnRates": [{"currencyCode": "USD", "rate": "-1"}]}, ["earnRates", "0", "rate"], "at least 0"),
        (
            {"earnRates": [{"currencyCode": "USD", "rate": "1"}, {"currencyCode": "QQQ", "rate": "1"}]},
            ["earnRates", "1", "currencyCode"],
            "ISO 4217",
        ),
        ({"currencyCode": "US"}, ["currencyCode"], "three letters"),
        ({"currencyCode": "EUR"}, ["currencyCode"], "needs an earn rate"),
        ({"earnRates": [{"currencyCode": "CAD", "rate": "1"}]}, ["earnRates"], "USD needs an earn rate"),
        ({"exchangeRates": [{"currencyCode": "CAD", "rate": "0"}]}, ["exchangeRates", "0", "rate"], "above 0"),
        (
            {"tierMetric": "ORDERS", "tiers": [{"name": "A", "threshold": "0"}, {"name": "B", "threshold": "2.5"}]},
            ["tiers", "1", "threshold"],
            "whole-number",
        ),
        ({"returnWindowDays": 100000}, ["returnWindowDays"], "between 0 and 3650"),
        ({"maxPointsPerOrder": 0}, ["maxPointsPerOrder"], "between 1"),
    ],
)
async def test_each_invalid_rule_is_reported_at_its_field_and_nothing_is_published(client, world, rules, path, words):
    done = data(await admin(client, PUBLISH, {"input": {"rules": rules}}))["programPublish"]
    assert done["version"] is None
    assert [(e["field"], e["code"]) for e in done["userErrors"]] == [(["input", "rules", *path], "INVALID")], done
    assert words in done["userErrors"][0]["message"]
    assert await ProgramVersion.filter(merchant_id=world.merchant.id).count() == 1


async def test_a_version_cannot_take_effect_in_the_past_but_can_later(client, world):
    past = data(await admin(client, PUBLISH, {"input": {"rules": {}, "effectiveFrom": "2020-01-01T00:00:00Z"}}))[
        "programPublish"
    ]
    assert [(e["field"], e["code"]) for e in past["userErrors"]] == [(["input", "effectiveFrom"], "INVALID")]
    assert "past" in past["userErrors"][0]["message"]
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    scheduled = data(
        await admin(client, PUBLISH, {"input": {"rules": {"referralCap": 5}, "effectiveFrom": later.isoformat()}})
    )["programPublish"]
    assert scheduled["userErrors"] == [] and scheduled["version"]["number"] == 2
    program = data(
        await admin(client, "{ program { current { number } latest { number rules { referralFriendPoints } } } }")
    )["program"]
    assert program == {"current": {"number": 1}, "latest": {"number": 2, "rules": {"referralFriendPoints": 250}}}
    now = data(await admin(client, PUBLISH, {"input": {"rules": {}}}))["programPublish"]
    assert [(e["field"], e["code"]) for e in now["userErrors"]] == [(["input", "effectiveFrom"], "INVALID")]
    assert "version 2" in now["userErrors"][0]["message"]
    assert await ProgramVersion.filter(merchant_id=world.merchant.id).count() == 2


async def test_a_value_error_inside_publishing_is_not_shown_as_a_user_error(client, world, monkeypatch):
    async def broken(*args, **kwargs):
        return int("a bug deep inside the engine")

    monkeypatch.setattr("schema.loyalty.admin.mutations.publish", broken)
    body = (await admin(client, PUBLISH, {"input": {"rules": {}}})).json()
    assert body["data"] is None or body["data"]["programPublish"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("a value in the request is not valid", {"code": "BAD_USER_INPUT"})
    ]
    assert "bug deep inside" not in str(body)
    assert await ProgramVersion.filter(merchant_id=world.merchant.id).count() == 1


async def test_rewards_are_created_per_kind_and_validated(client, world):
    async def create(**fields) -> dict:
        return data(await admin(client, REWARD_CREATE, {"input": fields}))["rewardCreate"]

    fixed = await create(name="$7 off", kind="FIXED_AMOUNT", pointsCost=700, value="7", minimumSubtotal="20")
    assert fixed["userErrors"] == [] and fixed["reward"]["value"] == {"amount": "7.00", "currencyCode": "USD"}
    assert fixed["reward"]["minimumSubtotal"] == {"amount": "20.00"} and fixed["reward"]["active"]
    percent = await create(name="15% off", kind="PERCENTAGE", pointsCost=900, percentOff="15")
    assert (
        percent["userErrors"] == []
        and Decimal(percent["reward"]["percentOff"]) == 15
        and percent["reward"]["value"] is None
    )
    cash = await create(name="Cash", kind="POINTS_TO_CASH", minPoints=200, maxPoints=2000, cashPerPoint="0.02")
    assert cash["userErrors"] == [] and cash["reward"]["pointsCost"] == 200 and cash["reward"]["maxPoints"] == 2000
    product = await Product.filter(store_id=world.shopify.id).order_by("id").first()
    free = await create(
        name="A free record", kind="FREE_PRODUCT", pointsCost=1200, productId=gid("Product", product.id)
    )
    assert free["userErrors"] == []
    row = await Reward.get(id=int(free["reward"]["id"].rsplit("/", 1)[1]))
    assert row.kind == RewardKind.FREE_PRODUCT and row.product_platform_id == product.platform_id

    foreign = await Product.create(
        merchant=world.other_merchant,
        store=world.other_store,
        platform_id="p-x",
        title="x",
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )
    cases = [
        (dict(kind="FIXED_AMOUNT", pointsCost=100, value="0"), ["input", "value"], "INVALID"),
        (dict(kind="FIXED_AMOUNT", pointsCost=100), ["input", "value"], "INVALID"),
        (dict(kind="FIXED_AMOUNT", pointsCost=0, value="5"), ["input", "pointsCost"], "INVALID"),
        (dict(kind="PERCENTAGE", pointsCost=100, percentOff="150"), ["input", "percentOff"], "INVALID"),
        (dict(kind="PERCENTAGE", pointsCost=100, percentOff="0"), ["input", "percentOff"], "INVALID"),
        (dict(kind="PERCENTAGE", pointsCost=100, percentOff="5", value="5"), ["input", "value"], "INVALID"),
        (
            dict(kind="POINTS_TO_CASH", minPoints=500, maxPoints=100, cashPerPoint="0.01"),
            ["input", "maxPoints"],
            "INVALID",
        ),
        (
            dict(kind="POINTS_TO_CASH", pointsCost=5, minPoints=1, maxPoints=10, cashPerPoint="0.01"),
            ["input", "pointsCost"],
            "INVALID",
        ),
        (dict(kind="FREE_PRODUCT", pointsCost=100), ["input", "productId"], "INVALID"),
        (
            dict(kind="FREE_PRODUCT", pointsCost=100, productId=gid("Product", foreign.id)),
            ["input", "productId"],
            "NOT_FOUND",
        ),
        (dict(kind="FREE_SHIPPING", pointsCost=100, validDays=0), ["input", "validDays"], "INVALID"),
    ]
    for fields, path, code in cases:
        refused = await create(name="Bad", **fields)
        assert refused["reward"] is None and [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (path, code)
        ], (fields, refused)
    assert await Reward.filter(merchant_id=world.merchant.id, name="Bad").count() == 0


async def test_a_reward_is_updated_turned_off_and_only_the_merchants_own(client, world):
    reward = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    me = gid("Reward", reward.id)
    done = data(
        await admin(client, REWARD_UPDATE, {"input": {"id": me, "pointsCost": 550, "value": "6", "active": False}})
    )
    assert done["rewardUpdate"] == {
        "reward": {
            "id": me,
            "name": "$5 off",
            "pointsCost": 550,
            "value": {"amount": "6.00"},
            "percentOff": None,
            "active": False,
        },
        "userErrors": [],
    }
    listed = data(
        await admin(
            client,
            "{ program { active: rewards(first: 20) { nodes { id } } "
            "all: rewards(first: 20, includeInactive: true) { nodes { id } } } }",
        )
    )["program"]
    assert me not in [r["id"] for r in listed["active"]["nodes"]] and me in [r["id"] for r in listed["all"]["nodes"]]
    bad = data(await admin(client, REWARD_UPDATE, {"input": {"id": me, "value": "-1"}}))["rewardUpdate"]
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [(["input", "value"], "INVALID")]
    percent = await Reward.get(merchant_id=world.merchant.id, name="10% off your order")
    wrong = data(await admin(client, REWARD_UPDATE, {"input": {"id": gid("Reward", percent.id), "value": "5"}}))[
        "rewardUpdate"
    ]
    assert [(e["field"], e["code"]) for e in wrong["userErrors"]] == [(["input", "value"], "INVALID")]
    assert (await Reward.get(id=reward.id)).points_cost == 550
    theirs = await Reward.create(
        merchant=world.other_merchant, name="Theirs", kind=RewardKind.FREE_SHIPPING, points_cost=1
    )
    other = data(await admin(client, REWARD_UPDATE, {"input": {"id": gid("Reward", theirs.id), "active": False}}))[
        "rewardUpdate"
    ]
    assert other == {
        "reward": None,
        "userErrors": [{"field": ["input", "id"], "message": "no such reward of this merchant", "code": "NOT_FOUND"}],
    }
    assert (await Reward.get(id=theirs.id)).active
    assert data(await admin(client, f'{{ node(id: "{gid("Reward", theirs.id)}") {{ id }} }}'))["node"] is None


async def _spend_and_expire(world) -> Member:
    """A redemption, points given back for a code, and an expiry, on a member with points enough:
    every kind the economics count."""
    member = await Member.filter(merchant_id=world.merchant.id, available__gte=500).order_by("id").first()
    shopper = member.profile_id
    reward = await Reward.get(merchant_id=world.merchant.id, name="Free shipping")
    await redeem(shopper, reward.id, world.shopify.id, RecordingIssuer(), now=datetime(1998, 6, 20, tzinfo=UTC))
    when = datetime(1998, 6, 25, tzinfo=UTC)
    async with in_transaction() as conn:
        book = await Book.open(conn, world.merchant.id, [shopper], when)
        book.post(
            Posting(
                shopper,
                EntryKind.REDEEM_REFUND,
                "test:refund",
                when,
                available=50,
                cause="code_expired",
                data={"redemption_id": 0},
            )
        )
        book.post(Posting(shopper, EntryKind.EXPIRE, "test:expire", when, available=-20, cause="fifo"))
        await book.flush()
    return member


async def test_economics_equal_the_engines_and_the_timeline_sums_the_ledger(client, world):
    await _spend_and_expire(world)
    found = data(
        await admin(
            client,
            """{ economics { currencyCode pointValue
        total { earned redeemed expired outstanding liability { amount currencyCode } redemptionRate breakage members rewardCost { amount currencyCode } }
        stores { store { id } figures { earned redeemed outstanding } }
        tiers { tier figures { members outstanding } }
        monthly: timeline(interval: MONTH, from: "1996-01-01T00:00:00Z") { start issued redeemed expired }
        latest: timeline(interval: DAY) { start issued redeemed expired }
        before: timeline(interval: DAY, to: "1998-06-26T00:00:00Z") { start issued redeemed expired }
        weekly: timeline(interval: WEEK, from: "1998-01-01T00:00:00Z", to: "1998-07-01T00:00:00Z") { start issued redeemed expired } } }""",
        )
    )
    economics = found["economics"]
    figures = await engine.economics(world.merchant.id)
    total = economics["total"]
    assert (total["earned"], total["redeemed"], total["expired"], total["outstanding"], total["members"]) == (
        figures.total.earned,
        figures.total.redeemed,
        figures.total.expired,
        figures.total.outstanding,
        figures.total.members,
    )
    assert total["liability"] == {"amount": f"{figures.total.liability:.2f}", "currencyCode": "USD"}
    assert (
        total["redeemed"] == 150 - 50
        and total["expired"] == 20
        and total["rewardCost"] == [{"amount": "0.00", "currencyCode": "USD"}]
    )
    assert {s["store"]["id"] if s["store"] else None: s["figures"]["earned"] for s in economics["stores"]} == {
        gid("Store", k) if k else None: f.earned for k, f in figures.stores.items()
    }
    assert {t["tier"]: t["figures"]["members"] for t in economics["tiers"]} == {
        k: f.members for k, f in figures.tiers.items()
    }

    entries = await Entry.filter(merchant_id=world.merchant.id)
    by_month: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in entries:
        month = by_month[(e.occurred_at.year, e.occurred_at.month)]
        if e.kind in engine.EARNED and e.lifetime > 0:
            month[0] += e.lifetime
        elif e.kind in engine.SPENT:
            month[1] -= e.available
        elif e.kind == EntryKind.EXPIRE:
            month[2] -= e.available
    monthly = economics["monthly"]
    assert monthly[0]["start"].startswith("1996-01-01T00:00:00") and len(monthly) > 12
    shown = {(int(p["start"][:4]), int(p["start"][5:7])): [p["issued"], p["redeemed"], p["expired"]] for p in monthly}
    assert {k: v for k, v in shown.items() if v != [0, 0, 0]} == {k: v for k, v in by_month.items() if v != [0, 0, 0]}
    assert sum(p["issued"] for p in monthly) == sum(
        e.lifetime for e in entries if e.kind in engine.EARNED and e.lifetime > 0
    )
    assert sum(p["redeemed"] for p in monthly) == 100 and sum(p["expired"] for p in monthly) == 20

    latest = economics["latest"]
    assert 0 < len(latest) <= 12 and latest == sorted(latest, key=lambda p: p["start"])
    counted = [
        e
        for e in entries
        if (e.kind in engine.EARNED and e.lifetime > 0) or e.kind in engine.SPENT or e.kind == EntryKind.EXPIRE
    ]  # releases move points between balances: no activity of their own
    last_day = max(e.occurred_at for e in counted).astimezone(UTC)
    assert len(latest) == 12 and latest[-1]["start"].startswith(last_day.date().isoformat())
    before = economics["before"]
    assert len(before) == 12 and before[-1]["start"].startswith("1998-06-25") and before[-1]["expired"] == 20
    weekly = economics["weekly"]
    starts = [datetime.fromisoformat(p["start"]) for p in weekly]
    assert all(s.weekday() == 0 for s in starts) and starts == [
        starts[0] + timedelta(weeks=i) for i in range(len(starts))
    ]
    in_range = [
        e for e in entries if datetime(1997, 12, 29, tzinfo=UTC) <= e.occurred_at < datetime(1998, 7, 1, tzinfo=UTC)
    ]
    assert sum(p["issued"] for p in weekly) == sum(
        e.lifetime for e in in_range if e.kind in engine.EARNED and e.lifetime > 0
    )

    too_long = await admin(client, '{ economics { timeline(interval: DAY, from: "1990-01-01T00:00:00Z") { start } } }')
    assert error_code(too_long) == "BAD_USER_INPUT" and "1000" in too_long.json()["errors"][0]["message"]


async def test_the_review_queue_lists_waiting_referrals_oldest_first_and_each_is_decided_once(client, world):
    profiles = (
        await Member.filter(merchant_id=world.merchant.id).order_by("id").limit(4).values_list("profile_id", flat=True)
    )
    referrer, friend_a, friend_b, friend_c = profiles
    old = await Referral.create(
        merchant=world.merchant,
        referrer_id=referrer,
        friend_id=friend_a,
        status=ReferralStatus.REVIEW,
        reason="shared address: same household as the referrer",
        created_at=datetime(1998, 5, 1, tzinfo=UTC),
    )
    new = await Referral.create(
        merchant=world.merchant,
        referrer_id=referrer,
        friend_id=friend_b,
        status=ReferralStatus.REVIEW,
        reason="4 referrals from one network within 30 days",
        created_at=datetime(1998, 6, 1, tzinfo=UTC),
    )
    await Referral.create(
        merchant=world.merchant,
        referrer_id=referrer,
        friend_id=friend_c,
        status=ReferralStatus.PENDING,
        created_at=datetime(1998, 6, 2, tzinfo=UTC),
    )
    queue = data(
        await admin(
            client,
            """{ referrals(first: 10, status: REVIEW) { nodes { id status reason
        referrer { id } friend { id } } } }""",
        )
    )["referrals"]["nodes"]
    referrer_member = await Member.get(profile_id=referrer)
    assert [r["id"] for r in queue] == [gid("Referral", old.id), gid("Referral", new.id)]
    assert queue[0] == {
        "id": gid("Referral", old.id),
        "status": "REVIEW",
        "reason": old.reason,
        "referrer": {"id": gid("LoyaltyMember", referrer_member.id)},
        "friend": {"id": gid("Profile", friend_a)},
    }
    everyone = data(await admin(client, "{ referrals(first: 10) { nodes { status } } }"))["referrals"]["nodes"]
    assert [r["status"] for r in everyone] == ["PENDING", "REVIEW", "REVIEW"]

    approve = data(await admin(client, DECIDE, {"input": {"referralId": gid("Referral", old.id), "approve": True}}))[
        "referralDecide"
    ]
    actor = f"admin:session_token:merchant:{world.merchant.id}:store:{world.shopify.id}"
    assert (
        approve["userErrors"] == []
        and approve["referral"]["status"] == "PENDING"
        and approve["referral"]["decidedBy"] == actor
    )
    reject = data(
        await admin(
            client,
            DECIDE,
            {"input": {"referralId": gid("Referral", new.id), "approve": False, "reason": "same household, confirmed"}},
        )
    )["referralDecide"]
    assert reject["referral"]["status"] == "REJECTED" and reject["referral"]["reason"] == "same household, confirmed"
    again = data(await admin(client, DECIDE, {"input": {"referralId": gid("Referral", old.id), "approve": False}}))[
        "referralDecide"
    ]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["input", "referralId"], "ALREADY_DECIDED")]
    assert (await Referral.get(id=old.id)).status == ReferralStatus.PENDING
    assert (
        data(await admin(client, "{ referrals(first: 10, status: REVIEW) { nodes { id } } }"))["referrals"]["nodes"]
        == []
    )

    theirs = await Profile.create(merchant=world.other_merchant)
    friend = await Profile.create(merchant=world.other_merchant)
    foreign = await Referral.create(
        merchant=world.other_merchant,
        referrer_id=theirs.id,
        friend_id=friend.id,
        status=ReferralStatus.REVIEW,
        created_at=datetime.now(UTC),
    )
    other = data(await admin(client, DECIDE, {"input": {"referralId": gid("Referral", foreign.id), "approve": True}}))[
        "referralDecide"
    ]
    assert other["referral"] is None and [e["code"] for e in other["userErrors"]] == ["NOT_FOUND"]
    assert (await Referral.get(id=foreign.id)).status == ReferralStatus.REVIEW


ENDPOINT_CREATE = """mutation($input: EventEndpointCreateInput!) { eventEndpointCreate(input: $input) {
  endpoint { id url kinds active } secret userErrors { field message code } } }"""
ENDPOINT_DELETE = (
    """mutation($id: ID!) { eventEndpointDelete(input: {id: $id}) { deletedId userErrors { field code } } }"""
)


async def test_event_endpoints_are_created_with_a_secret_shown_once_listed_and_deleted(client, world):
    created = data(
        await admin(
            client,
            ENDPOINT_CREATE,
            {
                "input": {
                    "url": "https://crm.example/hooks/rapport",
                    "kinds": ["tier.changed", "reward.redeemed", "tier.changed"],
                }
            },
        )
    )
    done = created["eventEndpointCreate"]
    assert done["userErrors"] == [] and len(done["secret"]) >= 32
    assert done["endpoint"] | {"id": None} == {
        "id": None,
        "url": "https://crm.example/hooks/rapport",
        "kinds": ["tier.changed", "reward.redeemed"],
        "active": True,
    }
    row = await Endpoint.get(id=int(done["endpoint"]["id"].rsplit("/", 1)[1]))
    assert row.secret == done["secret"] and row.merchant_id == world.merchant.id
    listed = await admin(client, "{ eventEndpoints(first: 5) { nodes { id url kinds } } }")
    assert data(listed)["eventEndpoints"]["nodes"] == [
        {"id": done["endpoint"]["id"], "url": row.url, "kinds": ["tier.changed", "reward.redeemed"]}
    ]
    assert done["secret"] not in listed.text

    for url, words in (
        ("http://crm.example/hook", "https only"),
        ("http://127.0.0.1:9000/hook", "development only"),
        ("ftp://crm.example/hook", "https://"),
        ("https://user:pw@crm.example/", "password"),
        ("not a url", "https://"),
    ):
        refused = data(await admin(client, ENDPOINT_CREATE, {"input": {"url": url}}))["eventEndpointCreate"]
        assert refused["endpoint"] is None and refused["secret"] is None, url
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", "url"], "INVALID")]
        assert words in refused["userErrors"][0]["message"], (url, refused)
    unknown = data(
        await admin(
            client, ENDPOINT_CREATE, {"input": {"url": "https://x.example", "kinds": ["tier.changed", "order.paid"]}}
        )
    )
    assert [(e["field"], e["code"]) for e in unknown["eventEndpointCreate"]["userErrors"]] == [
        (["input", "kinds", "1"], "INVALID")
    ]

    theirs = await Endpoint.create(merchant=world.other_merchant, url="https://other.example", secret="s")
    other = data(await admin(client, ENDPOINT_DELETE, {"id": gid("EventEndpoint", theirs.id)}))["eventEndpointDelete"]
    assert other == {"deletedId": None, "userErrors": [{"field": ["input", "id"], "code": "NOT_FOUND"}]}
    assert await Endpoint.filter(id=theirs.id).exists()
    deleted = data(await admin(client, ENDPOINT_DELETE, {"id": done["endpoint"]["id"]}))["eventEndpointDelete"]
    assert deleted == {"deletedId": done["endpoint"]["id"], "userErrors": []}
    assert data(await admin(client, "{ eventEndpoints(first: 5) { nodes { id } } }"))["eventEndpoints"]["nodes"] == []


async def test_an_endpoint_at_an_internal_address_is_refused_when_it_is_entered(client, world):
    for url in (
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://127.0.0.1:8443/hook",
        "https://[::ffff:192.168.1.1]/hook",
        "https://localhost/hook",
    ):
        refused = data(await admin(client, ENDPOINT_CREATE, {"input": {"url": url}}))["eventEndpointCreate"]
        assert refused["endpoint"] is None, url
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", "url"], "INVALID")], url
        assert "not a public address" in refused["userErrors"][0]["message"], refused
    assert not await Endpoint.filter(merchant_id=world.merchant.id).exists()


async def test_a_local_http_endpoint_is_allowed_in_development(database_url, world):
    async with app_client(database_url, environment="development", allow_site_networks=["127.0.0.0/8"]) as dev:
        done = data(await admin(dev, ENDPOINT_CREATE, {"input": {"url": "http://127.0.0.1:9000/hook"}}))[
            "eventEndpointCreate"
        ]
        assert done["userErrors"] == [] and done["endpoint"]["url"] == "http://127.0.0.1:9000/hook"
        remote = data(await admin(dev, ENDPOINT_CREATE, {"input": {"url": "http://crm.example/hook"}}))[
            "eventEndpointCreate"
        ]
        assert "https only" in remote["userErrors"][0]["message"]


async def test_codes_ledger_entries_and_versions_resolve_by_id_for_their_merchant_only(client, world):
    member = await _spend_and_expire(world)
    found = data(await admin(client, MEMBER, {"id": gid("LoyaltyMember", member.id)}))["member"]
    code = found["codes"]["nodes"][0]
    assert code["reward"] == {"name": "Free shipping"} and code["points"] == 150 and code["status"] == "ISSUED"
    redeemed = next(e for e in found["ledger"]["nodes"] if e["kind"] == "REDEEM")
    assert redeemed["description"] == "Redeemed Free shipping" and redeemed["store"] == {
        "id": gid("Store", world.shopify.id)
    }
    assert redeemed["actor"] is None and redeemed["reason"] is None
    version = await ProgramVersion.get(merchant_id=world.merchant.id)
    for value in (code["id"], redeemed["id"], gid("ProgramVersion", version.id), gid("LoyaltyMember", member.id)):
        assert data(await admin(client, f'{{ node(id: "{value}") {{ id }} }}'))["node"] == {"id": value}
    foreign = await foreign_member(world)
    async with in_transaction() as conn:
        book = await Book.open(conn, world.other_merchant.id, [foreign.profile_id], datetime.now(UTC))
        book.post(
            Posting(
                foreign.profile_id,
                EntryKind.ADJUST,
                "test:foreign",
                datetime.now(UTC),
                available=5,
                actor="x",
                reason="x",
            )
        )
        await book.flush()
    entry = await Entry.get(key="test:foreign")
    assert data(await admin(client, f'{{ node(id: "{gid("LedgerEntry", entry.id)}") {{ id }} }}'))["node"] is None
