"""The Shopify simulator's OAuth: signed queries, the grant redirect and the token endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import (
    ShopState,
    create_app,
    install_query,
    make_session_token,
    sign_query,
    verify_query,
)

KEY, SECRET = "test-key", "test-secret"
GRAPHQL = "/admin/api/2026-10/graphql.json"
SHOP_QUERY = {"query": "{ shop { name myshopifyDomain } }"}
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


@pytest.fixture
def state() -> ShopState:
    return ShopState.from_dataset("sample", 7, api_key=KEY, api_secret=SECRET)


@pytest.fixture
def client(state: ShopState) -> Iterator[httpx.Client]:
    with serve(create_app(state)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c


def _authorize(client: httpx.Client, **extra: str) -> dict[str, str]:
    params = {
        "client_id": KEY,
        "scope": "read_orders,read_customers,read_products,write_discounts",
        "redirect_uri": "https://app.example/shopify/callback",
        "state": "n0nce42",
        **extra,
    }
    response = client.get("/admin/oauth/authorize", params=params)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == params["redirect_uri"]
    return dict(parse_qsl(location.query))


def _token(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/admin/oauth/access_token", data={"client_id": KEY, "client_secret": SECRET, **form})


def test_query_hmac_matches_the_platform_fact_sheet_vector():
    params = {
        "code": "abc123",
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtby1zaG9w",
        "shop": "demo-shop.myshopify.com",
        "state": "n0nce42",
        "timestamp": "1763900000",
    }
    expected = "c6ed3079890347d582f8b1acb124cf41bc5c592293c4e742f7f2fe1752903e4f"
    assert sign_query(params, "test_secret") == expected
    assert verify_query({**params, "hmac": expected}, "test_secret")
    assert not verify_query({**params, "hmac": expected, "state": "other"}, "test_secret")


def test_install_query_carries_shop_timestamp_host_and_a_valid_hmac():
    query = install_query("northwind.myshopify.com", SECRET, timestamp=1763900000)
    assert set(query) == {"shop", "timestamp", "host", "hmac"}
    assert query["timestamp"] == "1763900000"
    assert verify_query(query, SECRET)
    assert not verify_query(query, "another-secret")


def test_grant_redirect_echoes_state_and_is_signed_with_the_app_secret(client: httpx.Client):
    callback = _authorize(client)
    assert set(callback) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert callback["state"] == "n0nce42"
    assert callback["shop"] == "northwind.myshopify.com"
    assert verify_query(callback, SECRET)


def test_grant_screen_rejects_an_unknown_client_id(client: httpx.Client):
    response = client.get(
        "/admin/oauth/authorize",
        params={
            "client_id": "nope",
            "scope": "read_orders",
            "redirect_uri": "https://a.example/cb",
        },
    )
    assert response.status_code == 400


def test_code_grant_accepts_form_and_json_and_each_code_works_once(client: httpx.Client):
    form_code = _authorize(client)["code"]
    first = _token(client, code=form_code)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "scope"}
    assert body["access_token"].startswith("shpat_")
    assert body["scope"] == "read_orders,read_customers,read_products,write_discounts"
    again = _token(client, code=form_code)
    assert again.status_code == 400
    json_code = _authorize(client)["code"]
    by_json = client.post(
        "/admin/oauth/access_token",
        json={"client_id": KEY, "client_secret": SECRET, "code": json_code},
    )
    assert by_json.status_code == 200
    token = by_json.json()["access_token"]
    shop = client.post(GRAPHQL, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": token})
    assert shop.json()["data"]["shop"]["myshopifyDomain"] == "northwind.myshopify.com"


def test_wrong_client_secret_is_refused(client: httpx.Client):
    code = _authorize(client)["code"]
    response = client.post("/admin/oauth/access_token", data={"client_id": KEY, "client_secret": "wrong", "code": code})
    assert response.status_code == 401


def test_expiring_token_expires_and_refresh_rotates_both_tokens(client: httpx.Client, state: ShopState):
    code = _authorize(client)["code"]
    body = _token(client, code=code, expiring="1").json()
    assert body["expires_in"] == 3600
    assert body["refresh_token"].startswith("shprt_")
    assert body["refresh_token_expires_in"] == 7_776_000
    old_access, old_refresh = body["access_token"], body["refresh_token"]

    rotated = _token(client, grant_type="refresh_token", refresh_token=old_refresh)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["access_token"] != old_access and new["refresh_token"] != old_refresh
    assert set(new) == {
        "access_token",
        "scope",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    }

    replay = _token(client, grant_type="refresh_token", refresh_token=old_refresh)
    assert replay.status_code == 401
    assert "error" in replay.json()
    unknown = _token(client, grant_type="refresh_token", refresh_token="shprt_unknown")
    assert unknown.status_code == 401

    # the old access token lives until its own expiry
    headers = {"X-Shopify-Access-Token": old_access}
    assert client.post(GRAPHQL, json=SHOP_QUERY, headers=headers).status_code == 200
    state.advance(3601)
    expired = client.post(GRAPHQL, json=SHOP_QUERY, headers=headers)
    assert expired.status_code == 401
    assert expired.json() == INVALID_TOKEN
    # the rotated refresh token still works after the access tokens expired
    assert _token(client, grant_type="refresh_token", refresh_token=new["refresh_token"]).status_code == 200


def test_online_token_comes_with_the_associated_user(client: httpx.Client):
    code = _authorize(client, **{"grant_options[]": "per-user"})["code"]
    body = _token(client, code=code).json()
    assert body["access_token"].startswith("shpua_")
    assert body["expires_in"] == 86399
    assert body["associated_user"]["account_owner"] is True
    assert body["associated_user_scope"] == body["scope"]


def test_token_exchange_takes_a_valid_session_token_and_refuses_bad_ones(client: httpx.Client, state: ShopState):
    shop = state.settings.shop_domain
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        "expiring": "1",
    }
    good = make_session_token(KEY, SECRET, shop, now=state.now())
    response = _token(client, subject_token=good, **form)
    assert response.status_code == 200
    assert response.json()["refresh_token"].startswith("shprt_")

    bad_signature = make_session_token(KEY, "other-secret", shop, now=state.now())
    wrong_audience = make_session_token("other-key", SECRET, shop, now=state.now())
    other_shop = make_session_token(KEY, SECRET, "elsewhere.myshopify.com", now=state.now())
    stale = make_session_token(KEY, SECRET, shop, now=state.now(), ttl=60)
    state.advance(120)
    stale_answer = _token(client, subject_token=stale, **form)
    for token in (bad_signature, wrong_audience, other_shop, "not.a.jwt"):
        assert _token(client, subject_token=token, **form).status_code == 400
    assert stale_answer.status_code == 400


def test_a_non_expiring_token_migrates_once_to_an_expiring_one(client: httpx.Client):
    code = _authorize(client)["code"]
    legacy = _token(client, code=code).json()["access_token"]
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": legacy,
        "subject_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        "expiring": "1",
    }
    migrated = _token(client, **form)
    assert migrated.status_code == 200 and "refresh_token" in migrated.json()
    assert client.post(GRAPHQL, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": legacy}).status_code == 401
    assert _token(client, **form).status_code == 400


def test_merchant_may_grant_fewer_scopes_than_asked(client: httpx.Client, state: ShopState):
    state.settings.granted_scopes = ("read_orders",)
    code = _authorize(client)["code"]
    body = _token(client, code=code).json()
    assert body["scope"] == "read_orders"
    denied = client.post(
        GRAPHQL,
        json={"query": "{ customers(first: 1) { nodes { id } } }"},
        headers={"X-Shopify-Access-Token": body["access_token"]},
    )
    assert denied.status_code == 200
    error = denied.json()["errors"][0]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_customers" in error["message"]
