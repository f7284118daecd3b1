"""A credential in the wrong header or on the wrong endpoint is refused with an error that says
where it goes, instead of an anonymous answer (``me: null``) that hides the mistake."""

from __future__ import annotations

import httpx
import pytest

from app.auth.shopper_tokens import ShopperTokens
from tests.schema.conftest import admin, data, session_token, storefront
from tests.support.servers import SECRET

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

ME = "{ me { id } }"


def refused(response: httpx.Response, *words: str) -> str:
    body = response.json()
    assert response.status_code == 401 and "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    for word in words:
        assert word in error["message"], error["message"]
    return error["message"]


def token_for(world) -> str:
    return ShopperTokens(SECRET).mint(world.shopify.id, world.shopper.id)[0]


async def test_a_shopper_token_sent_as_a_bearer_token_is_told_to_use_the_shopper_token_header(client, world):
    message = refused(
        await storefront(client, world.shopify, ME, headers={"Authorization": f"Bearer {token_for(world)}"}),
        "a shopper token was sent as Authorization: Bearer",
        "X-Rapport-Shopper-Token",
    )
    assert message.startswith("a shopper token was sent as Authorization: Bearer; the storefront API")


async def test_the_same_token_in_the_shopper_token_header_signs_the_shopper_in(client, world):
    found = data(await storefront(client, world.shopify, ME, headers={"X-Rapport-Shopper-Token": token_for(world)}))
    assert found["me"]["id"].endswith(f"/{world.shopper.id}")


async def test_a_bearer_that_is_not_a_token_of_ours_still_names_the_right_header(client, world):
    for value in ("Bearer abc", "Bearer ", "bearer x.y.z", f"Bearer {'z' * 5000}"):
        refused(
            await storefront(client, world.shopify, ME, headers={"Authorization": value}), "X-Rapport-Shopper-Token"
        )


async def test_a_store_key_sent_as_bearer_or_in_the_shopper_token_header_is_told_to_use_the_store_key_header(
    client, world
):
    key = world.shopify.public_key
    as_bearer = await client.post("/graphql/storefront", json={"query": ME}, headers={"Authorization": f"Bearer {key}"})
    refused(as_bearer, "a store key was sent as Authorization: Bearer", "X-Rapport-Store-Key")
    as_token = await storefront(client, world.shopify, ME, headers={"X-Rapport-Shopper-Token": key})
    refused(as_token, "a store key was sent as X-Rapport-Shopper-Token", "X-Rapport-Store-Key")


async def test_a_shopper_token_or_an_api_key_in_the_store_key_header_is_named_for_what_it_is(client, world):
    as_key = await client.post(
        "/graphql/storefront", json={"query": ME}, headers={"X-Rapport-Store-Key": token_for(world)}
    )
    refused(as_key, "a shopper token was sent as X-Rapport-Store-Key", "X-Rapport-Shopper-Token")
    api_key = await client.post(
        "/graphql/storefront", json={"query": ME}, headers={"X-Rapport-Store-Key": "rpk_000000000000_" + "a" * 43}
    )
    refused(api_key, "a merchant API key was sent as X-Rapport-Store-Key", "/graphql/admin", "never in a theme")


async def test_the_admin_api_names_the_storefront_headers_for_storefront_credentials(client, world):
    refused(
        await admin(client, "{ merchant { name } }", token=world.shopify.public_key),
        "a store key was sent as Authorization: Bearer on the admin API",
        "/graphql/storefront",
    )
    refused(
        await admin(client, "{ merchant { name } }", token=token_for(world)),
        "a shopper token was sent as Authorization: Bearer on the admin API",
        "X-Rapport-Shopper-Token",
    )
    only_store_key = await client.post(
        "/graphql/admin",
        json={"query": "{ merchant { name } }"},
        headers={"X-Rapport-Store-Key": world.shopify.public_key},
    )
    refused(only_store_key, "the admin API does not read X-Rapport-Store-Key", "Authorization: Bearer")


async def test_credentials_in_their_right_places_are_unaffected(client, world):
    both = await storefront(
        client,
        world.shopify,
        ME,
        headers={
            "X-Rapport-Shopper-Token": token_for(world),
            "Authorization": "Bearer ignored-when-the-token-header-is-set",
        },
    )
    assert data(both)["me"] is not None
    assert (
        data(await storefront(client, world.shopify, ME, headers={"Authorization": "Basic dXNlcjpwYXNz"}))["me"] is None
    )
    assert data(await admin(client, "{ merchant { name } }", token=session_token()))["merchant"]["name"]


async def test_an_overlong_store_key_is_refused_as_not_valid_rather_than_failing(client, world):
    response = await client.post(
        "/graphql/storefront", json={"query": ME}, headers={"X-Rapport-Store-Key": "pk_" + "x" * 5000}
    )
    refused(response, "the store key is not valid")
