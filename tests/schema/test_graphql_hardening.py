"""Attacks on both GraphQL endpoints that once got through, each refused now: cost-limit bypass
with negative page sizes, over-long arguments answered as server errors, ambiguous documents,
cacheable admin answers, session tokens that never expire, and repeated app-proxy identities."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
import strawberry
from graphql import GraphQLObjectType
from tortoise.exceptions import ValidationError

from app.auth.app_proxy import signature
from schema.core.ids import to_gid
from tests.schema.conftest import (
    API_KEY,
    APP_SECRET,
    SHOP,
    admin,
    data,
    proxy_params,
    storefront,
)

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

GQL_RESPONSE = "application/graphql-response+json"
ME = "{ me { id email } }"


def refused_before_running(response: httpx.Response, code: str, words: str) -> dict:
    """A request error: no ``data`` at all, so no resolver ran."""
    body = response.json()
    assert response.status_code in (200, 400) and "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code and words in error["message"], error
    return body


def field_error(response: httpx.Response) -> dict:
    body = response.json()
    assert response.status_code == 200, body
    [error] = body["errors"]
    return error


# -- (4) cost limit bypass -----------------------------------------------------------------------


async def test_a_negative_page_size_cannot_make_an_expensive_query_cheap(client, world):
    product = to_gid("Product", 1)
    expensive = (
        "recommendations(first: 50) { nodes { frequentlyBoughtTogether(first: 50) { nodes { "
        "frequentlyBoughtTogether(first: 50) { nodes { id title } } } } } }"
    )
    negative = f'product(id: "{product}") {{ frequentlyBoughtTogether(first: -2000000000) {{ nodes {{ id }} }} }}'
    body = refused_before_running(
        await storefront(client, world.shopify, f"{{ {expensive} {negative} }}"),
        "BAD_USER_INPUT",
        "first and last must be between 0 and 250",
    )
    assert "-2000000000" in body["errors"][0]["message"]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] > cost["maximumQueryCost"] and cost["actualQueryCost"] is None

    by_variable = (
        f'query($n: Int) {{ {expensive} product(id: "{product}") {{ '
        "frequentlyBoughtTogether(last: $n) { nodes { id } } } }"
    )
    refused_before_running(
        await storefront(client, world.shopify, by_variable, {"n": -2_000_000_000}),
        "BAD_USER_INPUT",
        "between 0 and 250",
    )
    refused_before_running(
        await storefront(client, world.shopify, by_variable, {"n": 2_000_000_000}),
        "BAD_USER_INPUT",
        "between 0 and 250",
    )
    both = "{ profiles(first: 250, last: -2000000000) { nodes { customers(first: 250) { nodes { id } } } } }"
    refused_before_running(await admin(client, both), "BAD_USER_INPUT", "profiles(last) is -2000000000")


def _connections(schema: strawberry.Schema) -> list[str]:
    """Every root field of a schema that takes a page size."""
    root: GraphQLObjectType = schema._schema.query_type
    return sorted(name for name, field in root.fields.items() if "first" in field.args)


@pytest.mark.parametrize("size", [-1, -2_000_000_000, 251, 2_000_000_000])
async def test_every_connection_of_both_schemas_refuses_an_absurd_page_size_before_running(client, world, size):
    from schema.admin import build_admin_schema
    from schema.core.limits import Limits
    from schema.storefront import build_storefront_schema

    admin_fields, storefront_fields = (
        _connections(build(Limits())) for build in (build_admin_schema, build_storefront_schema)
    )
    assert len(admin_fields) >= 10 and storefront_fields == ["recommendations"]
    for name in admin_fields:
        for argument in ("first", "last"):
            refused_before_running(
                await admin(client, f"{{ {name}({argument}: {size}) {{ __typename }} }}"),
                "BAD_USER_INPUT",
                f"{name}({argument}) is {size}",
            )
    refused_before_running(
        await storefront(client, world.shopify, f"{{ recommendations(first: {size}) {{ __typename }} }}"),
        "BAD_USER_INPUT",
        "between 0 and 250",
    )
    nested = f"{{ stores(first: 1) {{ nodes {{ checkpoints(first: {size}) {{ __typename }} }} }} }}"
    refused_before_running(await admin(client, nested), "BAD_USER_INPUT", f"checkpoints(first) is {size}")


async def test_page_sizes_within_the_range_still_run_and_are_costed_as_asked(client, world):
    body = (await admin(client, "{ stores(first: 0) { nodes { id } } profiles(last: 250) { nodes { id } } }")).json()
    assert "errors" not in body and body["data"]["stores"]["nodes"] == []
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + 251


async def test_every_list_argument_of_both_schemas_is_bounded(client, world):
    """Input lists (ids to merge or split, origins, event kinds, program rules) hold at most 250
    items, whether sent as variables or written in the document; CLV buckets stay within 2 to 50."""
    merge = "mutation($ids: [ID!]!) { mergeProfiles(input: {profileIds: $ids}) { userErrors { message } } }"
    ids = [to_gid("Profile", n) for n in range(1, 252)]
    refused_before_running(
        await admin(client, merge, {"ids": ids}), "BAD_USER_INPUT", "$ids: a list of 251 items is over the limit of 250"
    )
    literal = (
        "mutation { mergeProfiles(input: {profileIds: ["
        + ", ".join(f'"{i}"' for i in ids)
        + "]}) { userErrors { message } } }"
    )
    refused_before_running(await admin(client, literal), "BAD_USER_INPUT", "a list of 251 items")
    buckets = await admin(client, "{ insights { clvDistribution(buckets: -2000000000) { currencyCode } } }")
    assert field_error(buckets)["extensions"]["code"] == "BAD_USER_INPUT"
    assert field_error(buckets)["message"] == "buckets must be between 2 and 50"


# -- (13) over-long and invalid values ------------------------------------------------------------


async def test_over_long_segment_and_tier_arguments_are_refused_as_bad_input_not_server_errors(client, world):
    segment = "query($s: String) { members(first: 5, segment: $s) { nodes { id } } }"
    for length in (33, 5000):
        body = (await admin(client, segment, {"s": "x" * length})).json()
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes and codes <= {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, body
    for query in (
        "query($s: String) { members(first: 5, tier: $s) { nodes { id } } }",
        "query($s: String) { customers(first: 5, search: $s) { nodes { id } } }",
    ):
        body = (await admin(client, query, {"s": "y" * 5000})).json()
        assert all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in body.get("errors", [])), body
    tier = (
        await admin(client, "query($s: String) { members(first: 5, tier: $s) { nodes { id } } }", {"s": "y" * 5000})
    ).json()
    assert tier["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "tier" in tier["errors"][0]["message"]
    assert "y" * 100 not in str(tier)
    huge = await admin(
        client, "query($s: String) { members(first: 5, search: $s) { nodes { id } } }", {"s": "z" * 20_000}
    )
    refused_before_running(huge, "BAD_USER_INPUT", "$s: a string of 20000 characters is over the limit of 10000")
    literal = '{ members(first: 5, search: "' + "z" * 20_000 + '") { nodes { id } } }'
    refused_before_running(await admin(client, literal), "BAD_USER_INPUT", "a string of 20000 characters")


async def test_a_value_error_or_validation_error_in_any_resolver_is_bad_input_not_internal():
    from schema.core.limits import ApiSchema, Limits, extensions

    @strawberry.type
    class Query:
        @strawberry.field
        def parsed(self) -> int:
            return int("not a number, from /srv/secret/path")

        @strawberry.field
        def stored(self, name: str) -> int:
            raise ValidationError(f"name: Length of '{name}' {len(name)} > 64")

        @strawberry.field
        def bug(self) -> int:
            raise RuntimeError("a real bug")

    schema = ApiSchema(Query, extensions=extensions(Limits()))
    parsed = [e.formatted for e in (await schema.execute("{ parsed }")).errors]
    assert parsed == [
        {
            "message": "a value in the request is not valid",
            "locations": [{"line": 1, "column": 3}],
            "path": ["parsed"],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
    stored = (await schema.execute('{ stored(name: "%s") }' % ("n" * 70))).errors[0].formatted
    assert stored["message"] == "the value given for name is too long (70 characters; at most 64)"
    assert stored["extensions"] == {"code": "BAD_USER_INPUT"}
    bug = (await schema.execute("{ bug }")).errors[0].formatted
    assert bug["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


# -- (14) caching and ambiguous documents ---------------------------------------------------------


async def test_admin_answers_are_never_kept_by_a_browser_or_shared_cache(client, world):
    token = {"Authorization": f"Bearer {_session_token()}"}
    got = await client.get("/graphql/admin", params={"query": "{ merchant { name } }"}, headers=token)
    assert data(got)["merchant"]["name"] == "Northwind Records"
    assert got.headers["cache-control"] == "private, no-store"
    posted = await admin(client, "{ merchant { name } }")
    assert posted.headers["cache-control"] == "private, no-store"
    anonymous = await client.get("/graphql/admin", params={"query": "{ merchant { name } }"})
    assert anonymous.status_code == 401 and anonymous.headers["cache-control"] == "private, no-store"
    shop = await client.get(
        "/graphql/storefront",
        params={"query": "{ shop { name } }"},
        headers={"X-Rapport-Store-Key": world.shopify.public_key},
    )
    assert shop.headers["cache-control"] == "public, max-age=60"
    assert "X-Rapport-Store-Key" in shop.headers["vary"] and "X-Rapport-Shopper-Token" in shop.headers["vary"]


async def test_a_document_of_several_operations_without_operation_name_runs_none(client, world):
    document = "query First { merchant { name } } query Second { stores(first: 1) { nodes { id } } }"
    modern = await admin(client, document, headers={"Accept": GQL_RESPONSE})
    assert modern.status_code == 400
    refused_before_running(modern, "BAD_REQUEST", "several operations: name the one to run in operationName")
    refused_before_running(await admin(client, document), "BAD_REQUEST", "operationName")
    named = await client.post(
        "/graphql/admin",
        json={"query": document, "operationName": "Second"},
        headers={"Authorization": f"Bearer {_session_token()}"},
    )
    assert list(data(named)) == ["stores"]
    both = "query A { shop { name } } query B { program { currencyCode } }"
    got = await client.get(
        "/graphql/storefront", params={"query": both}, headers={"X-Rapport-Store-Key": world.shopify.public_key}
    )
    refused_before_running(got, "BAD_REQUEST", "operationName")


# -- (12) session tokens --------------------------------------------------------------------------


def _session_token(drop: str | None = None, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": uuid.uuid4().hex,
        "sid": "s1",
        **overrides,
    }
    claims.pop(drop, None)
    return jwt.encode(claims, APP_SECRET, algorithm="HS256")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iss", "dest", "aud"])
async def test_a_session_token_missing_a_required_claim_is_refused(client, world, claim):
    assert data(await admin(client, "{ merchant { name } }", token=_session_token()))["merchant"]
    response = await admin(client, "{ merchant { name } }", token=_session_token(drop=claim))
    body = response.json()
    assert response.status_code == 401 and "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == "the Shopify session token is not valid"


# -- (15) app proxy -------------------------------------------------------------------------------


async def test_an_app_proxy_request_naming_two_shoppers_is_refused_though_signed(client, world):
    honest = proxy_params(world.shopper.platform_id)
    signed_in = data(await client.post("/graphql/storefront", params=honest, json={"query": ME}))
    assert signed_in["me"]["email"] == world.shopper.email

    params = [
        ("shop", SHOP),
        ("path_prefix", "/apps/rapport"),
        ("timestamp", str(int(time.time()))),
        ("logged_in_customer_id", world.other_shopper.platform_id),
        ("logged_in_customer_id", world.shopper.platform_id),
    ]
    params.append(("signature", signature(params, APP_SECRET)))  # Shopify signs them comma-joined
    response = await client.post("/graphql/storefront", params=params, json={"query": ME})
    body = response.json()
    assert response.status_code == 401 and "data" not in body, body
    assert body["errors"][0]["message"] == "the app proxy request repeats logged_in_customer_id"
    for repeated in ("shop", "timestamp", "path_prefix"):
        twice = [*honest.items(), (repeated, honest[repeated])]
        response = await client.post("/graphql/storefront", params=twice, json={"query": ME})
        assert response.status_code == 401 and repeated in response.json()["errors"][0]["message"]
