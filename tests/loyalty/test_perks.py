"""Tier perks: a free-shipping code per member and store while the member's tier ships free,
issued on upgrade, left alone when nothing changed, deleted on downgrade, retried after a
failure, skipped on a store that refuses the credentials, and made once under two runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from loyalty.merge import merge_members
from loyalty.models import Member, Perk, PerkKind, PerkStatus
from loyalty.ownership import OwnershipReason, link_accounts
from loyalty.perks import HELD, out_of_step, perks_of, sync_perks
from loyalty.processing import process_orders
from loyalty.rules import Rules, Tier
from loyalty.tiers import reevaluate_tiers
from store.discounts import DiscountIssuer, DiscountKind, IssueError
from store.models import Customer, Store
from tests.loyalty.helpers import FailingIssuer, RecordingIssuer, Shop, at

pytestmark = pytest.mark.db

LADDER = (
    Tier("Silver", Decimal(100)),
    Tier("Gold", Decimal(500), free_shipping=True),
    Tier("Platinum", Decimal(2000), free_shipping=True),
)


@dataclass
class Issuers:
    default: DiscountIssuer
    by_store: dict[int, DiscountIssuer] = field(default_factory=dict)

    def issuer_for(self, store: Store) -> DiscountIssuer:
        return self.by_store.get(store.id, self.default)


async def gold_on_both_stores(shop: Shop, spend: int = 600, grace: int = 0) -> tuple[int, str, str]:
    """A member with an account on each store (one person, one e-mail) who reaches Gold by orders."""
    await shop.program(Rules(tiers=LADDER, tier_grace_days=grace, tier_window="rolling_12m"))
    email = f"gold{shop.store.id}@example.org"
    here, profile = await shop.customer(email=email)
    there, _ = await shop.customer(shop.other, email=email)
    await link_accounts(
        await Customer.filter(email=email).values_list("id", flat=True), OwnershipReason.MERCHANT_CONFIRMED
    )
    await process_orders([await shop.order(here, [("a", spend)], when=at(0))], now=at(0))
    assert (await Member.get(profile_id=profile)).tier == ("Gold" if spend < 2000 else "Platinum")
    return profile, here, there


async def test_a_gold_member_gets_one_unlimited_code_per_store_bound_to_each_account_and_a_rerun_changes_nothing(
    shop,
):
    profile, here, there = await gold_on_both_stores(shop)
    issuer = RecordingIssuer()
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    assert (report.issued, report.revoked, report.failed) == (2, 0, 0)
    requests = {store_id: request for store_id, request in issuer.requests}
    assert set(requests) == {shop.store.id, shop.other.id}
    assert requests[shop.store.id].customer_platform_id == here
    assert requests[shop.other.id].customer_platform_id == there
    for request in requests.values():
        assert request.kind == DiscountKind.FREE_SHIPPING and request.usage_limit is None
        assert request.code.startswith("RP-FS-") and request.title == "Gold free shipping"
        assert request.customer_email == f"gold{shop.store.id}@example.org" and request.expires_at is None
    perks = await Perk.filter(profile_id=profile).order_by("store_id")
    assert [(p.store_id, p.status, p.kind, p.tier) for p in perks] == [
        (shop.store.id, PerkStatus.ACTIVE, PerkKind.FREE_SHIPPING, "Gold"),
        (shop.other.id, PerkStatus.ACTIVE, PerkKind.FREE_SHIPPING, "Gold"),
    ]
    assert {p.platform_discount_id for p in perks} == set(issuer.live)

    again = await sync_perks(shop.merchant.id, Issuers(issuer), at(2))
    assert (again.issued, again.revoked, again.kept) == (0, 0, 2) and len(issuer.requests) == 2
    assert await out_of_step(shop.merchant.id, [profile], at(2)) == []


async def test_a_downgrade_past_the_grace_deletes_the_codes_from_the_platform(shop):
    profile, _, _ = await gold_on_both_stores(shop, grace=30)
    issuer = RecordingIssuer()
    await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    await reevaluate_tiers(shop.merchant.id, at(370))  # the order left the 12-month window: grace starts
    assert (await sync_perks(shop.merchant.id, Issuers(issuer), at(370))).revoked == 0
    assert len(issuer.live) == 2
    await reevaluate_tiers(shop.merchant.id, at(401))
    assert (await Member.get(profile_id=profile)).tier is None
    assert await out_of_step(shop.merchant.id, [profile], at(401)) == [profile]
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(401))
    assert (report.revoked, report.issued) == (2, 0) and issuer.live == {}
    perks = await Perk.filter(profile_id=profile)
    assert {p.status for p in perks} == {PerkStatus.REVOKED} and {p.revoked_at for p in perks} == {at(401)}
    assert await perks_of([profile]) == {}
    assert (await sync_perks(shop.merchant.id, Issuers(issuer), at(402))).revoked == 0


async def test_gold_to_platinum_keeps_the_same_codes(shop):
    profile, here, _ = await gold_on_both_stores(shop)
    issuer = RecordingIssuer()
    await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    await process_orders([await shop.order(here, [("a", 1500)], when=at(2))], now=at(2))
    assert (await Member.get(profile_id=profile)).tier == "Platinum"
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(3))
    assert (report.issued, report.revoked, report.kept) == (0, 0, 2)
    assert {p.tier for p in await Perk.filter(profile_id=profile)} == {"Platinum"}


async def test_a_failed_code_is_kept_with_its_error_and_issued_on_the_next_run(shop):
    profile, _, _ = await gold_on_both_stores(shop)
    failing = FailingIssuer()
    report = await sync_perks(shop.merchant.id, Issuers(failing), at(1))
    assert (report.issued, report.failed) == (0, 2)
    perks = await Perk.filter(profile_id=profile)
    assert {p.status for p in perks} == {PerkStatus.FAILED}
    assert all(p.error == "unavailable: the platform answered 503" for p in perks)
    assert await out_of_step(shop.merchant.id, [profile], at(1)) == []  # held: the daily run retries
    raising = await sync_perks(shop.merchant.id, Issuers(FailingIssuer(raises=True)), at(2))
    assert raising.failed == 2
    assert "ConnectionError" in (await Perk.filter(profile_id=profile).first()).error

    issuer = RecordingIssuer()
    retried = await sync_perks(shop.merchant.id, Issuers(issuer), at(3))
    assert retried.issued == 2 and await Perk.filter(profile_id=profile).count() == 2  # the same rows
    assert {p.code for p in await Perk.filter(profile_id=profile)} == {r.code for _, r in issuer.requests}


async def test_a_revoke_that_fails_stays_revoking_and_is_retried(shop):
    profile, _, _ = await gold_on_both_stores(shop)
    issuer = RecordingIssuer()
    await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    await reevaluate_tiers(shop.merchant.id, at(400))
    failed = await sync_perks(shop.merchant.id, Issuers(FailingIssuer()), at(400))
    assert (failed.revoked, failed.failed) == (0, 2)
    perks = await Perk.filter(profile_id=profile)
    assert {p.status for p in perks} == {PerkStatus.REVOKING} and all(p.error for p in perks)
    assert len(await perks_of([profile])) == 1  # still shown: it is still on the platform
    done = await sync_perks(shop.merchant.id, Issuers(issuer), at(401))
    assert done.revoked == 2 and issuer.live == {}
    assert {p.status for p in await Perk.filter(profile_id=profile)} == {PerkStatus.REVOKED}


async def test_a_store_refusing_the_credentials_is_skipped_for_the_run_and_reported(shop):
    profile, _, _ = await gold_on_both_stores(shop)
    second = f"second{shop.store.id}@example.org"
    cust, other_profile = await shop.customer(email=second)
    await shop.customer(shop.other, email=second)
    await link_accounts(
        await Customer.filter(email=second).values_list("id", flat=True), OwnershipReason.MERCHANT_CONFIRMED
    )
    await process_orders([await shop.order(cust, [("a", 700)], when=at(0))], now=at(0))
    refusing, issuer = FailingIssuer(error=IssueError.UNAUTHORIZED), RecordingIssuer()
    report = await sync_perks(shop.merchant.id, Issuers(issuer, {shop.other.id: refusing}), at(1))
    assert report.unauthorized_stores == [shop.other.id] and refusing.calls == 1  # not asked again
    assert report.issued == 2 and report.failed == 2
    failed = await Perk.filter(store_id=shop.other.id)
    assert {p.profile_id for p in failed} == {profile, other_profile}
    assert {p.status for p in failed} == {PerkStatus.FAILED}
    assert all(p.error.startswith("unauthorized: ") for p in failed)


async def test_two_runs_at_once_make_one_code_per_member_and_store(shop):
    profile, _, _ = await gold_on_both_stores(shop)

    class Slow(RecordingIssuer):
        async def issue(self, store, request):
            await asyncio.sleep(0.05)
            return await super().issue(store, request)

    issuer = Slow()
    reports = await asyncio.gather(*(sync_perks(shop.merchant.id, Issuers(issuer), at(1)) for _ in range(2)))
    assert sum(r.issued for r in reports) == 2 and len(issuer.requests) == 2
    perks = await Perk.filter(profile_id=profile)
    assert len(perks) == 2 and {p.store_id for p in perks} == {shop.store.id, shop.other.id}


async def test_a_guest_account_gets_no_code_and_a_merged_members_codes_move_to_the_survivor(shop):
    await shop.program(Rules(tiers=LADDER, tier_grace_days=0))
    cust, first = await shop.customer(email="first@example.org")
    await process_orders([await shop.order(cust, [("a", 600)], when=at(0))], now=at(0))
    other_cust, second = await shop.customer(shop.other, email="second@example.org")
    await process_orders([await shop.order(other_cust, [("a", 600)], when=at(0), store=shop.other)], now=at(0))
    account = Customer.filter(store_id=shop.other.id, platform_id=other_cust)
    await account.update(is_guest=True)
    issuer = RecordingIssuer()
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    assert report.issued == 1 and [s for s, _ in issuer.requests] == [shop.store.id]
    await account.update(is_guest=False)
    assert (await sync_perks(shop.merchant.id, Issuers(issuer), at(1))).issued == 1
    assert set(await perks_of([second])) == {second}

    await merge_members(first, second, now=at(2))
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(2))
    # the absorbed member's code is deleted, the survivor gets one bound to the same account
    assert (report.issued, report.revoked) == (1, 1)
    held = await perks_of([first, second])
    assert {p.store_id for p in held[first]} == {shop.store.id, shop.other.id} and second not in held
    [(store_id, request)] = [v for v in issuer.live.values() if v[0] == shop.other.id]
    assert request.customer_platform_id == other_cust


async def test_a_sync_for_some_members_leaves_the_others_alone(shop):
    profile, _, _ = await gold_on_both_stores(shop)
    cust, other = await shop.customer(email="else@example.org")
    await process_orders([await shop.order(cust, [("a", 900)], when=at(0))], now=at(0))
    issuer = RecordingIssuer()
    assert await out_of_step(shop.merchant.id, [profile, other], at(1)) == sorted([profile, other])
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(1), profile_ids=[other])
    assert report.issued == 1 and await Perk.filter(profile_id=profile).count() == 0


async def test_an_erased_persons_codes_are_withdrawn_at_once_and_deleted_by_the_next_sync(shop):
    from app.privacy import erase_person

    profile, _, _ = await gold_on_both_stores(shop)
    issuer = RecordingIssuer()
    await sync_perks(shop.merchant.id, Issuers(issuer), at(1))
    await erase_person(profile, actor="staff:test")
    assert {p.status for p in await Perk.filter(profile_id=profile)} == {PerkStatus.REVOKING}
    assert await perks_of([profile]) and not [p for p in (await perks_of([profile]))[profile] if p.status in HELD]
    report = await sync_perks(shop.merchant.id, Issuers(issuer), at(2))
    # both codes leave the platforms; the WooCommerce account, another person for insights and not
    # erased, is still the Gold member's and gets a new code of its own
    assert (report.revoked, report.issued) == (2, 1)
    assert [store_id for store_id, _ in issuer.live.values()] == [shop.other.id]
    revoked = await Perk.filter(profile_id=profile, status=PerkStatus.REVOKED)
    assert {p.store_id for p in revoked} == {shop.store.id, shop.other.id}
