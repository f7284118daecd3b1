"""One person, two stores, one program: the sandbox merchant's Shopify and WooCommerce orders
of a person (accounts linked explicitly, as the shopper's link code or the merchant's
confirmation does) earn into one balance and climb one tier ladder."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.demo.seed import seed
from loyalty.models import Member, OrderAccount
from loyalty.ownership import OwnershipReason, link_accounts, owners_of_customers
from loyalty.processing import process_orders
from loyalty.program import publish
from loyalty.replay import rebuild_balances
from loyalty.rules import Rules, Tier
from sandbox.dataset import build
from store.models import Customer, Merchant, Order, Store
from store.records import guest_platform_id

pytestmark = pytest.mark.db

LADDER = (Tier("Silver", Decimal(100)), Tier("Gold", Decimal(300)))


async def test_orders_on_both_sandbox_stores_earn_into_one_balance_and_one_tier(db):
    data = build("sample", 7)
    await seed(data)
    merchant = await Merchant.get(name=data.merchant_name)
    stores = {s.platform.value: s.id for s in await Store.filter(merchant=merchant)}
    await publish(merchant.id, Rules(release="immediate", tiers=LADDER), datetime(1996, 1, 1, tzinfo=UTC))

    customer_ids = {
        (c["store_id"], c["platform_id"]): c["id"] for c in await Customer.all().values("id", "store_id", "platform_id")
    }
    orders_of = defaultdict(list)
    for o in data.orders:
        if o.person_id in data.both_store_person_ids:
            orders_of[o.person_id].append(o)
    for _person, orders in orders_of.items():
        keys = {
            (stores[o.store], str(o.customer_platform_id) if o.customer_platform_id else guest_platform_id(o.email))
            for o in orders
        }
        await link_accounts([customer_ids[k] for k in keys], OwnershipReason.MERCHANT_CONFIRMED)

    now = datetime(1998, 7, 1, tzinfo=UTC)
    await process_orders(await Order.filter(merchant=merchant).values_list("id", flat=True), now=now)

    combined_only = 0
    for _person, orders in orders_of.items():
        owners = await owners_of_customers(
            customer_ids[
                (stores[o.store], str(o.customer_platform_id) if o.customer_platform_id else guest_platform_id(o.email))
            ]
            for o in orders
        )
        assert len(set(owners.values())) == 1
        (profile,) = set(owners.values())
        member = await Member.get(profile_id=profile)
        assert {a.store_id for a in await OrderAccount.filter(profile_id=profile)} == set(stores.values())
        assert member.available == sum(math.floor(o.total) for o in orders)
        spend = {p: sum((o.total for o in orders if o.store == p), Decimal(0)) for p in stores}
        expected = next((t.name for t in reversed(LADDER) if sum(spend.values()) >= t.threshold), None)
        assert member.tier == expected
        single_best = next((t.name for t in reversed(LADDER) if max(spend.values()) >= t.threshold), None)
        combined_only += single_best != expected
    assert len(orders_of) == 471 and combined_only > 50
    assert await rebuild_balances(merchant.id) == []
