"""Who may spend a balance: accounts share one only when ownership is established (a verified
email on both, a link the shopper made signed in on both, the merchant's confirmation), never
because insights matched them on an unverified key; balances kept before are settled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from insights.identity import resolve_customers
from loyalty.account_links import (
    FAILURE_LIMIT,
    ISSUE_LIMIT,
    LinkError,
    LinkFailure,
    issue_code,
    redeem_code,
)
from loyalty.actions import adjust
from loyalty.errors import NotOnePerson
from loyalty.models import Entry, EntryKind, Member
from loyalty.ownership import confirm_accounts, link_verified, owners_of_customers, settle_all
from loyalty.processing import process_orders
from loyalty.replay import rebuild_balances
from loyalty.rules import Rules
from store.ingest import upsert_customers
from store.models import Customer, Profile, Store
from store.people import ensure_profiles
from store.records import CustomerRecord, guest_platform_id
from tests.loyalty.helpers import T0, Shop, at, make_shop

pytestmark = pytest.mark.db


async def account(
    shop: Shop,
    store: Store,
    platform_id: str,
    email: str,
    *,
    verified: bool = False,
    guest: bool = False,
    created_days: float = 0,
) -> int:
    """An account written as a connector writes it; returns its id."""
    await upsert_customers(
        store,
        [
            CustomerRecord(
                platform_id=platform_id,
                updated_at=T0,
                email=email,
                verified_email=verified,
                is_guest=guest,
                created_at=at(created_days),
            )
        ],
    )
    return (await Customer.get(store_id=store.id, platform_id=platform_id)).id


async def balance(customer_id: int) -> int:
    holder = (await owners_of_customers([customer_id]))[customer_id]
    member = await Member.get_or_none(profile_id=holder)
    return 0 if member is None else member.available + member.pending


async def test_accounts_whose_same_email_the_platform_verified_share_one_balance(shop):
    await shop.program(Rules())
    a = await account(shop, shop.store, "a1", "Ann@Example.org", verified=True)
    b = await account(shop, shop.other, "b1", "ann@example.org", verified=True)
    await process_orders(
        [await shop.order("a1", [("x", 30)]), await shop.order("b1", [("x", 12)], store=shop.other)], now=at(0)
    )
    owners = await owners_of_customers([a, b])
    assert owners[a] == owners[b] and await balance(a) == 42


async def test_an_account_verified_later_joins_the_balance_with_transfer_entries(shop):
    await shop.program(Rules())
    a = await account(shop, shop.store, "a1", "ann@example.org", verified=True)
    b = await account(shop, shop.other, "b1", "ann@example.org")
    await process_orders(
        [await shop.order("a1", [("x", 30)]), await shop.order("b1", [("x", 12)], store=shop.other)], now=at(0)
    )
    assert (await balance(a), await balance(b)) == (30, 12)
    await account(shop, shop.other, "b1", "ann@example.org", verified=True)  # the platform verified it since
    [transfer] = await link_verified([b])
    assert (transfer.pending, await balance(a), await balance(b)) == (12, 42, 42)
    causes = set(
        await Entry.filter(kind__in=[EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT]).values_list("cause", flat=True)
    )
    assert causes == {"verified_email"} and await link_verified([a, b]) == []


async def test_an_unverified_account_insights_merged_with_a_member_keeps_a_balance_of_its_own(shop):
    await shop.program(Rules())
    victim = await account(shop, shop.store, "v1", "victim@example.org", verified=True)
    await process_orders([await shop.order("v1", [("x", 500)])], now=at(0))
    attacker = await account(shop, shop.other, "m1", "victim@example.org")  # typed, never verified
    await resolve_customers([victim, attacker])
    profiles = set(await Customer.filter(id__in=[victim, attacker]).values_list("profile_id", flat=True))
    assert len(profiles) == 1  # one person for analytics
    await process_orders([await shop.order("m1", [("x", 5)], store=shop.other)], now=at(1))
    assert (await balance(victim), await balance(attacker)) == (500, 5)


async def test_a_guest_checkout_earns_into_the_verified_account_of_its_email_on_the_same_store_only(shop):
    await shop.program(Rules())
    ann = await account(shop, shop.store, "a1", "ann@example.org", verified=True)
    bob = await account(shop, shop.store, "b1", "bob@example.org")
    guests = {}
    for store, email in (
        (shop.store, "ANN@example.org"),
        (shop.other, "ann@example.org"),
        (shop.store, "bob@example.org"),
    ):
        pid = guest_platform_id(email)
        guests[(store.id, email)] = await account(shop, store, pid, email, guest=True)
        await process_orders([await shop.order(pid, [("x", 10)], store=store)], now=at(0))
    owners = await owners_of_customers([ann, bob, *guests.values()])
    assert owners[guests[(shop.store.id, "ANN@example.org")]] == owners[ann] and await balance(ann) == 10
    assert owners[guests[(shop.other.id, "ann@example.org")]] != owners[ann]
    assert owners[guests[(shop.store.id, "bob@example.org")]] != owners[bob] and await balance(bob) == 0


async def test_the_merchant_confirms_accounts_matched_as_one_person_and_only_those(shop):
    await shop.program(Rules())
    a = await account(shop, shop.store, "a1", "ann@example.org")
    b = await account(shop, shop.other, "b1", "ann@example.org")
    c = await account(shop, shop.other, "c1", "carl@example.org")
    await process_orders(
        [await shop.order("a1", [("x", 7)]), await shop.order("b1", [("x", 3)], store=shop.other)], now=at(0)
    )
    await resolve_customers([a, b, c])
    with pytest.raises(NotOnePerson):
        await confirm_accounts([a, c])
    await confirm_accounts([a, b])
    assert await balance(a) == await balance(b) == 10 and await rebuild_balances(shop.merchant.id) == []


async def test_a_balance_kept_before_ownership_stays_with_the_earliest_verified_account_and_the_split_is_recorded(shop):
    await shop.program(Rules())
    older = await account(shop, shop.store, "o1", "x@example.org", created_days=-300)
    verified = await account(shop, shop.other, "v1", "ann@example.org", verified=True, created_days=-100)
    twin = await account(shop, shop.store, "t1", "ANN@example.org", verified=True, created_days=-50)
    profile = (await ensure_profiles([verified]))[verified]
    await Customer.filter(id__in=[older, verified, twin]).update(
        profile_id=profile
    )  # one person, one member: the old way
    await adjust(profile, 250, reason="kept from before", actor="owner", now=at(0))

    assert await settle_all() == 1
    owners = await owners_of_customers([older, verified, twin])
    assert owners[verified] == owners[twin] == profile and owners[older] != profile
    assert (await balance(verified), await balance(older)) == (250, 0)
    split = await Entry.filter(cause="ownership_split").order_by("id").values("profile_id", "kind", "available", "data")
    assert [(e["profile_id"], e["kind"], e["available"]) for e in split] == [
        (profile, EntryKind.TRANSFER_OUT, 0),
        (owners[older], EntryKind.TRANSFER_IN, 0),
    ]
    assert split[0]["data"]["customer_id"] == older
    assert await settle_all() == 0 and await rebuild_balances(shop.merchant.id) == []
    anchor = await Profile.get(id=owners[older])
    assert anchor.merged_into_id == profile  # the admin still finds the person behind it


async def test_a_link_code_joins_the_issuers_and_the_redeemers_accounts_once(shop):
    await shop.program(Rules())
    a = await account(shop, shop.store, "a1", "ann@example.org")
    b = await account(shop, shop.other, "b1", "ann.other@example.org")
    await process_orders(
        [await shop.order("a1", [("x", 20)]), await shop.order("b1", [("x", 5)], store=shop.other)], now=at(0)
    )
    code, expires_at = await issue_code(a)
    assert expires_at - T0 > timedelta(0)
    [transfer] = await redeem_code(code.lower(), b)
    assert transfer.pending in (5, 20) and await balance(a) == await balance(b) == 25
    with pytest.raises(LinkError) as reused:
        await redeem_code(code, b)
    assert reused.value.failure == LinkFailure.ALREADY_USED


async def test_link_codes_refuse_their_own_account_expiry_another_merchant_and_guessing(shop):
    a = await account(shop, shop.store, "a1", "ann@example.org")
    b = await account(shop, shop.other, "b1", "ann@example.org")
    elsewhere = await make_shop("Elsewhere")
    stranger = await account(elsewhere, elsewhere.store, "s1", "ann@example.org")

    async def refused(code: str, customer_id: int, **kwargs) -> LinkFailure:
        with pytest.raises(LinkError) as failed:
            await redeem_code(code, customer_id, **kwargs)
        return failed.value.failure

    code, expires_at = await issue_code(a)
    assert await refused(code, a) == LinkFailure.SAME_ACCOUNT
    assert await refused(code, stranger) == LinkFailure.INVALID_CODE  # another merchant's code reads as unknown
    assert await refused(code, b, now=expires_at + timedelta(seconds=1)) == LinkFailure.EXPIRED
    assert await refused("x" * 500, b) == LinkFailure.INVALID_CODE
    for guess in range(FAILURE_LIMIT - 2):
        assert await refused(f"AAAA-BBBB-CCCC-{guess:04d}", b) == LinkFailure.INVALID_CODE
    assert await refused(code, b) == LinkFailure.RATE_LIMITED  # the valid code too, after five failures


async def test_an_account_issues_a_limited_number_of_codes_an_hour(shop):
    a = await account(shop, shop.store, "a1", "ann@example.org")
    for _ in range(ISSUE_LIMIT):
        await issue_code(a)
    with pytest.raises(LinkError) as limited:
        await issue_code(a)
    assert limited.value.failure == LinkFailure.RATE_LIMITED
