"""The loyalty takeover through identity merging, end to end: a new account orders with a victim's
email through a signed webhook, insights take them for one person (analytics), and yet the
attacker, signed in, sees and can spend only their own points."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from app.auth.api_keys import issue
from app.jobs.local_queue import LocalQueue
from app.settings import Settings
from connectors.woocommerce.webhooks import sign as woo_sign
from loyalty.actions import adjust
from loyalty.models import Reward, RewardKind
from sandbox.shopify.webhooks import webhook_hmac
from schema.core.ids import to_gid
from store.models import Customer, Order, Store
from store.people import resolve_profile
from tests.schema.conftest import APP_SECRET, SHOP, admin, data, storefront

pytestmark = pytest.mark.db

BALANCE = "{ me { loyalty { balance { available pending lifetime } } } }"
REDEEM = """mutation($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { code } balance { available } userErrors { field message code } } }"""
VICTIM_POINTS = 5000
NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def signed_in(client: httpx.AsyncClient, customer_id: int) -> dict[str, str]:
    """A shopper token for the account, minted as the store's backend mints it."""
    made = data(
        await admin(
            client,
            "mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }",
            {"id": to_gid("Customer", customer_id)},
        )
    )
    return {"X-Rapport-Shopper-Token": made["shopperTokenCreate"]["token"]}


async def available(client: httpx.AsyncClient, store: Store, customer_id: int) -> int:
    answer = data(await storefront(client, store, BALANCE, headers=await signed_in(client, customer_id)))
    return answer["me"]["loyalty"]["balance"]["available"]


async def run_jobs(settings: Settings) -> None:
    await LocalQueue(settings, poll=0.02).work(burst=True)


async def rich_victim(client: httpx.AsyncClient, store: Store) -> Customer:
    """An account of ``store`` with an order and a balance worth stealing."""
    victim = (
        await Customer.filter(store_id=store.id, is_guest=False, orders__id__not_isnull=True)
        .exclude(email=None)
        .order_by("id")
        .first()
    )
    await available(client, store, victim.id)  # signed in once: a member, keyed on its own profile
    await adjust(victim.profile_id, VICTIM_POINTS, reason="goodwill", actor="test")
    return victim


async def reward_only_the_victim_affords(attacker_points: int) -> Reward:
    rewards = [r for r in await Reward.filter(active=True) if r.kind != RewardKind.POINTS_TO_CASH]
    return next(
        r for r in sorted(rewards, key=lambda r: r.points_cost) if attacker_points < r.points_cost <= VICTIM_POINTS
    )


async def assert_attacker_holds_only_their_own(
    client: httpx.AsyncClient, store: Store, victim: Customer, attacker: Customer, before: int
) -> None:
    # insights take them for one person (analytics keep merging on unverified keys) ...
    assert await resolve_profile(attacker.profile_id) == await resolve_profile(victim.profile_id)
    # ... but the attacker's account holds its own balance, and spends nothing of the victim's
    mine = await available(client, store, attacker.id)
    assert mine < VICTIM_POINTS
    reward = await reward_only_the_victim_affords(mine)
    tried = data(
        await storefront(
            client,
            store,
            REDEEM,
            {"input": {"rewardId": to_gid("Reward", reward.id)}},
            headers=await signed_in(client, attacker.id),
        )
    )["rewardRedeem"]
    assert tried["code"] is None and tried["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert await available(client, store, victim.id) == before


async def shopify_attack(client: httpx.AsyncClient, world) -> tuple[Customer, int]:
    """The victim and their balance, then the attacker's signed deliveries (jobs not run yet)."""
    victim = await rich_victim(client, world.shopify)
    before = await available(client, world.shopify, victim.id)
    assert before >= VICTIM_POINTS
    mallory = {
        "id": 990001,
        "email": "mallory@attacker.test",
        "verified_email": False,
        "first_name": "Mallory",
        "last_name": "M",
        "state": "enabled",
        "created_at": NOW,
        "updated_at": NOW,
        "tags": "",
    }
    order = {
        "id": 990002,
        "name": "#99002",
        "email": victim.email,
        "customer": mallory,
        "created_at": NOW,
        "updated_at": NOW,
        "currency": "USD",
        "total_price": "12.00",
        "subtotal_price": "12.00",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "financial_status": "paid",
        "line_items": [{"id": 990003, "quantity": 1, "price": "12.00", "title": "Record", "total_discount": "0.00"}],
    }
    for topic, body, delivery in (("customers/create", mallory, "atk-1"), ("orders/create", order, "atk-2")):
        raw = json.dumps(body).encode()
        answer = await client.post(
            "/webhooks/shopify",
            content=raw,
            headers={
                "X-Shopify-Hmac-Sha256": webhook_hmac(raw, APP_SECRET),
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": delivery,
                "X-Shopify-Shop-Domain": SHOP,
                "Content-Type": "application/json",
            },
        )
        assert answer.status_code == 200
    return victim, before


async def test_a_shopify_order_carrying_a_victims_email_gives_the_attacker_none_of_the_victims_points(
    client, world, settings
):
    victim, before = await shopify_attack(client, world)
    await run_jobs(settings)
    assert await Order.filter(store_id=world.shopify.id, platform_id="990002").exists()
    attacker = await Customer.get(store_id=world.shopify.id, platform_id="990001")
    await assert_attacker_holds_only_their_own(client, world.shopify, victim, attacker, before)


async def test_a_woocommerce_order_with_a_victims_billing_email_gives_the_attacker_none_of_the_victims_points(
    client, world, settings
):
    store = await Store.get(id=world.woo.id)
    store.webhook_secret = "wc-test-webhook-secret"
    store.consumer_key, store.consumer_secret = "ck_test", "cs_test"  # connected; deliveries need no call back
    await store.save()
    victim = await rich_victim(client, store)
    before = await available(client, store, victim.id)
    mallory = {
        "id": 880001,
        "email": "mallory@attacker.test",
        "first_name": "Mallory",
        "last_name": "M",
        "role": "customer",
        "date_created_gmt": NOW[:-1],
        "date_modified_gmt": NOW[:-1],
        "billing": {"email": "mallory@attacker.test"},
    }
    order = {
        "id": 880002,
        "number": "880002",
        "customer_id": 880001,
        "status": "processing",
        "currency": "USD",
        "total": "12.00",
        "total_tax": "0.00",
        "shipping_total": "0.00",
        "discount_total": "0.00",
        "date_created_gmt": NOW[:-1],
        "date_modified_gmt": NOW[:-1],
        "billing": {"first_name": "Mallory", "email": victim.email},
        "line_items": [{"id": 880003, "name": "Record", "quantity": 1, "subtotal": "12.00", "total": "12.00"}],
    }
    for topic, body, delivery in (("customer.created", mallory, "atk-1"), ("order.created", order, "atk-2")):
        raw = json.dumps(body).encode()
        resource, _, event = topic.partition(".")
        answer = await client.post(
            f"/webhooks/woocommerce/{store.id}",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": resource,
                "X-WC-Webhook-Event": event,
                "X-WC-Webhook-ID": "3",
                "X-WC-Webhook-Delivery-ID": delivery,
                "X-WC-Webhook-Source": store.domain,
                "X-WC-Webhook-Signature": woo_sign(store.webhook_secret, raw),
            },
        )
        assert answer.status_code == 200, answer.text
    await run_jobs(settings)
    assert await Order.filter(store_id=store.id, platform_id="880002").exists()
    attacker = await Customer.get(store_id=store.id, platform_id="880001")
    await assert_attacker_holds_only_their_own(client, store, victim, attacker, before)


PROFILE = """query($id: ID!) { profile(id: $id) { loyalty { id balance { available } }
  probablySamePerson { id verifiedEmail loyalty { balance { available } } } } }"""
CONFIRM = """mutation($ids: [ID!]!) { ownershipConfirm(input: {customerIds: $ids}) {
  profile { loyalty { balance { available } } probablySamePerson { id } } userErrors { field message code } } }"""


async def test_the_admin_sees_the_attacker_as_probably_the_same_person_and_only_a_confirmation_joins_them(
    client, world, settings
):
    victim, before = await shopify_attack(client, world)
    await run_jobs(settings)
    attacker = await Customer.get(store_id=world.shopify.id, platform_id="990001")
    person = to_gid("Profile", await resolve_profile(victim.profile_id))
    profile = data(await admin(client, PROFILE, {"id": person}))["profile"]
    assert profile["loyalty"]["balance"]["available"] == before
    assert [c["id"] for c in profile["probablySamePerson"]] == [to_gid("Customer", attacker.id)]
    assert profile["probablySamePerson"][0]["verifiedEmail"] is False

    def errors(answer: httpx.Response) -> list[str]:
        return [e["code"] for e in data(answer)["ownershipConfirm"]["userErrors"]]

    stranger = (
        await Customer.filter(store_id=world.shopify.id, is_guest=False)
        .exclude(profile_id=victim.profile_id)
        .exclude(id=attacker.id)
        .order_by("id")
        .first()
    )
    assert errors(await admin(client, CONFIRM, {"ids": [to_gid("Customer", victim.id)]})) == ["INVALID"]
    assert errors(
        await admin(client, CONFIRM, {"ids": [to_gid("Customer", victim.id), "gid://rapport/Customer/0"]})
    ) == ["NOT_FOUND"]
    assert errors(
        await admin(client, CONFIRM, {"ids": [to_gid("Customer", victim.id), to_gid("Customer", stranger.id)]})
    ) == ["NOT_ONE_PROFILE"]
    assert await available(client, world.shopify, attacker.id) < VICTIM_POINTS  # nothing joined by a refusal
    done = data(await admin(client, CONFIRM, {"ids": [to_gid("Customer", victim.id), to_gid("Customer", attacker.id)]}))
    assert (
        done["ownershipConfirm"]["userErrors"] == [] and done["ownershipConfirm"]["profile"]["probablySamePerson"] == []
    )
    assert await available(client, world.shopify, attacker.id) == await available(client, world.shopify, victim.id)


async def test_another_merchants_key_cannot_confirm_this_merchants_accounts(client, world):
    key = (await issue(world.other_merchant.id, "other")).secret
    accounts = await Customer.filter(store_id=world.shopify.id, is_guest=False).order_by("id").limit(2)
    answer = await admin(client, CONFIRM, {"ids": [to_gid("Customer", c.id) for c in accounts]}, token=key)
    assert [e["code"] for e in data(answer)["ownershipConfirm"]["userErrors"]] == ["NOT_FOUND"]


CREATE = """mutation($input: AccountLinkCodeCreateInput!) { accountLinkCodeCreate(input: $input) {
  code expiresAt userErrors { field message code } } }"""
REDEEM_CODE = """mutation($code: String!) { accountLinkCodeRedeem(input: {code: $code}) {
  linked balance { available } userErrors { field message code } } }"""


async def test_a_shopper_links_their_accounts_on_two_stores_with_a_one_time_code(client, world):
    mine = await Customer.filter(store_id=world.shopify.id, is_guest=False).exclude(email=None).order_by("id").first()
    other = await Customer.filter(store_id=world.woo.id, is_guest=False).exclude(email=None).order_by("id").first()
    here, there = await available(client, world.shopify, mine.id), await available(client, world.woo, other.id)

    anonymous = data(await storefront(client, world.shopify, CREATE, {"input": {}}))["accountLinkCodeCreate"]
    assert anonymous["code"] is None and anonymous["userErrors"][0]["code"] == "NOT_SIGNED_IN"
    made = data(
        await storefront(
            client, world.shopify, CREATE, {"input": {"ttlMinutes": 60}}, headers=await signed_in(client, mine.id)
        )
    )["accountLinkCodeCreate"]
    assert made["code"] is None and made["userErrors"][0] == {
        "field": ["input", "ttlMinutes"],
        "message": "ttlMinutes must be between 1 and 15",
        "code": "INVALID",
    }
    made = data(
        await storefront(client, world.shopify, CREATE, {"input": {}}, headers=await signed_in(client, mine.id))
    )["accountLinkCodeCreate"]
    code = made["code"]
    assert made["userErrors"] == [] and len(code) == 19

    nobody = data(await storefront(client, world.woo, REDEEM_CODE, {"code": code}))["accountLinkCodeRedeem"]
    assert nobody["linked"] is False and nobody["userErrors"][0]["code"] == "NOT_SIGNED_IN"
    myself = data(
        await storefront(client, world.shopify, REDEEM_CODE, {"code": code}, headers=await signed_in(client, mine.id))
    )["accountLinkCodeRedeem"]
    assert myself["userErrors"][0]["code"] == "SAME_ACCOUNT"
    linked = data(
        await storefront(client, world.woo, REDEEM_CODE, {"code": code}, headers=await signed_in(client, other.id))
    )["accountLinkCodeRedeem"]
    assert linked["linked"] is True and linked["balance"]["available"] == here + there
    again = data(
        await storefront(client, world.woo, REDEEM_CODE, {"code": code}, headers=await signed_in(client, other.id))
    )["accountLinkCodeRedeem"]
    assert again["userErrors"][0] == {
        "field": ["input", "code"],
        "message": "this link code was already used",
        "code": "ALREADY_USED",
    }
    assert await available(client, world.shopify, mine.id) == here + there
