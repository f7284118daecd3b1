"""Anonymous growth: rate limits per address and per key (429 with Retry-After) on the storefront
and on onboarding, none on signed webhook intake, and a size cap on persisted documents."""

from __future__ import annotations

import hashlib
import json
import secrets
import time

import pytest

from app.auth import app_proxy
from app.http.ratelimit import RateLimits
from app.settings import Settings
from store.models import InstallState, Merchant, PersistedQuery, Platform, Store
from tests.app.serving import caller, serving
from tests.support.servers import SECRET

pytestmark = pytest.mark.db

PROGRAM = "{ program { currencyCode } }"


async def a_store() -> Store:
    merchant = await Merchant.create(name="Northwind Records")
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"{secrets.token_hex(4)}.myshopify.com",
        name="Northwind",
        public_key=f"pk_{secrets.token_hex(8)}",
        install_state=InstallState.INSTALLED,
    )


def storefront(store: Store) -> dict[str, str]:
    return {"X-Rapport-Store-Key": store.public_key, "Accept": "application/json"}


async def test_a_storefront_flood_from_one_address_gets_429_with_retry_after_and_others_are_served(db, database_url):
    store = await a_store()
    async with serving(database_url, rate_limit_storefront_ip="5/minute") as app:
        async with caller(app, "203.0.113.7") as flooder, caller(app, "198.51.100.9") as shopper:
            answers = [
                await flooder.get("/graphql/storefront", params={"query": PROGRAM}, headers=storefront(store))
                for _ in range(7)
            ]
            other = await shopper.get("/graphql/storefront", params={"query": PROGRAM}, headers=storefront(store))
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert other.status_code == 200


async def test_a_storefront_flood_through_one_store_key_from_many_addresses_is_limited_per_key(db, database_url):
    store, neighbour = await a_store(), await a_store()
    async with serving(database_url, rate_limit_storefront_key="4/minute") as app:
        statuses = []
        for n in range(6):
            async with caller(app, f"192.0.2.{n + 1}") as client:
                answer = await client.get("/graphql/storefront", params={"query": PROGRAM}, headers=storefront(store))
                statuses.append(answer.status_code)
        async with caller(app, "192.0.2.99") as client:
            other_store = await client.get(
                "/graphql/storefront", params={"query": PROGRAM}, headers=storefront(neighbour)
            )
    assert statuses == [200] * 4 + [429] * 2 and other_store.status_code == 200


async def test_app_proxy_traffic_from_shopifys_one_address_is_counted_per_shop_not_per_address(db, database_url):
    store = await a_store()
    secret = "proxy-secret-" + "s" * 24

    def signed(key: str = secret) -> dict[str, str]:
        params = {
            "shop": store.domain,
            "path_prefix": "/apps/rapport",
            "timestamp": str(int(time.time())),
            "logged_in_customer_id": "",
        }
        return {**params, "signature": app_proxy.signature(params.items(), key)}

    limits = dict(shopify_api_secret=secret, rate_limit_storefront_ip="2/minute", rate_limit_storefront_key="4/minute")
    async with serving(database_url, **limits) as app, caller(app, "23.227.38.65") as shopify:
        statuses = [
            (await shopify.post("/graphql/storefront", params=signed(), json={"query": PROGRAM})).status_code
            for _ in range(5)
        ]
    async with serving(database_url, **limits) as app, caller(app, "203.0.113.50") as forger:
        forged = [
            (
                await forger.post("/graphql/storefront", params=signed("not-the-secret"), json={"query": PROGRAM})
            ).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 200, 200, 429]
    assert forged == [401, 401, 429]  # a made-up signature does not escape the per-address limit


async def test_a_flood_of_connect_calls_is_limited_per_address_and_creates_nothing(db, database_url):
    async with serving(database_url, rate_limit_onboarding_ip="3/minute") as app, caller(app) as client:
        answers = [
            await client.get("/connect/woocommerce", params={"site": f"https://s{n}.example.com"}) for n in range(5)
        ]
        install = await client.get("/shopify/install", params={"shop": "x.myshopify.com"})
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert "retry-after" in answers[-1].headers and install.status_code == 429
    assert await Merchant.all().count() == 0 and await Store.all().count() == 0


async def test_connect_calls_with_one_credential_are_limited_per_key_across_addresses(db, database_url):
    async with serving(database_url, rate_limit_onboarding_key="2/minute") as app:
        statuses = []
        for n in range(4):
            async with caller(app, f"192.0.2.{n + 1}") as client:
                answer = await client.get(
                    "/connect/woocommerce",
                    params={"site": "https://shop.example.com"},
                    headers={"Authorization": "Bearer rpk_000000000000_" + "k" * 43},
                )
                statuses.append(answer.status_code)
    assert statuses == [401, 401, 429, 429]


async def test_signed_webhook_intake_is_never_rate_limited(db, database_url):
    async with serving(database_url, rate_limit_onboarding_ip="1/minute", rate_limit_storefront_ip="1/minute") as app:
        async with caller(app) as sender:
            answers = [await sender.post("/webhooks/shopify", content=b"{}") for _ in range(5)]
    assert all(a.status_code == 401 for a in answers)  # unsigned: refused by the signature, not by a limit


async def test_persisted_queries_refuse_to_register_a_90_kb_document(db, database_url):
    store = await a_store()
    padding = "# " + "x" * 90_000 + "\n"
    big = padding + PROGRAM
    digest = hashlib.sha256(big.encode()).hexdigest()
    small_digest = hashlib.sha256(PROGRAM.encode()).hexdigest()
    ext = lambda h: json.dumps({"persistedQuery": {"version": 1, "sha256Hash": h}})  # noqa: E731
    async with serving(database_url, graphql_max_body_bytes=200_000) as app, caller(app) as client:
        refused = await client.post(
            "/graphql/storefront", headers=storefront(store), json={"query": big, "extensions": json.loads(ext(digest))}
        )
        kept = await client.get(
            "/graphql/storefront", headers=storefront(store), params={"query": PROGRAM, "extensions": ext(small_digest)}
        )
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_TOO_LARGE"
    assert kept.status_code == 200
    assert await PersistedQuery.filter(sha256=digest).count() == 0
    assert await PersistedQuery.filter(sha256=small_digest).count() == 1


async def test_limits_counted_in_redis_are_shared_by_every_web_process(db, database_url, redis_url):
    store = await a_store()
    address = f"203.0.113.{secrets.randbelow(200) + 1}"
    settings = dict(
        redis_url=redis_url,
        rate_limit_storefront_ip="off",
        rate_limit_storefront_key="3/minute",
        arq_queue=f"arq:test:{secrets.token_hex(4)}",
    )
    async with serving(database_url, **settings) as first, serving(database_url, **settings) as second:
        async with caller(first, address) as one, caller(second, address) as two:
            statuses = [
                (
                    await client.get("/graphql/storefront", params={"query": PROGRAM}, headers=storefront(store))
                ).status_code
                for client in (one, two, one, two)
            ]
    assert statuses == [200, 200, 200, 429]


def test_a_malformed_rate_setting_is_one_clear_error():
    from app.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="RATE_LIMIT_STOREFRONT_IP: 'lots' is not a rate"):
        load_settings(secret_key=SECRET, rate_limit_storefront_ip="lots")
    assert (
        RateLimits(lambda *a: None, Settings(secret_key=SECRET, rate_limit_storefront_ip="off")).storefront.per_ip == []
    )
