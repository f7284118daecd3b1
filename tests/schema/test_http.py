"""GraphQL over HTTP: methods, media types, status codes, body limit, persisted queries and CORS."""

from __future__ import annotations

import hashlib
import json

import pytest

from schema.core.ids import to_gid
from tests.schema.conftest import admin, data, session_token, storefront

pytestmark = pytest.mark.db

GQL_RESPONSE = "application/graphql-response+json"


async def test_a_query_works_over_get_and_post(client, world):
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    got = await client.get("/graphql/storefront", params={"query": "{ shop { name } }"}, headers=key)
    posted = await storefront(client, world.shopify, "{ shop { name } }")
    assert data(got) == data(posted) == {"shop": {"name": world.shopify.name}}
    assert got.headers["cache-control"] == "public, max-age=60"
    assert got.headers["content-type"] == "application/json; charset=utf-8"


async def test_a_mutation_over_get_is_405_and_names_post(client, world):
    response = await client.get(
        "/graphql/admin",
        params={"query": 'mutation { apiKeyCreate(input: {name: "x"}) { secret } }'},
        headers={"Authorization": f"Bearer {session_token()}"},
    )
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["message"].startswith("only queries can be sent with GET")


async def test_graphql_response_json_gets_4xx_for_request_errors_and_json_keeps_200(client, world):
    bad = {"query": "{ shop { nope } }"}
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    modern = await client.post("/graphql/storefront", json=bad, headers={**key, "Accept": GQL_RESPONSE})
    assert modern.status_code == 400 and modern.headers["content-type"].startswith(GQL_RESPONSE)
    assert "data" not in modern.json()
    legacy = await client.post("/graphql/storefront", json=bad, headers={**key, "Accept": "application/json"})
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")
    ok = await client.post(
        "/graphql/storefront", json={"query": "{ shop { name } }"}, headers={**key, "Accept": GQL_RESPONSE}
    )
    assert ok.status_code == 200 and ok.json()["data"]["shop"]["name"] == world.shopify.name


async def test_unacceptable_media_types_bodies_and_methods_get_their_own_status(client, world):
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    assert (
        await client.post(
            "/graphql/storefront", json={"query": "{ shop { name } }"}, headers={**key, "Accept": "text/html"}
        )
    ).status_code == 406
    form = await client.post(
        "/graphql/storefront",
        content=b"query={shop{name}}",
        headers={**key, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415 and form.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    broken = await client.post(
        "/graphql/storefront", content=b"{not json", headers={**key, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["errors"][0]["message"]
    assert (
        await client.post("/graphql/storefront", json=[{"query": "{ shop { name } }"}], headers=key)
    ).status_code == 400
    assert (await client.post("/graphql/storefront", json={"query": 42}, headers=key)).status_code == 400
    assert (await client.post("/graphql/storefront", json={"variables": {}}, headers=key)).status_code == 400
    put = await client.put("/graphql/storefront", json={"query": "{ shop { name } }"}, headers=key)
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"


async def test_a_body_over_the_limit_is_413_before_it_is_parsed(client, world):
    padding = " " * 200_000
    response = await client.post(
        "/graphql/storefront",
        content=('{"query": "{ shop { name } }' + padding + '"}').encode(),
        headers={"X-Rapport-Store-Key": world.shopify.public_key, "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_persisted_queries_are_registered_by_hash_then_served_by_hash_alone(client, world):
    query = "query Shop { shop { name currencyCode } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    unknown = await client.get("/graphql/storefront", params={"extensions": ext}, headers=key)
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    mismatch = await client.get("/graphql/storefront", params={"query": query + " ", "extensions": ext}, headers=key)
    assert (
        mismatch.status_code == 400
        and mismatch.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    )
    registered = await client.get("/graphql/storefront", params={"query": query, "extensions": ext}, headers=key)
    by_hash = await client.get("/graphql/storefront", params={"extensions": ext}, headers=key)
    assert (
        data(registered)
        == data(by_hash)
        == {"shop": {"name": world.shopify.name, "currencyCode": world.shopify.currency}}
    )
    assert by_hash.headers["cache-control"] == "public, max-age=60"
    varies = {v.strip().lower() for v in by_hash.headers["vary"].split(",")}
    assert {"x-rapport-store-key", "x-rapport-shopper-token"} <= varies  # a shared cache keeps stores apart
    woo = await client.get(
        "/graphql/storefront", params={"extensions": ext}, headers={"X-Rapport-Store-Key": world.woo.public_key}
    )
    assert data(woo)["shop"]["name"] == world.woo.name


async def test_a_client_cannot_store_a_query_under_another_querys_hash(client, world):
    """Only a hash the server computed from the query text is stored; one smuggled in the extensions is not."""
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    victim = "query Points { shop { name } }"
    digest = hashlib.sha256(victim.encode()).hexdigest()
    for smuggled in ({"_persist": digest}, {"persist_as": digest}, {"persistAs": digest}):
        await client.get(
            "/graphql/storefront",
            params={"query": "{ shop { currencyCode } }", "extensions": json.dumps(smuggled)},
            headers=key,
        )
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})
    by_hash = await client.get("/graphql/storefront", params={"extensions": ext}, headers=key)
    assert by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await client.get("/graphql/storefront", params={"query": victim, "extensions": ext}, headers=key)
    again = await client.get("/graphql/storefront", params={"extensions": ext}, headers=key)
    assert data(registered) == data(again) == {"shop": {"name": world.shopify.name}}


async def test_cors_allows_the_stores_own_domain_and_origins_the_owner_adds(client, world):
    key = {"X-Rapport-Store-Key": world.shopify.public_key}
    own = "https://northwind.myshopify.com"
    allowed = await storefront(client, world.shopify, "{ shop { name } }", headers={"Origin": own})
    assert allowed.headers["access-control-allow-origin"] == own
    stranger = await storefront(client, world.shopify, "{ shop { name } }", headers={"Origin": "https://evil.example"})
    assert stranger.status_code == 403 and "access-control-allow-origin" not in stranger.headers
    preflight = await client.options(
        "/graphql/storefront", headers={"Origin": own, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204 and "x-rapport-store-key" in preflight.headers["access-control-allow-headers"]
    assert (await client.options("/graphql/storefront", headers={"Origin": "https://evil.example"})).status_code == 403
    set_origins = """mutation($s: ID!, $o: [String!]!) { storefrontOriginsSet(input: {storeId: $s, origins: $o}) {
        origins userErrors { field code } } }"""
    added = data(
        await admin(client, set_origins, {"s": to_gid("Store", world.shopify.id), "o": ["https://Shop.Example/"]})
    )
    assert added["storefrontOriginsSet"] == {"origins": ["https://shop.example"], "userErrors": []}
    custom = await client.post(
        "/graphql/storefront", json={"query": "{ shop { name } }"}, headers={**key, "Origin": "https://shop.example"}
    )
    assert custom.status_code == 200 and custom.headers["access-control-allow-origin"] == "https://shop.example"
    invalid = data(
        await admin(client, set_origins, {"s": to_gid("Store", world.shopify.id), "o": ["javascript:alert(1)"]})
    )
    assert invalid["storefrontOriginsSet"]["userErrors"] == [{"field": ["input", "origins", "0"], "code": "INVALID"}]


async def test_a_resolver_bug_reaches_the_client_as_internal_server_error_only():
    import strawberry

    from schema.core.limits import Limits, extensions

    @strawberry.type
    class Query:
        @strawberry.field
        def merchant(self) -> str:
            raise RuntimeError("database password is hunter2")

    result = await strawberry.Schema(Query, extensions=extensions(Limits())).execute("{ merchant }")
    [error] = [e.formatted for e in result.errors]
    assert error["message"] == "Internal server error" and error["path"] == ["merchant"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"} and "hunter2" not in str(error)


async def test_a_clients_mistake_is_not_logged_as_a_server_error_and_a_bug_is_logged_once(caplog):
    import logging

    import strawberry

    from schema.core.errors import ApiError, ErrorCode
    from schema.core.limits import ApiSchema, Limits, extensions

    @strawberry.type
    class Query:
        @strawberry.field
        def mistake(self) -> str:
            raise ApiError("'x' is not a cursor of this list", ErrorCode.BAD_USER_INPUT)

        @strawberry.field
        def bug(self) -> str:
            raise RuntimeError("division by zero somewhere")

    schema = ApiSchema(Query, extensions=extensions(Limits()))
    with caplog.at_level(logging.DEBUG):
        await schema.execute("{ mistake }")
        await schema.execute("{ nope }")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        await schema.execute("{ bug }")
    [logged] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged.exc_info is not None and "division by zero" in str(logged.exc_info[1])
