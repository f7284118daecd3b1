"""Tier perks over HTTP: a shopper reads their own free-shipping codes on every store of the
merchant (a code only once it exists on the platform, nothing revoked), the merchant reads every
row of a member with its state; anonymous callers, other shoppers and other merchants see none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.members import enroll
from loyalty.models import Member, Perk, PerkKind, PerkStatus
from schema.core.ids import to_gid
from store.models import Customer, Profile
from tests.schema.conftest import admin, data, storefront
from tests.schema.test_storefront_loyalty import signed_in

pytestmark = pytest.mark.db

PERKS = "{ me { loyalty { perks { kind tier status code active storeName storeUrl } } } }"
MEMBER_PERKS = """query($id: ID!) { member(id: $id) { id perks { kind tier status code active storeName } } }"""
NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def holder_of(customer: Customer) -> Member:
    account = await Customer.get(id=customer.id)
    key = account.owner_id or account.profile_id
    found = await Member.get_or_none(profile_id=key)
    return found or await enroll(key)


async def perk(member: Member, store_id: int, status: PerkStatus, code: str, tier: str = "Gold") -> Perk:
    return await Perk.create(
        merchant_id=member.merchant_id,
        profile_id=member.profile_id,
        store_id=store_id,
        kind=PerkKind.FREE_SHIPPING,
        tier=tier,
        code=code,
        status=status,
        platform_discount_id=f"gid://shopify/DiscountCodeNode/{code}" if status != PerkStatus.FAILED else None,
        error="unavailable: 503" if status == PerkStatus.FAILED else None,
        created_at=NOW,
        revoked_at=NOW if status == PerkStatus.REVOKED else None,
    )


async def planted(world) -> tuple[Member, Member]:
    mine, theirs = await holder_of(world.shopper), await holder_of(world.other_shopper)
    await perk(mine, world.shopify.id, PerkStatus.REVOKED, "RP-FS-OLD1", tier="Platinum")
    await perk(mine, world.shopify.id, PerkStatus.ACTIVE, "RP-FS-MINE1")
    await perk(mine, world.woo.id, PerkStatus.FAILED, "RP-FS-MINE2")
    await perk(theirs, world.shopify.id, PerkStatus.ACTIVE, "RP-FS-THEIRS")
    return mine, theirs


async def test_a_shopper_reads_their_own_perks_on_every_store_with_a_code_only_once_it_exists(client, world):
    await planted(world)
    found = data(await storefront(client, world.shopify, PERKS, headers=await signed_in(client, world.shopper)))
    perks = found["me"]["loyalty"]["perks"]
    shopify_name = world.shopify.name or world.shopify.domain
    woo_name = world.woo.name or world.woo.domain
    assert sorted(perks, key=lambda p: p["storeName"] == woo_name) == [
        {
            "kind": "FREE_SHIPPING",
            "tier": "Gold",
            "status": "ACTIVE",
            "code": "RP-FS-MINE1",
            "active": True,
            "storeName": shopify_name,
            "storeUrl": f"https://{world.shopify.domain}",
        },
        {
            "kind": "FREE_SHIPPING",
            "tier": "Gold",
            "status": "FAILED",
            "code": None,
            "active": False,
            "storeName": woo_name,
            "storeUrl": perks[1]["storeUrl"],
        },
    ]
    # the other shopper sees theirs only, and a shopper without a perk an empty list
    other = data(await storefront(client, world.shopify, PERKS, headers=await signed_in(client, world.other_shopper)))
    assert [p["code"] for p in other["me"]["loyalty"]["perks"]] == ["RP-FS-THEIRS"]


async def test_an_anonymous_or_forged_caller_reads_no_perks(client, world):
    await planted(world)
    assert data(await storefront(client, world.shopify, PERKS)) == {"me": None}
    forged = await storefront(client, world.shopify, PERKS, headers={"X-Rapport-Shopper-Token": "v1.forged.token"})
    body = forged.json()
    assert "RP-FS" not in forged.text and (body.get("data") in (None, {"me": None}) or body.get("errors"))
    # another merchant's store key with this shopper's token: no perks of this merchant
    headers = await signed_in(client, world.shopper)
    elsewhere = await storefront(client, world.other_store, PERKS, headers=headers)
    assert "RP-FS-MINE1" not in elsewhere.text


async def test_the_merchant_reads_every_perk_row_of_a_member_and_another_merchant_none(client, world):
    mine, _ = await planted(world)
    member_id = to_gid("LoyaltyMember", mine.id)
    found = data(await admin(client, MEMBER_PERKS, {"id": member_id}))["member"]
    assert found["id"] == member_id
    assert [(p["status"], p["code"], p["active"], p["tier"]) for p in found["perks"]] == [
        ("ACTIVE", "RP-FS-MINE1", True, "Gold"),
        ("REVOKED", None, False, "Platinum"),
        ("FAILED", None, False, "Gold"),
    ]
    # a member of another merchant, asked for by this merchant: nothing
    stranger = await enroll((await Profile.create(merchant=world.other_merchant)).id)
    await perk(stranger, world.other_store.id, PerkStatus.ACTIVE, "RP-FS-ELSEWHERE")
    foreign = await admin(client, MEMBER_PERKS, {"id": to_gid("LoyaltyMember", stranger.id)})
    assert "RP-FS-ELSEWHERE" not in foreign.text and (foreign.json().get("data") or {}).get("member") is None
    # oversized ids are refused, not looked up
    huge = await admin(client, MEMBER_PERKS, {"id": to_gid("LoyaltyMember", 10**30)})
    assert "RP-FS" not in huge.text and (huge.json().get("data") or {}).get("member") is None
