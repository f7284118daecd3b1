"""A Gold member's free shipping, end to end over HTTP on both simulators and through the jobs.

A member with an account on the Shopify store and one on the WooCommerce site reaches Gold by
orders: the ``orders_changed`` job earns the points and queues ``loyalty_perks_sync``, which
makes a free-shipping code on each platform bound to that account (Shopify: the customer in the
discount's context; WooCommerce: the account's e-mail), with no usage limit. The member's orders
use it on both simulators (twice), another shopper's cannot. After a downgrade, the next sync
deletes both codes from the platforms and checkout refuses them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from app.jobs.local_queue import LocalQueue
from app.jobs.loyalty import loyalty_perks_sync
from app.jobs.reactions import orders_changed
from app.jobs.registry import load
from app.settings import Settings
from loyalty.models import Member, Perk, PerkStatus
from loyalty.ownership import OwnershipReason, link_accounts
from loyalty.program import publish
from loyalty.rules import Rules, Tier
from loyalty.tiers import reevaluate_tiers
from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app
from sandbox.woocommerce import WooState, serve_simulator
from store.ingest import upsert_customers, upsert_orders
from store.models import Customer, InstallState, Merchant, Platform, Store
from store.people import ensure_profiles
from store.records import CustomerRecord, LineRecord, OrderRecord
from tests.connectors.shopify.support import API_KEY, API_SECRET
from tests.support.servers import SECRET, run_cli

pytestmark = pytest.mark.db
load()

LADDER = (Tier("Silver", Decimal(100)), Tier("Gold", Decimal(300), free_shipping=True))


@pytest.fixture(scope="module")
def simulators() -> Iterator[tuple[ShopState, str, WooState, str]]:
    shop = ShopState.from_dataset("sample", 7, api_key=API_KEY, api_secret=API_SECRET, restore_rate=1000.0)
    woo = WooState.from_dataset("sample", 7)
    with serve(create_app(shop)) as shop_url, serve_simulator(woo, tls=True) as site_url:
        yield shop, shop_url, woo, site_url


async def account(store: Store, platform_id: str, email: str) -> Customer:
    when = datetime.now(UTC)  # newer than what the planted orders say of the customer
    record = CustomerRecord(platform_id=platform_id, updated_at=when, email=email, first_name="Gwen", last_name="Gold")
    await upsert_customers(store, [record])
    customer = await Customer.get(store_id=store.id, platform_id=platform_id)
    await ensure_profiles([customer.id])
    return customer


async def planted_order(store: Store, customer: Customer, total: str, when: datetime) -> int:
    """An order as the connector would write it (small planted data, not a sync)."""
    pid = f"po-{secrets.token_hex(4)}"
    line = LineRecord(
        platform_id=f"{pid}-1", quantity=1, unit_price=Decimal(total), total=Decimal(total), product_platform_id="p1"
    )
    record = OrderRecord(
        platform_id=pid,
        currency=store.currency,
        created_at=when,
        updated_at=when,
        customer=CustomerRecord(platform_id=customer.platform_id, updated_at=when - timedelta(days=1)),
        subtotal=Decimal(total),
        total=Decimal(total),
        lines=(line,),
    )
    return (await upsert_orders(store, [record]))[0]


def shopify_order(shop_url: str, customer_id: str, code: str) -> httpx.Response:
    return httpx.post(
        f"{shop_url}/_sim/changes",
        json={"kind": "add_orders", "n": 1, "customer_id": int(customer_id), "discount_code": code},
    )


def woo_order(site_url: str, customer_id: str, code: str) -> httpx.Response:
    return httpx.post(
        f"{site_url}/_sim/changes",
        json={"op": "add_orders", "n": 1, "customer_id": int(customer_id), "coupon": code},
        verify=False,
    )


async def test_a_gold_members_free_shipping_exists_on_both_platforms_and_goes_on_downgrade(
    db, database_url, simulators
):
    shop, shop_url, woo, site_url = simulators
    merchant = await Merchant.create(name="Perks")
    shopify = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=shop.settings.shop_domain,
        name="Northwind Shopify",
        currency="USD",
        public_key=f"pk_{secrets.token_hex(4)}",
        access_token=shop.issue_token(),
        install_state=InstallState.INSTALLED,
    )
    key = woo.create_api_key("read_write")
    site = await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain=site_url,
        name="Northwind Woo",
        currency="USD",
        public_key=f"pk_{secrets.token_hex(4)}",
        consumer_key=key.consumer_key,
        consumer_secret=key.consumer_secret,
        install_state=InstallState.INSTALLED,
    )
    settings = Settings(
        secret_key=SECRET,
        database_url="sqlite://:memory:",
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        shopify_base_url=shop_url,
        woocommerce_verify_tls=False,
        allow_site_networks=["127.0.0.0/8"],
    )
    queue = LocalQueue(settings, poll=0.01)

    [shopify_id, stranger_id] = [str(c) for c in sorted(shop.customers)[:2]]
    member_on_woo, stranger_on_woo = woo.customers()[:2]
    here = await account(shopify, shopify_id, shop.customers[int(shopify_id)].email or "gwen@example.org")
    there = await account(site, str(member_on_woo.id), member_on_woo.email)
    await link_accounts([here.id, there.id], OwnershipReason.MERCHANT_CONFIRMED)
    now = datetime.now(UTC)
    await publish(
        merchant.id, Rules(tiers=LADDER, tier_window="rolling_12m", tier_grace_days=0), now - timedelta(days=400)
    )

    # two orders, one on each store, take the member to Gold; the order job queues the perk sync
    first = await planted_order(shopify, here, "180.00", now - timedelta(days=300))
    await orders_changed.enqueue(queue, shopify.id, [first])
    second = await planted_order(site, there, "150.00", now - timedelta(days=290))
    await orders_changed.enqueue(queue, site.id, [second])
    await queue.work(burst=True)
    member = await Member.get(profile_id=(await Customer.get(id=here.id)).owner_id)
    assert member.tier == "Gold"

    perks = {p.store_id: p for p in await Perk.filter(profile_id=member.profile_id)}
    assert set(perks) == {shopify.id, site.id}
    assert {p.status for p in perks.values()} == {PerkStatus.ACTIVE}, [p.error for p in perks.values()]
    discount = shop.discount_by_code(perks[shopify.id].code)
    assert discount is not None and discount.free_shipping
    assert discount.customer_ids == frozenset({int(shopify_id)})
    assert discount.usage_limit is None and not discount.once_per_customer
    assert perks[shopify.id].platform_discount_id == f"gid://shopify/DiscountCodeNode/{discount.id}"
    coupon = woo.coupons[int(perks[site.id].platform_discount_id)]
    assert coupon.code == perks[site.id].code.lower() and coupon.free_shipping
    assert coupon.email_restrictions == [member_on_woo.email.strip().lower()] and coupon.usage_limit is None

    # the member's orders use it, twice on each platform; another shopper's cannot
    for _ in range(2):
        assert shopify_order(shop_url, shopify_id, perks[shopify.id].code).status_code == 200
        assert woo_order(site_url, str(member_on_woo.id), perks[site.id].code).status_code == 200
    assert shopify_order(shop_url, stranger_id, perks[shopify.id].code).status_code == 400
    assert woo_order(site_url, str(stranger_on_woo.id), perks[site.id].code).status_code == 400
    assert discount.usage_count == 2 and coupon.usage_count == 2

    # the operator's command finds nothing to do while the member stays Gold
    kept = run_cli("app.cli_loyalty:loyalty_cli", database_url, "perks-sync", "--merchant", str(merchant.id))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == f"merchant {merchant.id}: 0 perk codes created, 0 deleted, 2 kept, 0 failed"

    # a year on, the orders left the window: the downgrade's sync deletes both codes
    later = now + timedelta(days=120)
    assert (await reevaluate_tiers(merchant.id, later))["downgraded"] == 1
    await loyalty_perks_sync.enqueue(queue, merchant.id, [member.profile_id])
    await queue.work(burst=True)
    assert {p.status for p in await Perk.filter(profile_id=member.profile_id)} == {PerkStatus.REVOKED}
    assert shop.discount_by_code(perks[shopify.id].code) is None
    assert int(perks[site.id].platform_discount_id) not in woo.coupons
    assert shopify_order(shop_url, shopify_id, perks[shopify.id].code).status_code == 400
    assert woo_order(site_url, str(member_on_woo.id), perks[site.id].code).status_code == 400
