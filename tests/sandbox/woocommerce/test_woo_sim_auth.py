"""WooCommerce simulator: REST authentication over real HTTP and HTTPS.

The ``woocommerce`` client signs OAuth 1.0a over ``http://`` and sends Basic auth over
``https://``; the simulator must accept both exactly like ``WC_REST_Authentication`` and
reject the rest with WooCommerce's codes and messages.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from woocommerce import API
from woocommerce.oauth import OAuth

from sandbox.woocommerce import WooState, serve_simulator

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


@pytest.fixture(scope="module")
def http_url(state: WooState) -> Iterator[str]:
    with serve_simulator(state) as url:
        yield url


@pytest.fixture(scope="module")
def https_url(state: WooState) -> Iterator[str]:
    with serve_simulator(state, tls=True) as url:
        yield url
        gc.collect()  # drop requests' pooled TLS sockets so the server can stop at once


def wc_get(url: str, ck: str, cs: str, endpoint: str, **kwargs) -> tuple[int, Any, Any]:
    """One call through the ``woocommerce`` client; returns (status, json, headers)."""
    api = API(url, ck, cs, version="wc/v3", verify_ssl=False, timeout=10, **kwargs.pop("api", {}))
    response = api.get(endpoint, **kwargs)
    try:
        return response.status_code, response.json(), response.headers
    finally:
        response.close()


def oauth_url(
    base: str,
    path: str,
    ck: str,
    cs: str,
    *,
    timestamp: int | None = None,
    params: dict | None = None,
) -> str:
    url = f"{base}/wp-json/wc/v3/{path}"
    if params:
        url += "?" + urlencode(params)
    return OAuth(
        url=url,
        consumer_key=ck,
        consumer_secret=cs,
        version="wc/v3",
        method="GET",
        oauth_timestamp=timestamp if timestamp is not None else int(time.time()),
    ).get_oauth_url()


def sha1_signed_params(method: str, url: str, params: dict[str, str], secret: str) -> dict[str, str]:
    """HMAC-SHA1 OAuth parameters computed here from RFC 5849 (independent of the simulator)."""

    def enc(s: str) -> str:
        return quote(s, safe="-_.~")

    pairs = sorted((enc(k), enc(v)) for k, v in params.items())
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method, enc(url), enc(normalized)])
    digest = hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha1).digest()
    return {**params, "oauth_signature": base64.b64encode(digest).decode()}


def test_oauth1_over_http_with_the_woocommerce_client(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    status, body, headers = wc_get(
        http_url, key.consumer_key, key.consumer_secret, "orders", params={"per_page": 5, "page": 2}
    )
    assert status == 200
    assert len(body) == 5
    assert headers["X-WP-Total"] == str(state.counts()["orders"])


def test_basic_auth_over_https_with_the_woocommerce_client(state: WooState, https_url: str) -> None:
    key = state.create_api_key("read_write")
    status, body, _ = wc_get(https_url, key.consumer_key, key.consumer_secret, "customers", params={"per_page": 3})
    assert status == 200
    assert [c["role"] for c in body] == ["customer"] * 3


def test_query_string_credentials_over_https(state: WooState, https_url: str) -> None:
    key = state.create_api_key("read")
    status, body, _ = wc_get(
        https_url,
        key.consumer_key,
        key.consumer_secret,
        "products",
        params={"per_page": 2},
        api={"query_string_auth": True},
    )
    assert status == 200 and len(body) == 2


def test_wrong_secret_over_https_is_consumer_secret_invalid(state: WooState, https_url: str) -> None:
    key = state.create_api_key("read")
    status, body, headers = wc_get(https_url, key.consumer_key, "cs_" + "0" * 40, "orders")
    assert status == 401
    assert body == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Consumer secret is invalid.",
        "data": {"status": 401},
    }


def test_wrong_secret_over_http_is_a_signature_mismatch(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    status, body, _ = wc_get(http_url, key.consumer_key, "cs_" + "1" * 40, "orders")
    assert status == 401
    assert body["code"] == "woocommerce_rest_authentication_error"
    assert body["message"] == "Invalid signature - provided signature does not match."


def test_unknown_key_over_http_is_consumer_key_invalid(http_url: str) -> None:
    status, body, _ = wc_get(http_url, "ck_" + "2" * 40, "cs_" + "2" * 40, "orders")
    assert (status, body["message"]) == (401, "Consumer key is invalid.")


def test_unknown_key_over_https_basic_stays_anonymous(https_url: str) -> None:
    status, body, _ = wc_get(https_url, "ck_" + "3" * 40, "cs_" + "3" * 40, "orders")
    assert status == 401
    assert body == {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }


async def test_basic_auth_over_plain_http_is_ignored(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    async with httpx.AsyncClient() as client:
        many = await client.get(f"{http_url}/wp-json/wc/v3/orders", auth=(key.consumer_key, key.consumer_secret))
        one = await client.get(f"{http_url}/wp-json/wc/v3/orders/1001", auth=(key.consumer_key, key.consumer_secret))
    assert many.status_code == 401
    assert many.json()["code"] == "woocommerce_rest_cannot_view"
    assert one.json()["message"] == "Sorry, you cannot view this resource."


async def test_replayed_nonce_is_rejected(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    url = oauth_url(http_url, "orders", key.consumer_key, key.consumer_secret, params={"per_page": 1})
    async with httpx.AsyncClient() as client:
        first = await client.get(url)
        again = await client.get(url)
    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json()["message"] == "Invalid nonce - nonce has already been used."


async def test_stale_and_future_timestamps_are_rejected(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    now = int(time.time())
    async with httpx.AsyncClient() as client:
        stale = await client.get(
            oauth_url(http_url, "orders", key.consumer_key, key.consumer_secret, timestamp=now - 16 * 60)
        )
        future = await client.get(
            oauth_url(http_url, "orders", key.consumer_key, key.consumer_secret, timestamp=now + 16 * 60)
        )
        inside = await client.get(
            oauth_url(http_url, "orders", key.consumer_key, key.consumer_secret, timestamp=now - 14 * 60)
        )
    assert stale.status_code == future.status_code == 401
    assert stale.json()["message"] == future.json()["message"] == "Invalid timestamp."
    assert inside.status_code == 200


async def test_missing_oauth_parameters(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{http_url}/wp-json/wc/v3/orders", params={"oauth_consumer_key": key.consumer_key})
    assert r.status_code == 401
    assert r.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert r.json()["message"] == (
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, oauth_signature_method"
    )


async def test_hmac_sha1_in_query_and_in_authorization_header(state: WooState, http_url: str) -> None:
    key = state.create_api_key("read")
    url = f"{http_url}/wp-json/wc/v3/orders"
    async with httpx.AsyncClient() as client:
        signed = sha1_signed_params(
            "GET",
            url,
            {
                "per_page": "2",
                "oauth_consumer_key": key.consumer_key,
                "oauth_timestamp": str(int(time.time())),
                "oauth_nonce": "nonce-query-1",
                "oauth_signature_method": "HMAC-SHA1",
            },
            key.consumer_secret,
        )
        in_query = await client.get(url, params=signed)
        oauth = sha1_signed_params(
            "GET",
            url,
            {
                "oauth_consumer_key": key.consumer_key,
                "oauth_timestamp": str(int(time.time())),
                "oauth_nonce": "nonce-header-1",
                "oauth_signature_method": "HMAC-SHA1",
            },
            key.consumer_secret,
        )
        header = "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in oauth.items())
        in_header = await client.get(url, headers={"Authorization": header})
    assert in_query.status_code == 200 and len(in_query.json()) == 2
    assert in_header.status_code == 200


async def test_key_permissions_read_versus_write(state: WooState, https_url: str) -> None:
    reader = state.create_api_key("read")
    writer = state.create_api_key("write")
    async with httpx.AsyncClient(verify=False) as client:
        post = await client.post(
            f"{https_url}/wp-json/wc/v3/coupons",
            json={"code": "nope", "amount": "5"},
            auth=(reader.consumer_key, reader.consumer_secret),
        )
        get = await client.get(f"{https_url}/wp-json/wc/v3/orders", auth=(writer.consumer_key, writer.consumer_secret))
    assert post.status_code == 401
    assert post.json()["message"] == "The API key provided does not have write permissions."
    assert get.status_code == 401
    assert get.json()["message"] == "The API key provided does not have read permissions."


async def test_unknown_route_and_unknown_id(state: WooState, https_url: str) -> None:
    key = state.create_api_key("read")
    auth = (key.consumer_key, key.consumer_secret)
    async with httpx.AsyncClient(verify=False, auth=auth) as client:
        route = await client.get(f"{https_url}/wp-json/wc/v3/nothing-here")
        order = await client.get(f"{https_url}/wp-json/wc/v3/orders/999999")
        customer = await client.get(f"{https_url}/wp-json/wc/v3/customers/999999")
    assert route.status_code == 404
    assert route.json() == {
        "code": "rest_no_route",
        "message": "No route was found matching the URL and request method.",
        "data": {"status": 404},
    }
    assert order.status_code == 404
    assert order.json() == {
        "code": "woocommerce_rest_shop_order_invalid_id",
        "message": "Invalid ID.",
        "data": {"status": 404},
    }
    assert customer.json()["code"] == "woocommerce_rest_invalid_id"


def test_writes_through_the_client_over_both_transports(state: WooState, http_url: str, https_url: str) -> None:
    key = state.create_api_key("read_write")
    for n, url in enumerate((http_url, https_url)):
        api = API(
            url,
            key.consumer_key,
            key.consumer_secret,
            version="wc/v3",
            verify_ssl=False,
            timeout=10,
        )
        response = api.post("coupons", {"code": f"Client-{n}", "discount_type": "percent", "amount": "10"})
        assert response.status_code == 201, response.text
        assert response.json()["code"] == f"client-{n}"
        response.close()
