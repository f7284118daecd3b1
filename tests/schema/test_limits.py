"""Depth, alias, token and cost limits refuse an operation before it runs, each with its own code."""

from __future__ import annotations

import pytest

from tests.schema.conftest import admin, app_client, data, storefront

pytestmark = [pytest.mark.db, pytest.mark.reads_only]


def request_error(response, code: str, words: str) -> dict:
    body = response.json()
    assert response.status_code == 200 and "data" not in body, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == code and words in error["message"], error
    return body


async def test_a_query_deeper_than_the_limit_is_refused(client, world):
    deep = (
        "{ profiles(first: 1) { edges { node { customers(first: 1) { edges { node { orders(first: 1) { edges { node { "
        "refunds(first: 1) { edges { node { lines(first: 1) { edges { node { id } } } } } } } } } } } } } } } }"
    )
    request_error(await admin(client, deep), "MAX_DEPTH_EXCEEDED", "exceeds maximum operation depth of 12")


async def test_too_many_aliases_are_refused(client, world):
    aliased = "{ " + " ".join(f"a{i}: shop {{ name }}" for i in range(16)) + " }"
    request_error(
        await storefront(client, world.shopify, aliased), "MAX_ALIASES_EXCEEDED", "16 aliases found. Allowed: 15"
    )


async def test_a_document_over_the_token_limit_is_refused(client, world):
    long = "{ shop { " + " ".join("name" for _ in range(1100)) + " } }"
    request_error(await storefront(client, world.shopify, long), "MAX_TOKENS_EXCEEDED", "more than 1000 tokens")


async def test_cost_is_reported_like_shopify_and_an_expensive_query_is_refused(client, world):
    cheap = (await admin(client, "{ profiles(first: 10) { nodes { id } } }")).json()
    assert cheap["extensions"]["cost"] == {"requestedQueryCost": 11, "actualQueryCost": 11, "maximumQueryCost": 1000}
    few = (await admin(client, '{ profiles(first: 10, search: "no-such-person-xyz") { nodes { id } } }')).json()
    assert few["extensions"]["cost"]["actualQueryCost"] == 1
    costly = "{ profiles(first: 250) { nodes { customers(first: 10) { nodes { id } } } } }"
    body = request_error(await admin(client, costly), "MAX_COST_EXCEEDED", "exceeds the maximum of 1000")
    assert body["extensions"]["cost"]["requestedQueryCost"] == 250 * (1 + 1 + 10) + 1
    assert body["extensions"]["cost"]["actualQueryCost"] is None


async def test_page_size_and_cursor_arguments_are_checked(client, world):
    for query, words in (
        ("{ profiles(first: 251) { nodes { id } } }", "between 0 and 250"),
        ("{ profiles { nodes { id } } }", "exactly one of first or last"),
        ('{ profiles(first: 1, after: "bm9wZQ") { nodes { id } } }', "not a cursor"),
        ('{ profile(id: "gid://rapport/Profile/x") { id } }', "not a Rapport global id"),
        ('{ profile(id: "gid://rapport/Store/1") { id } }', "must be a Profile id"),
    ):
        body = (await admin(client, query)).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and words in body["errors"][0]["message"], (
            body
        )


async def test_field_suggestions_are_off_in_production(client, world):
    body = (await admin(client, "{ merchnt { name } }")).json()
    assert body["errors"][0]["message"] == "Cannot query field 'merchnt' on type 'Query'."
    body = (await storefront(client, world.shopify, "{ shp { name } }")).json()
    assert "Did you mean" not in body["errors"][0]["message"]


async def test_storefront_introspection_can_be_switched_off(database_url, world):
    async with app_client(database_url, storefront_introspection=False) as c:
        hidden = await storefront(c, world.shopify, "{ __schema { types { name } } }")
        request_error(hidden, "INTROSPECTION_DISABLED", "introspection")
        assert data(await admin(c, "{ __schema { queryType { name } } }"))["__schema"]["queryType"]["name"] == "Query"
        assert data(await storefront(c, world.shopify, "{ shop { name } }"))["shop"]["name"] == world.shopify.name


async def test_the_standard_introspection_query_fits_within_the_limits(client, world):
    from graphql import get_introspection_query

    response = await storefront(client, world.shopify, get_introspection_query())
    assert "Query" in {t["name"] for t in data(response)["__schema"]["types"]}


async def test_a_document_validated_once_gets_the_same_verdict_every_time(client, world):
    """Validation results are kept per document text: a refused document stays refused with its
    code, cost (which depends on variables) is still checked per request, and a valid one still runs."""
    deep = (
        "{ profiles(first: 1) { edges { node { customers(first: 1) { edges { node { orders(first: 1) { edges { node { "
        "refunds(first: 1) { edges { node { lines(first: 1) { edges { node { id } } } } } } } } } } } } } } } }"
    )
    for _ in range(3):
        request_error(await admin(client, deep), "MAX_DEPTH_EXCEEDED", "exceeds maximum operation depth of 12")
    paged = "query Page($n: Int!) { profiles(first: $n) { nodes { customers(first: 10) { nodes { id } } } } }"
    for _ in range(2):
        ok = (await admin(client, paged, {"n": 2})).json()
        assert "errors" not in ok and len(ok["data"]["profiles"]["nodes"]) == 2
    request_error(await admin(client, paged, {"n": 250}), "MAX_COST_EXCEEDED", "exceeds the maximum of 1000")


def test_kept_validations_are_bounded_oldest_first():
    from schema.core.limits import Validations

    kept = Validations(size=2)
    for query in ("{ a }", "{ b }", "{ c }"):
        kept.put(query, [])
    assert kept.get("{ a }") is None and kept.get("{ b }") == [] and kept.get("{ c }") == []
