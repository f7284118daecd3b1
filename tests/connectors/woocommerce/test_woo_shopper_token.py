"""A connected site's server mints a shopper token for its own customer with a signed request,
and nothing else gets one: not a wrong signature, another store's secret or customer, a replay,
an old request, an unknown user, a store not connected, or a malformed body."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime

import httpx
import pytest

from app.auth import api_keys, site_requests
from app.auth.shopper_tokens import ShopperTokens
from store.models import Customer, InstallState, Merchant, Platform, Store
from tests.support.servers import SECRET

pytestmark = pytest.mark.db
ENDPOINT = "/woocommerce/shopper-token"


async def woo_store(name: str, *, installed: bool = True) -> Store:
    merchant = await Merchant.create(name=name)
    return await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain=f"https://{name.lower()}.example",
        name=name,
        public_key=f"pk_{secrets.token_hex(8)}",
        webhook_secret="w",
        install_state=InstallState.INSTALLED if installed else InstallState.PENDING,
    )


async def customer(store: Store, platform_id: str) -> Customer:
    return await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id=platform_id,
        email=f"c{platform_id}@example.com",
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )


def signed(
    store_id: int, user: object, *, secret: str | None = None, issued_at: int | None = None, nonce: str | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "store": store_id,
            "customer": user,
            "issued_at": int(time.time()) if issued_at is None else issued_at,
            "nonce": nonce or secrets.token_hex(16),
        }
    ).encode()
    key = secret if secret is not None else site_requests.site_secret(SECRET, store_id)
    return body, {"content-type": "application/json", "x-rapport-signature": site_requests.sign(key, body)}


async def post(rapport, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{rapport.url}{ENDPOINT}", content=body, headers=headers)


async def test_a_signed_request_gets_a_token_for_that_wordpress_users_customer(rapport):
    store = await woo_store("Northwind")
    shopper = await customer(store, "42")
    answer = await post(rapport, *signed(store.id, 42))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert ShopperTokens(SECRET).verify(answer.json()["token"], store.id) == shopper.id
    assert datetime.fromisoformat(answer.json()["expires_at"]) > datetime.now(UTC)


async def test_the_connect_answer_hands_the_merchant_the_site_secret_and_public_key(rapport):
    merchant = await Merchant.create(name="Northwind")
    key = (await api_keys.issue(merchant.id, "plugin")).secret
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{rapport.url}/connect/woocommerce",
            params={"site": "http://127.0.0.1:9"},
            headers={"Authorization": f"Bearer {key}"},
        )
        redirect = await client.get(
            f"{rapport.url}/connect/woocommerce",
            params={"site": "http://127.0.0.1:9"},
            headers={"Authorization": f"Bearer {key}"},
        )
    store = await Store.get(domain="http://127.0.0.1:9")
    assert answer.json()["site_secret"] == site_requests.site_secret(SECRET, store.id)
    assert answer.json()["public_key"] == store.public_key
    assert (
        "site_secret" not in redirect.headers["location"]
        and site_requests.site_secret(SECRET, store.id) not in redirect.text
    )


async def test_a_wrong_or_missing_signature_is_refused(rapport):
    store = await woo_store("Northwind")
    await customer(store, "42")
    body, headers = signed(store.id, 42, secret="not-the-site-secret")
    assert (await post(rapport, body, headers)).status_code == 401
    body, headers = signed(store.id, 42)
    tampered = body.replace(b'"customer": 42', b'"customer": 43')
    assert (await post(rapport, tampered, headers)).status_code == 401
    del headers["x-rapport-signature"]
    answer = await post(rapport, body, headers)
    assert answer.status_code == 401 and "not signed" in answer.json()["error"]


async def test_one_stores_secret_cannot_mint_for_another_store_nor_reach_its_customers(rapport):
    ours, theirs = await woo_store("Northwind"), await woo_store("Contoso")
    await customer(theirs, "7")
    body, headers = signed(theirs.id, 7, secret=site_requests.site_secret(SECRET, ours.id))
    assert (await post(rapport, body, headers)).status_code == 401
    answer = await post(rapport, *signed(ours.id, 7))
    assert answer.status_code == 404 and "no customer 7" in answer.json()["error"]


async def test_a_replayed_request_is_refused_the_second_time(rapport):
    store = await woo_store("Northwind")
    await customer(store, "42")
    body, headers = signed(store.id, 42)
    assert (await post(rapport, body, headers)).status_code == 200
    again = await post(rapport, body, headers)
    assert again.status_code == 401 and "replay" in again.json()["error"]


async def test_a_request_signed_outside_the_five_minute_window_is_refused(rapport):
    store = await woo_store("Northwind")
    await customer(store, "42")
    for skew in (-site_requests.WINDOW_SECONDS - 5, site_requests.WINDOW_SECONDS + 5):
        answer = await post(rapport, *signed(store.id, 42, issued_at=int(time.time()) + skew))
        assert answer.status_code == 401 and "clock" in answer.json()["error"]


async def test_an_unknown_user_a_guest_and_a_store_not_connected_get_no_token(rapport):
    store, pending = await woo_store("Northwind"), await woo_store("Pending", installed=False)
    await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id="5",
        is_guest=True,
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )
    await customer(pending, "42")
    assert (await post(rapport, *signed(store.id, 999))).status_code == 404
    assert (await post(rapport, *signed(store.id, 5))).status_code == 404
    assert (await post(rapport, *signed(pending.id, 42))).status_code == 403
    assert (await post(rapport, *signed(987654, 42))).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"not json",
        b'{"store": "1", "customer": 1, "issued_at": 1, "nonce": "a"}',
        b'{"store": 1, "customer": "x1", "issued_at": 1, "nonce": "abcdefabcdefabcdef"}',
        b'{"store": 1, "customer": 1, "issued_at": 1, "nonce": "short"}',
        b'{"store": 1, "customer": 1, "issued_at": "now", "nonce": "abcdefabcdefabcdef"}',
    ],
)
async def test_a_malformed_body_is_a_400_that_says_what_is_wrong(rapport, body):
    answer = await post(rapport, body, {"x-rapport-signature": "00"})
    assert answer.status_code == 400 and answer.json()["error"]


async def test_a_body_past_two_kilobytes_is_refused_unread(rapport):
    answer = await post(rapport, b"{" + b" " * 4096 + b"}", {"x-rapport-signature": "00"})
    assert answer.status_code == 413
