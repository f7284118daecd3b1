"""The admin API over HTTP: the merchant's stores, people, orders, operations and credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.jobs.failures import record_failure
from schema.core.ids import to_gid
from store.models import (
    DeliveryStatus,
    Job,
    JobStatus,
    Order,
    Refund,
    RefundLine,
    Store,
    SyncCheckpoint,
    WebhookEvent,
)
from tests.schema.conftest import admin, data, error_code

pytestmark = pytest.mark.db

PROFILE_PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $storeId: ID, $search: String) {
  profiles(first: $first, after: $after, last: $last, before: $before, storeId: $storeId, search: $search) {
    edges { cursor node { id email displayName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_the_merchant_sees_its_stores_with_sync_health_and_checkpoints(client, world):
    world.shopify.health, world.shopify.consecutive_failures = "degraded", 3
    world.shopify.last_error, world.shopify.last_synced_at = "429 from Shopify", datetime(2026, 11, 20, tzinfo=UTC)
    await world.shopify.save()
    await SyncCheckpoint.create(store=world.shopify, resource="orders", mode="incremental", pages=4, records=1000)
    found = data(
        await admin(
            client,
            """{ merchant { id name stores(first: 10) { nodes {
        id platform domain installState health consecutiveFailures lastError lastSyncedAt
        checkpoints(first: 5) { nodes { resource mode pages records } } } } } }""",
        )
    )
    merchant = found["merchant"]
    assert merchant["id"] == to_gid("Merchant", world.merchant.id) and merchant["name"] == "Northwind Records"
    shopify, woo = merchant["stores"]["nodes"]
    assert (shopify["platform"], woo["platform"]) == ("SHOPIFY", "WOOCOMMERCE")
    assert shopify["health"] == "DEGRADED" and shopify["consecutiveFailures"] == 3
    assert shopify["lastError"] == "429 from Shopify" and shopify["lastSyncedAt"].startswith("2026-11-20T00:00:00")
    assert shopify["installState"] == "INSTALLED"
    assert shopify["checkpoints"]["nodes"] == [
        {"resource": "orders", "mode": "incremental", "pages": 4, "records": 1000}
    ]
    assert world.other_store.domain not in str(found)


async def test_profiles_page_forwards_and_backwards_with_keyset_cursors(client, world):
    first = data(await admin(client, PROFILE_PAGE, {"first": 5}))["profiles"]
    assert len(first["edges"]) == 5 and first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = data(await admin(client, PROFILE_PAGE, {"first": 5, "after": first["pageInfo"]["endCursor"]}))["profiles"]
    ids_1 = [e["node"]["id"] for e in first["edges"]]
    ids_2 = [e["node"]["id"] for e in second["edges"]]
    assert not set(ids_1) & set(ids_2) and second["pageInfo"]["hasPreviousPage"]
    back = data(await admin(client, PROFILE_PAGE, {"last": 5, "before": second["pageInfo"]["startCursor"]}))["profiles"]
    assert [e["node"]["id"] for e in back["edges"]] == ids_1
    assert back["pageInfo"]["hasNextPage"] and not back["pageInfo"]["hasPreviousPage"]


async def test_profiles_filter_by_store_and_search_by_email_or_name(client, world):
    shopper = world.shopper
    by_email = data(await admin(client, PROFILE_PAGE, {"first": 10, "search": shopper.email.upper()}))["profiles"]
    assert to_gid("Profile", shopper.profile_id) in [e["node"]["id"] for e in by_email["edges"]]
    full_name = f"{shopper.first_name} {shopper.last_name}"
    by_name = data(await admin(client, PROFILE_PAGE, {"first": 10, "search": full_name}))["profiles"]
    assert to_gid("Profile", shopper.profile_id) in [e["node"]["id"] for e in by_name["edges"]]
    woo_only = data(await admin(client, PROFILE_PAGE, {"first": 250, "storeId": to_gid("Store", world.woo.id)}))
    woo_ids = {e["node"]["id"] for e in woo_only["profiles"]["edges"]}
    assert to_gid("Profile", shopper.profile_id) not in woo_ids and woo_ids
    nobody = data(await admin(client, PROFILE_PAGE, {"first": 10, "search": "no-such-person-xyz"}))
    assert nobody["profiles"]["edges"] == []


async def test_a_profile_shows_its_customers_and_their_orders_with_lines_and_refunds(client, world):
    order = await Order.filter(customer_id=world.shopper.id).prefetch_related("lines").first()
    line = order.lines[0]
    refund = await Refund.create(
        order=order,
        store_id=order.store_id,
        platform_id="R-1",
        amount=Decimal("5.5"),
        currency=order.currency,
        platform_created_at=order.platform_created_at,
    )
    await RefundLine.create(
        refund=refund,
        store_id=order.store_id,
        platform_id="RL-1",
        line_platform_id=line.platform_id,
        quantity=1,
        amount=Decimal("5.5"),
    )
    found = data(
        await admin(
            client,
            """query($id: ID!) { profile(id: $id) {
        customers(first: 5) { nodes { id email store { domain } } }
        orders(first: 10) { nodes { id name total { amount currencyCode }
          lines(first: 10) { nodes { title quantity unitPrice { amount } } }
          refunds(first: 2) { nodes { amount { amount currencyCode } lines(first: 2) { nodes { linePlatformId quantity } } } } } } } }""",
            {"id": to_gid("Profile", world.shopper.profile_id)},
        )
    )["profile"]
    assert found["customers"]["nodes"][0]["id"] == to_gid("Customer", world.shopper.id)
    assert found["customers"]["nodes"][0]["store"]["domain"] == "northwind.myshopify.com"
    shown = next(o for o in found["orders"]["nodes"] if o["id"] == to_gid("Order", order.id))
    assert Decimal(shown["total"]["amount"]) == order.total and shown["total"]["currencyCode"] == order.currency
    assert len(shown["lines"]["nodes"]) == len(order.lines)
    assert shown["refunds"]["nodes"] == [
        {
            "amount": {"amount": "5.50", "currencyCode": order.currency},
            "lines": {"nodes": [{"linePlatformId": line.platform_id, "quantity": 1}]},
        }
    ]


async def test_orders_filter_by_store_and_another_merchants_ids_are_not_found(client, world):
    found = data(
        await admin(
            client,
            """query($s: ID) { orders(first: 3, storeId: $s) { nodes { id store { id } } } }""",
            {"s": to_gid("Store", world.woo.id)},
        )
    )
    assert {o["store"]["id"] for o in found["orders"]["nodes"]} == {to_gid("Store", world.woo.id)}
    foreign = await Order.create(
        merchant=world.other_merchant,
        store=world.other_store,
        platform_id="x1",
        currency="USD",
        total=Decimal("1"),
        platform_created_at=datetime.now(UTC),
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )
    for field, kind, pk in (
        ("order", "Order", foreign.id),
        ("store", "Store", world.other_store.id),
        ("node", "Order", foreign.id),
        ("node", "Merchant", world.other_merchant.id),
    ):
        response = await admin(client, f'{{ {field}(id: "{to_gid(kind, pk)}") {{ id }} }}')
        assert data(response)[field] is None


async def test_webhook_deliveries_filter_by_status_and_a_failed_one_replays(client, world):
    base = dict(platform="shopify", store=world.shopify, topic="orders/create", body="{}")
    failed = await WebhookEvent.create(delivery_id="d1", status=DeliveryStatus.FAILED, error="KeyError: 'id'", **base)
    await WebhookEvent.create(delivery_id="d2", status=DeliveryStatus.PROCESSED, **base)
    await WebhookEvent.create(
        platform="shopify",
        store=world.other_store,
        topic="orders/create",
        body="{}",
        delivery_id="d3",
        status=DeliveryStatus.FAILED,
    )
    found = data(
        await admin(
            client,
            "{ webhookDeliveries(first: 10, status: FAILED) { nodes { id deliveryId error store { domain } } } }",
        )
    )
    assert found["webhookDeliveries"]["nodes"] == [
        {
            "id": to_gid("WebhookDelivery", failed.id),
            "deliveryId": "d1",
            "error": "KeyError: 'id'",
            "store": {"domain": "northwind.myshopify.com"},
        }
    ]
    replay = """mutation($id: ID!) { webhookDeliveryReplay(input: {id: $id}) {
        webhookDelivery { status error } userErrors { field message code } } }"""
    done = data(await admin(client, replay, {"id": to_gid("WebhookDelivery", failed.id)}))["webhookDeliveryReplay"]
    assert done == {"webhookDelivery": {"status": "RECEIVED", "error": None}, "userErrors": []}
    again = data(await admin(client, replay, {"id": to_gid("WebhookDelivery", failed.id)}))["webhookDeliveryReplay"]
    assert again["userErrors"][0]["code"] == "NOT_FAILED" and again["userErrors"][0]["field"] == ["input", "id"]


async def test_failed_jobs_are_listed_and_replayed_from_their_first_try(client, world):
    await record_failure(
        key="k1",
        function="sync_store",
        args=[world.shopify.id],
        tries=5,
        max_tries=5,
        error="RuntimeError: boom",
        backend="local",
    )
    job = await Job.get(key="k1")
    found = data(await admin(client, "{ failedJobs(first: 5) { nodes { id function arguments tries lastError } } }"))
    assert found["failedJobs"]["nodes"] == [
        {
            "id": to_gid("FailedJob", job.id),
            "function": "sync_store",
            "arguments": f"[{world.shopify.id}]",
            "tries": 5,
            "lastError": "RuntimeError: boom",
        }
    ]
    replay = "mutation($id: ID!) { failedJobReplay(input: {id: $id}) { job { id } userErrors { code } } }"
    done = data(await admin(client, replay, {"id": to_gid("FailedJob", job.id)}))["failedJobReplay"]
    assert done["userErrors"] == []
    assert (await Job.get(id=job.id)).status == JobStatus.QUEUED
    missing = data(await admin(client, replay, {"id": to_gid("FailedJob", 999999)}))["failedJobReplay"]
    assert missing == {"job": None, "userErrors": [{"code": "NOT_FOUND"}]}


async def test_api_keys_are_created_once_used_listed_and_revoked(client, world):
    created = data(
        await admin(
            client,
            """mutation { apiKeyCreate(input: {name: "reporting"}) {
        apiKey { id name prefix } secret userErrors { code } } }""",
        )
    )["apiKeyCreate"]
    secret = created["secret"]
    assert secret.startswith(created["apiKey"]["prefix"] + "_") and created["userErrors"] == []
    listed = data(await admin(client, "{ apiKeys(first: 5) { nodes { name lastUsedAt } } }", token=secret))
    assert listed["apiKeys"]["nodes"][0]["name"] == "reporting"
    by_header = await client.post(
        "/graphql/admin", json={"query": "{ merchant { name } }"}, headers={"X-Rapport-Api-Key": secret}
    )
    assert data(by_header)["merchant"]["name"] == "Northwind Records"
    revoke = "mutation($id: ID!) { apiKeyRevoke(input: {id: $id}) { apiKey { revokedAt } userErrors { code } } }"
    revoked = data(await admin(client, revoke, {"id": created["apiKey"]["id"]}))["apiKeyRevoke"]
    assert revoked["apiKey"]["revokedAt"] is not None
    refused = await admin(client, "{ merchant { name } }", token=secret)
    assert refused.status_code == 401 and error_code(refused) == "UNAUTHENTICATED"
    assert "revoked" in refused.json()["errors"][0]["message"]
    blank = data(
        await admin(
            client, 'mutation { apiKeyCreate(input: {name: "  "}) { apiKey { id } userErrors { field code } } }'
        )
    )
    assert blank["apiKeyCreate"] == {"apiKey": None, "userErrors": [{"field": ["input", "name"], "code": "INVALID"}]}


async def test_store_linking_moves_a_second_store_with_its_people_to_the_issuing_merchant(client, world):
    code = data(
        await admin(client, "mutation { storeLinkCodeCreate(input: {}) { code expiresAt userErrors { code } } }")
    )
    code = code["storeLinkCodeCreate"]["code"]
    other_key = data(
        await admin(
            client,
            'mutation { apiKeyCreate(input: {name: "other"}) { secret } }',
            token=await _other_merchant_key(world),
        )
    )["apiKeyCreate"]["secret"]
    redeem = """mutation($code: String!, $store: ID) { storeLinkCodeRedeem(input: {code: $code, storeId: $store}) {
        store { id domain } userErrors { field code } } }"""
    moved = data(
        await admin(client, redeem, {"code": code, "store": to_gid("Store", world.other_store.id)}, token=other_key)
    )
    assert moved["storeLinkCodeRedeem"] == {
        "store": {"id": to_gid("Store", world.other_store.id), "domain": "other.myshopify.com"},
        "userErrors": [],
    }
    assert (await Store.get(id=world.other_store.id)).merchant_id == world.merchant.id
    twice = data(await admin(client, redeem, {"code": code, "store": to_gid("Store", world.other_store.id)}))
    assert twice["storeLinkCodeRedeem"]["userErrors"] == [{"field": ["input", "code"], "code": "ALREADY_USED"}]
    wrong = data(await admin(client, redeem, {"code": "AAAA-BBBB-CCCC-DDDD", "store": to_gid("Store", world.woo.id)}))
    assert wrong["storeLinkCodeRedeem"]["userErrors"][0]["code"] == "INVALID_CODE"


async def _other_merchant_key(world) -> str:
    from app.auth.api_keys import issue

    return (await issue(world.other_merchant.id, "bootstrap")).secret


async def test_a_shopper_token_is_minted_for_a_customer_account_only(client, world):
    mint = """mutation($id: ID!, $ttl: Int) { shopperTokenCreate(input: {customerId: $id, ttlSeconds: $ttl}) {
        token expiresAt userErrors { field code } } }"""
    made = data(await admin(client, mint, {"id": to_gid("Customer", world.shopper.id), "ttl": 600}))[
        "shopperTokenCreate"
    ]
    expires = datetime.fromisoformat(made["expiresAt"])
    assert made["token"] and timedelta(seconds=590) < expires - datetime.now(UTC) <= timedelta(seconds=600)
    too_long = data(await admin(client, mint, {"id": to_gid("Customer", world.shopper.id), "ttl": 10**6}))
    assert too_long["shopperTokenCreate"]["userErrors"] == [{"field": ["input", "ttlSeconds"], "code": "INVALID"}]
    foreign = await world.other_store.customers.all().first()
    assert foreign is None
    unknown = data(await admin(client, mint, {"id": to_gid("Customer", 10**9)}))["shopperTokenCreate"]
    assert unknown["userErrors"] == [{"field": ["input", "customerId"], "code": "NOT_FOUND"}]
