"""Members across identity changes and programs: merges and splits move balances by transfer
entries, erasure keeps the sums."""

from __future__ import annotations

import pytest

from loyalty.actions import adjust, record_action
from loyalty.errors import UnknownAction
from loyalty.events import register_endpoint
from loyalty.merge import merge_members, split_members
from loyalty.models import (
    Entry,
    EntryKind,
    Event,
    Member,
    OrderAccount,
)
from loyalty.ownership import OwnershipReason, link_accounts
from loyalty.privacy import ERASED, erase_profile
from loyalty.processing import process_orders
from loyalty.release import release_due
from loyalty.replay import rebuild_balances
from loyalty.rules import ActionRule, Rules
from store.models import Customer, Profile
from tests.loyalty.helpers import at

pytestmark = pytest.mark.db


async def test_a_merge_moves_balances_and_orders_to_the_survivor_and_a_split_moves_them_back(shop):
    await shop.program(Rules())
    a_cust, a = await shop.customer()
    b_cust, b = await shop.customer(store=shop.other)
    await process_orders(
        [
            await shop.order(a_cust, [("x", 40)], when=at(0)),
            await shop.order(b_cust, [("x", 25)], when=at(0), store=shop.other),
        ],
        now=at(0),
    )
    await adjust(b, 10, reason="goodwill", actor="owner", now=at(1))
    await Profile.filter(id=b).update(merged_into_id=a)
    transfer = await merge_members(a, b, now=at(2))
    assert await merge_members(a, b, now=at(3)) == transfer
    survivor, absorbed = await Member.get(profile_id=a), await Member.get(profile_id=b)
    assert (survivor.available, survivor.pending) == (10, 65)
    assert (absorbed.available, absorbed.pending, absorbed.lifetime) == (0, 0, 0)
    assert await OrderAccount.filter(profile_id=a).count() == 2
    await release_due(at(40))
    assert (await Member.get(profile_id=a)).available == 75
    await split_members(transfer.id, now=at(41))
    await split_members(transfer.id, now=at(42))
    survivor, absorbed = await Member.get(profile_id=a), await Member.get(profile_id=b)
    assert (survivor.available, absorbed.available) == (40, 35)
    assert await Entry.filter(kind__in=[EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT]).count() == 4
    assert await rebuild_balances(shop.merchant.id) == []


async def test_new_orders_of_a_merged_profile_earn_apart_until_ownership_joins_the_accounts(shop):
    await shop.program(Rules())
    a_cust, a = await shop.customer()
    b_cust, b = await shop.customer()
    await Profile.filter(id=b).update(merged_into_id=a)  # insights: probably one person
    await process_orders([await shop.order(b_cust, [("x", 12)], when=at(0))], now=at(0))
    assert (await Member.get(profile_id=b)).pending == 12
    assert not await Member.filter(profile_id=a).exists()
    accounts = await Customer.filter(platform_id__in=[a_cust, b_cust]).values_list("id", flat=True)
    await link_accounts(accounts, OwnershipReason.MERCHANT_CONFIRMED, now=at(1))
    await process_orders([await shop.order(b_cust, [("x", 5)], when=at(2))], now=at(2))
    assert (await Member.get(profile_id=a)).pending == 17
    assert (await Member.get(profile_id=b)).pending == 0


async def test_action_rewards_are_paid_once_per_key_and_within_their_limit(shop):
    await shop.program(
        Rules(
            actions={
                "signup": ActionRule(50),
                "birthday": ActionRule(100),
                "review": ActionRule(20, limit=2, period_days=30),
            }
        )
    )
    _, profile = await shop.customer()
    assert (await record_action(profile, "signup", "signup", now=at(0))).status == "awarded"
    assert (await record_action(profile, "signup", "signup", now=at(1))).status == "duplicate"
    assert (await record_action(profile, "birthday", "2025", now=at(100))).points == 100
    reviews = [(await record_action(profile, "review", f"r{i}", now=at(i))).status for i in range(3)]
    assert reviews == ["awarded", "awarded", "capped"]
    assert (await record_action(profile, "review", "r9", now=at(40))).status == "awarded"
    with pytest.raises(UnknownAction):
        await record_action(profile, "tweet", "t1", now=at(0))
    assert (await Member.get(profile_id=profile)).available == 50 + 100 + 60


async def test_erasing_a_profile_scrubs_free_text_and_event_bodies_but_keeps_the_sums(shop):
    await shop.program(Rules(actions={"quiz": ActionRule(5)}))
    await register_endpoint(shop.merchant.id, "http://127.0.0.1:9/hook", "s")
    _, profile = await shop.customer()
    await adjust(profile, 30, reason="phoned in from 555-0100 about order", actor="owner", now=at(0))
    await record_action(profile, "quiz", "q1", now=at(0), data={"answer": "my dog is Rex"})
    before = await Member.get(profile_id=profile)
    await erase_profile(profile)
    assert {e.reason for e in await Entry.filter(profile_id=profile, kind=EntryKind.ADJUST)} == {ERASED}
    assert all(e.data == {"erased": True} for e in await Entry.filter(profile_id=profile).exclude(data=None))
    assert all(e.data == {"erased": True} for e in await Event.filter(profile_id=profile))
    after = await Member.get(profile_id=profile)
    assert (after.available, after.lifetime) == (before.available, before.lifetime) == (35, 35)
    assert await rebuild_balances(shop.merchant.id) == []
