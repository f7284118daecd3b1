"""Referrals: the friend is rewarded on the first order, the referrer once it passes the
return window; fraud is rejected with its reason, suspicious cases wait for review."""

from __future__ import annotations

import pytest

from loyalty.members import enroll
from loyalty.models import Entry, EntryKind, ReferralStatus
from loyalty.processing import process_orders
from loyalty.referrals import decide, refer, referral_link, review_queue
from loyalty.release import release_due
from loyalty.rules import Rules
from tests.loyalty.helpers import at

pytestmark = pytest.mark.db

RULES = Rules(referral_friend_points=100, referral_referrer_points=200, referral_cap=2, referral_network_limit=2)


async def code_of(shop, profile: int) -> str:
    """The member's referral code (enrolling the profile, as the storefront does on sign-up)."""
    return (await enroll(profile)).referral_code


async def points(profile: int, kind: EntryKind = EntryKind.REFERRAL) -> int:
    return sum(await Entry.filter(profile_id=profile, kind=kind).values_list("available", flat=True))


async def test_the_friend_earns_on_the_first_order_and_the_referrer_after_the_return_window(shop):
    await shop.program(RULES)
    _, referrer = await shop.customer()
    friend_cust, friend = await shop.customer()
    code = await code_of(shop, referrer)
    assert referral_link(code, "https://northwind.test") == f"https://northwind.test/?ref={code}"
    referral = await refer(friend, code, at(0))
    assert referral.status == ReferralStatus.PENDING
    await process_orders([await shop.order(friend_cust, [("a", 30)], when=at(1))], now=at(1))
    assert await points(friend) == 100 and await points(referrer) == 0
    await release_due(at(20))
    assert await points(referrer) == 0
    await release_due(at(32))
    assert await points(referrer) == 200
    await release_due(at(40))
    assert await points(referrer) == 200


async def test_a_referral_code_used_as_a_discount_code_on_the_first_order_counts(shop):
    await shop.program(RULES)
    _, referrer = await shop.customer()
    friend_cust, friend = await shop.customer()
    code = await code_of(shop, referrer)
    await process_orders([await shop.order(friend_cust, [("a", 30)], when=at(1), codes=(code.lower(),))], now=at(1))
    assert await points(friend) == 100


async def test_the_referrer_is_not_paid_when_the_friends_first_order_is_cancelled(shop):
    await shop.program(RULES)
    _, referrer = await shop.customer()
    friend_cust, friend = await shop.customer()
    await refer(friend, await code_of(shop, referrer), at(0))
    order = await shop.order(friend_cust, [("a", 30)], when=at(1), platform_id="o-fr")
    await process_orders([order], now=at(1))
    await shop.order(friend_cust, [("a", 30)], when=at(1), platform_id="o-fr", cancelled_at=at(3))
    await process_orders([order], now=at(3))
    await release_due(at(40))
    assert await points(referrer) == 0


@pytest.mark.parametrize(
    ("friend_fields", "reason"),
    [
        ({"email": "Same@Example.org "}, "same email"),
        ({"phone": "(555) 010-7788"}, "same phone"),
        (
            {"first": "Ann", "last": "Lee", "address": {"address1": "1 Elm Rd", "zip": "02134"}},
            "same name and shipping address",
        ),
    ],
)
async def test_self_referrals_are_rejected_with_their_reason(shop, friend_fields, reason):
    await shop.program(RULES)
    _, referrer = await shop.customer(
        email="same@example.org",
        phone="+15550107788",
        first="Ann",
        last="Lee",
        address={"address1": "1 Elm Rd.", "zip": "02134"},
    )
    _, friend = await shop.customer(**friend_fields)
    referral = await refer(friend, await code_of(shop, referrer), at(0))
    assert referral.status == ReferralStatus.REJECTED and reason in referral.reason


async def test_referring_yourself_or_a_friend_who_already_ordered_is_rejected(shop):
    await shop.program(RULES)
    _, referrer = await shop.customer()
    code = await code_of(shop, referrer)
    assert (await refer(referrer, code, at(0))).reason == "self-referral: same person"
    old_cust, old = await shop.customer()
    await shop.order(old_cust, [("a", 5)], when=at(0))
    assert (await refer(old, code, at(1))).reason == "the friend had already ordered"


async def test_a_referrer_over_the_cap_is_rejected(shop):
    await shop.program(RULES)
    _, referrer = await shop.customer()
    code = await code_of(shop, referrer)
    outcomes = [(await refer((await shop.customer())[1], code, at(0))).status for _ in range(3)]
    assert outcomes == [ReferralStatus.PENDING, ReferralStatus.PENDING, ReferralStatus.REJECTED]


async def test_a_shared_household_address_goes_to_review_and_the_owner_decides(shop):
    await shop.program(RULES)
    home = {"address1": "9 Oak Ave", "zip": "90210"}
    _, referrer = await shop.customer(first="Bo", last="Park", address=home)
    sister_cust, sister = await shop.customer(first="Cy", last="Park", address=home)
    _, brother = await shop.customer(first="Di", last="Park", address=home)
    code = await code_of(shop, referrer)
    first, second = await refer(sister, code, at(0)), await refer(brother, code, at(0))
    assert first.status == second.status == ReferralStatus.REVIEW
    assert [r.id for r in await review_queue(shop.merchant.id)] == [first.id, second.id]
    await process_orders([await shop.order(sister_cust, [("a", 10)], when=at(1))], now=at(1))
    assert await points(sister) == 0
    approved = await decide(first.id, approve=True, actor="owner@shop", now=at(2))
    assert approved.status == ReferralStatus.QUALIFIED and await points(sister) == 100
    rejected = await decide(
        second.id, approve=False, actor="owner@shop", reason="same family farming points", now=at(2)
    )
    assert rejected.status == ReferralStatus.REJECTED and rejected.reason == "same family farming points"
    assert rejected.decided_by == "owner@shop"


async def test_many_friends_from_one_network_go_to_review(shop):
    await shop.program(RULES.but(referral_cap=0))
    _, referrer = await shop.customer()
    code = await code_of(shop, referrer)
    statuses = [
        (await refer((await shop.customer())[1], code, at(0), network="203.0.113.0/24")).status for _ in range(3)
    ]
    assert statuses == [ReferralStatus.PENDING, ReferralStatus.PENDING, ReferralStatus.REVIEW]
