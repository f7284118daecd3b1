"""Verified engagement actions from Shopify: the live customers/create webhook pays ``signup`` once,
the account's marketing consent pays ``newsletter`` once; updates and backfills pay no sign-up."""

from __future__ import annotations

import itertools
import json
from copy import deepcopy
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from app.sample_program import EFFECTIVE_FROM, sample_rules
from loyalty.models import Entry, EntryKind
from loyalty.program import publish
from sandbox.shopify import ShopState
from sandbox.shopify.records import Customer as SimCustomer
from sandbox.shopify.webhooks import webhook_hmac
from store.models import Customer, Store
from tests.connectors.shopify.support import API_SECRET, installed_store, new_shop

pytestmark = pytest.mark.db

_deliveries = itertools.count(1)


@pytest.fixture(scope="module")
def full() -> ShopState:
    return new_shop()


@pytest.fixture
def shop(full: ShopState) -> ShopState:
    """The sandbox shop cut to a dozen customers, their orders and products, so a backfill takes a moment."""
    customers = [deepcopy(c) for c in list(full.customers.values())[:12]]
    kept = {c.id for c in customers}
    orders = [deepcopy(o) for o in full.orders.values() if o.customer_id in kept]
    bought = {line.product_id for o in orders for line in o.lines}
    return ShopState(
        customers=customers,
        products=[deepcopy(p) for p in full.products.values() if p.id in bought],
        orders=orders,
        settings=full.settings,
        currency=full.currency,
        seed=7,
    )


async def with_program(store: Store) -> None:
    """The sample program (signup 100, newsletter 50, once each), in effect since before any order."""
    await publish(store.merchant_id, sample_rules(), EFFECTIVE_FROM)


async def deliver(rapport, shop: ShopState, topic: str, customer: SimCustomer, delivery: str | None = None) -> None:
    body = json.dumps(shop.webhooks.rest.customer(customer)).encode()
    headers = {
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, API_SECRET),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": delivery or f"d-{next(_deliveries)}",
        "X-Shopify-Shop-Domain": shop.settings.shop_domain,
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{rapport.url}/webhooks/shopify", content=body, headers=headers)
    assert answer.status_code == 200
    await rapport.run_jobs()


async def paid(action: str, platform_id: int | None = None) -> list[int]:
    """Points of each ``action`` entry, for one account's member or for everyone."""
    entries = Entry.filter(kind=EntryKind.ACTION, cause=action)
    if platform_id is not None:
        account = await Customer.get(platform_id=str(platform_id))
        entries = entries.filter(profile_id=account.owner_id)
    return list(await entries.order_by("id").values_list("available", flat=True))


async def test_the_created_webhook_pays_signup_once_and_an_update_or_a_redelivery_does_not(shop, rapport):
    store = await installed_store(shop)
    await with_program(store)
    [new_id] = shop.changes.add_customers(1)
    customer = replace(shop.customers[new_id], accepts_marketing=False)
    await deliver(rapport, shop, "customers/create", customer, delivery="created-1")
    assert await paid("signup", new_id) == [100] and await paid("newsletter") == []
    await deliver(rapport, shop, "customers/create", customer, delivery="created-1")  # the same delivery again
    await deliver(rapport, shop, "customers/create", customer)  # Shopify sent it twice under two ids
    renamed = replace(customer, last_name="Renamed", updated_at=customer.updated_at + timedelta(minutes=1))
    await deliver(rapport, shop, "customers/update", renamed)
    assert await paid("signup", new_id) == [100]
    old = next(c for c in shop.customers.values() if c.id != new_id)
    await deliver(rapport, shop, "customers/update", replace(old, updated_at=old.updated_at + timedelta(days=1)))
    assert await paid("signup") == [100]  # an update of an account is no sign-up


async def test_consent_pays_newsletter_once_refusal_nothing_and_toggling_never_twice(shop, rapport):
    store = await installed_store(shop)
    await with_program(store)
    [new_id] = shop.changes.add_customers(1)
    base = shop.customers[new_id]
    step = itertools.count(1)

    def at(consent: bool) -> SimCustomer:
        return replace(base, accepts_marketing=consent, updated_at=base.updated_at + timedelta(minutes=next(step)))

    await deliver(rapport, shop, "customers/create", at(False))
    await deliver(rapport, shop, "customers/update", at(False))
    assert await paid("newsletter") == []
    await deliver(rapport, shop, "customers/update", at(True))
    assert await paid("newsletter", new_id) == [50]
    await deliver(rapport, shop, "customers/update", at(False))  # withdrawn: the points stay
    await deliver(rapport, shop, "customers/update", at(True))
    assert await paid("newsletter", new_id) == [50]
    entry = await Entry.get(kind=EntryKind.ACTION, cause="newsletter")
    account = await Customer.get(platform_id=str(new_id))
    assert entry.data == {"customer_id": account.id, "store_id": store.id}


async def test_a_backfill_pays_newsletter_for_consent_and_no_signup_and_a_second_pass_pays_nothing(shop, rapport):
    store = await installed_store(shop)
    await with_program(store)
    await rapport.queue.enqueue("backfill_store", store.id)
    await rapport.run_jobs()
    consenting = await Customer.filter(store_id=store.id, accepts_marketing=True, is_guest=False).count()
    assert consenting == sum(1 for c in shop.customers.values() if c.accepts_marketing and c.email) > 0
    assert await paid("signup") == []
    assert await paid("newsletter") == [50] * consenting
    await rapport.queue.enqueue("sync_store", store.id)
    await rapport.queue.enqueue("backfill_store", store.id)
    await rapport.run_jobs()
    assert await paid("newsletter") == [50] * consenting and await paid("signup") == []
