"""A write PostgreSQL picks as a deadlock's victim runs again and lands; other errors do not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from store.deadlocks import is_retryable, retrying
from store.ingest import upsert_customers
from store.models import Customer, Merchant, Platform, Store
from store.records import CustomerRecord
from tests.support.servers import BACKEND

pytestmark = pytest.mark.db


@pytest.fixture
async def two_accounts(db) -> tuple[int, int]:
    merchant = await Merchant.create(name="Deadlocks")
    store = await Store.create(
        merchant=merchant, platform=Platform.SHOPIFY, domain="dl.myshopify.com", public_key="pk_dl"
    )
    now = datetime.now(UTC)
    await upsert_customers(
        store, [CustomerRecord(platform_id=p, updated_at=now, email=f"{p}@example.org") for p in "ab"]
    )
    ids = dict(await Customer.filter(store_id=store.id).values_list("platform_id", "id"))
    return ids["a"], ids["b"]


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite serializes writers: only PostgreSQL deadlocks")
async def test_two_writers_locking_rows_in_opposite_orders_both_land(two_accounts):
    first, second = two_accounts
    both_hold_one = asyncio.Barrier(2)
    attempts = {"forward": 0, "backward": 0}

    def writer(name: str, order: tuple[int, int]):
        @retrying
        async def write() -> None:
            attempts[name] += 1
            async with in_transaction() as conn:
                await Customer.filter(id=order[0]).using_db(conn).update(first_name=name)
                if attempts[name] == 1:  # the first try of each meets the other mid-way
                    await both_hold_one.wait()
                await Customer.filter(id=order[1]).using_db(conn).update(last_name=name)

        return write

    await asyncio.wait_for(
        asyncio.gather(writer("forward", (first, second))(), writer("backward", (second, first))()), timeout=30
    )
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL rolled one back; it ran again
    names = await Customer.filter(id__in=[first, second]).values_list("first_name", "last_name")
    assert len(names) == 2 and all(row[0] and row[1] for row in names)


async def test_an_error_that_is_not_a_deadlock_is_raised_at_once(two_accounts):
    tries = 0

    @retrying
    async def write() -> None:
        nonlocal tries
        tries += 1
        await Customer.create(merchant_id=0, store_id=0, platform_id="x")  # no such merchant

    with pytest.raises(Exception) as raised:
        await write()
    assert tries == 1 and not is_retryable(raised.value)
