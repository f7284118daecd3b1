"""Every way a caller can fail to authenticate gets a top-level error with a code, and no internals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.auth.app_proxy import signature
from app.auth.shopper_tokens import ShopperTokens
from tests.schema.conftest import (
    APP_SECRET,
    admin,
    app_client,
    proxy_params,
    session_token,
    storefront,
)
from tests.support.servers import SECRET

pytestmark = [pytest.mark.db, pytest.mark.reads_only]


def refused(response: httpx.Response, status: int, code: str, words: str) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code and words in error["message"], error
    assert "Traceback" not in response.text


def test_the_app_proxy_signature_matches_shopifys_documented_example():
    params = [
        ("extra", "1"),
        ("extra", "2"),
        ("shop", "shop-name.myshopify.com"),
        ("path_prefix", "/apps/awesome_reviews"),
        ("timestamp", "1317327555"),
    ]
    assert signature(params, "hush") == "a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3"


async def test_storefront_without_or_with_a_wrong_store_key_is_unauthenticated(client, world):
    missing = await client.post("/graphql/storefront", json={"query": "{ shop { name } }"})
    refused(missing, 401, "UNAUTHENTICATED", "X-Rapport-Store-Key")
    wrong = await client.post(
        "/graphql/storefront", json={"query": "{ shop { name } }"}, headers={"X-Rapport-Store-Key": "pk_not_a_key"}
    )
    refused(wrong, 401, "UNAUTHENTICATED", "store key is not valid")


async def test_a_tampered_or_stale_app_proxy_signature_is_refused(client, world):
    tampered = proxy_params(world.shopper.platform_id)
    tampered["logged_in_customer_id"] = world.other_shopper.platform_id
    refused(
        await client.post("/graphql/storefront", params=tampered, json={"query": "{ me { id } }"}),
        401,
        "UNAUTHENTICATED",
        "signature is not valid",
    )
    wrong_secret = proxy_params(world.shopper.platform_id, secret="not-the-app-secret")
    refused(
        await client.post("/graphql/storefront", params=wrong_secret, json={"query": "{ me { id } }"}),
        401,
        "UNAUTHENTICATED",
        "signature is not valid",
    )
    stale = proxy_params(world.shopper.platform_id, age=3600)
    refused(
        await client.post("/graphql/storefront", params=stale, json={"query": "{ me { id } }"}),
        401,
        "UNAUTHENTICATED",
        "expired",
    )
    unknown_shop = proxy_params("1", shop="nobody.myshopify.com")
    refused(
        await client.post("/graphql/storefront", params=unknown_shop, json={"query": "{ me { id } }"}),
        403,
        "FORBIDDEN",
        "has not installed",
    )


async def test_an_expired_forged_or_garbled_shopper_token_is_refused(client, world):
    tokens = ShopperTokens(SECRET)
    expired, _ = tokens.mint(world.shopify.id, world.shopper.id, 60, now=datetime.now(UTC) - timedelta(hours=2))
    refused(
        await storefront(client, world.shopify, "{ me { id } }", headers={"X-Rapport-Shopper-Token": expired}),
        401,
        "UNAUTHENTICATED",
        "expired",
    )
    forged, _ = ShopperTokens("another-secret-key-" + "y" * 32).mint(world.shopify.id, world.shopper.id)
    refused(
        await storefront(client, world.shopify, "{ me { id } }", headers={"X-Rapport-Shopper-Token": forged}),
        401,
        "UNAUTHENTICATED",
        "not valid",
    )
    refused(
        await storefront(client, world.shopify, "{ me { id } }", headers={"X-Rapport-Shopper-Token": "garbage"}),
        401,
        "UNAUTHENTICATED",
        "not valid",
    )


async def test_a_shopper_token_still_verifies_under_the_previous_secret_key_during_rotation(world):
    old = ShopperTokens(SECRET)
    token, _ = old.mint(world.shopify.id, world.shopper.id)
    rotated = ShopperTokens("the-new-secret-key-" + "z" * 32, SECRET)
    assert rotated.verify(token, world.shopify.id) == world.shopper.id


async def test_the_admin_refuses_missing_expired_or_misaddressed_session_tokens(client, world):
    refused(
        await client.post("/graphql/admin", json={"query": "{ merchant { name } }"}),
        401,
        "UNAUTHENTICATED",
        "session token or a merchant API key",
    )
    refused(
        await admin(client, "{ merchant { name } }", token=session_token(exp_in=-60)), 401, "UNAUTHENTICATED", "expired"
    )
    refused(
        await admin(client, "{ merchant { name } }", token=session_token(aud="another-app")),
        401,
        "UNAUTHENTICATED",
        "not valid",
    )
    refused(
        await admin(client, "{ merchant { name } }", token=session_token(secret="wrong-secret-" + "w" * 24)),
        401,
        "UNAUTHENTICATED",
        "not valid",
    )
    refused(
        await admin(client, "{ merchant { name } }", token=session_token(shop="nobody.myshopify.com")),
        403,
        "FORBIDDEN",
        "has not installed",
    )
    refused(
        await admin(client, "{ merchant { name } }", token="rpk_000000000000_" + "a" * 43),
        401,
        "UNAUTHENTICATED",
        "API key is not valid",
    )


async def test_a_session_token_with_a_little_clock_skew_is_accepted(client, world):
    early = session_token(nbf_in=5)
    response = await admin(client, "{ merchant { name } }", token=early)
    assert response.json() == {
        "data": {"merchant": {"name": "Northwind Records"}},
        "extensions": response.json()["extensions"],
    }


async def test_the_storefront_cannot_express_an_admin_field(client, world):
    for query in (
        "{ merchant { name } }",
        "{ profiles(first: 1) { nodes { id } } }",
        "{ shop { publicKey } }",
        'mutation { apiKeyCreate(input: {name: "x"}) { secret } }',
    ):
        response = await storefront(client, world.shopify, query)
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", query
        assert "Cannot query field" in body["errors"][0]["message"]


async def test_the_app_proxy_needs_the_app_secret_to_be_configured(database_url, world):
    async with app_client(database_url, shopify_api_secret="") as c:
        params = proxy_params(world.shopper.platform_id, secret=APP_SECRET)
        refused(
            await c.post("/graphql/storefront", params=params, json={"query": "{ me { id } }"}),
            401,
            "UNAUTHENTICATED",
            "SHOPIFY_API_SECRET is not set",
        )
