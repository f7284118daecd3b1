"""Releasing pending points: what a release writes back to the order's account, which merchant's
orders a scoped run touches, and the statistics a bulk install leaves for its own lookups."""

from __future__ import annotations

import pytest
from tortoise import connections

from app.sample_program import install_sample_program
from loyalty.models import Entry, EntryKind, Member, OrderAccount
from loyalty.processing import process_orders
from loyalty.release import release_due
from loyalty.rules import Rules
from store.sql import dialect_of
from tests.loyalty.helpers import at, make_shop

pytestmark = pytest.mark.db


async def test_a_release_moves_the_order_to_the_member_now_holding_the_balance(shop):
    await shop.program(Rules())
    _, survivor = await shop.customer()
    cust, absorbed = await shop.customer()
    order = await shop.order(cust, [("a", 30)], when=at(0))
    await process_orders([order], now=at(0))
    await Member.create(merchant_id=shop.merchant.id, profile_id=survivor, referral_code="SURVIVOR01")
    await Member.filter(profile_id=absorbed).update(merged_into_id=survivor, pending=0)
    await Member.filter(profile_id=survivor).update(pending=30)  # as a merge between the two runs leaves it

    assert await release_due(at(31)) == 1

    account = await OrderAccount.get(order_id=order)
    assert (account.profile_id, account.pending, account.released_at, account.seq) == (survivor, 0, at(30), 2)
    release = await Entry.get(kind=EntryKind.RELEASE)
    assert (release.profile_id, release.available, release.order_seq) == (survivor, 30, 2)
    assert (await Member.get(profile_id=survivor)).available == 30


async def test_a_release_scoped_to_one_merchant_leaves_the_others_due_orders_alone(shop):
    other = await make_shop("Other shop")
    for s in (shop, other):
        await s.program(Rules())
        cust, _ = await s.customer()
        await process_orders([await s.order(cust, [("a", 10)], when=at(0))], now=at(0))

    assert await release_due(at(31), merchant_id=shop.merchant.id) == 1
    assert await OrderAccount.filter(merchant_id=other.merchant.id, released_at=None).count() == 1
    assert await release_due(at(31)) == 1
    assert not await OrderAccount.filter(released_at=None).exists()


async def test_installing_the_sample_program_leaves_statistics_for_its_lookups(shop):
    conn = connections.get("default")
    if not dialect_of(conn).postgres:
        pytest.skip("SQLite plans without statistics unless asked")
    cust, _ = await shop.customer()
    await shop.order(cust, [("a", 10)], when=at(0))

    assert await install_sample_program(shop.merchant.id, now=at(40)) == 1

    _, rows = await conn.execute_query(
        "SELECT tablename FROM pg_stats WHERE attname = 'profile_id' AND tablename IN ('loyalty_orders', 'loyalty_entries')"
    )
    assert sorted(r[0] for r in rows) == ["loyalty_entries", "loyalty_orders"]
