"""Install: OAuth with a signed query and a state nonce, embedded token exchange, token refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.shopify.oauth import valid_shop
from sandbox.shopify.oauth import install_query, make_session_token, sign_query
from store.models import InstallState, Job, Merchant, Store
from tests.connectors.shopify.support import API_KEY, API_SECRET, connector

pytestmark = pytest.mark.db


def test_only_myshopify_domains_are_shops():
    assert valid_shop("northwind.myshopify.com") == "northwind.myshopify.com"
    for bad in (
        "evil.com",
        "northwind.myshopify.com.evil.com",
        "https://northwind.myshopify.com",
        "",
        None,
        "NorthWind.myshopify.com",
        "a/b.myshopify.com",
    ):
        assert valid_shop(bad) is None


async def test_a_tampered_or_stale_install_request_is_refused(shop, rapport):
    domain = shop.settings.shop_domain
    async with httpx.AsyncClient() as browser:
        query = install_query(domain, API_SECRET)
        answer = await browser.get(f"{rapport.url}/shopify/install", params={**query, "shop": "other.myshopify.com"})
        assert answer.status_code == 401
        stale = install_query(domain, API_SECRET, timestamp=int(datetime.now().timestamp()) - 2 * 86400)
        assert (await browser.get(f"{rapport.url}/shopify/install", params=stale)).status_code == 401
        fine = await browser.get(f"{rapport.url}/shopify/install", params=query)
    assert fine.status_code == 302 and fine.headers["location"].startswith(
        f"{rapport.settings.shopify_base_url}/admin/oauth/authorize?"
    )
    assert "client_id=" + API_KEY in fine.headers["location"] and "state=" in fine.headers["location"]


async def test_a_callback_without_this_browsers_state_nonce_installs_nothing(shop, rapport):
    domain = shop.settings.shop_domain
    callback = {
        "code": "whatever",
        "host": "x",
        "shop": domain,
        "state": "guessed",
        "timestamp": str(int(datetime.now().timestamp())),
    }
    callback["hmac"] = sign_query(callback, API_SECRET)
    async with httpx.AsyncClient() as browser:
        await browser.get(f"{rapport.url}/shopify/install", params=install_query(domain, API_SECRET))  # a real nonce
        answer = await browser.get(f"{rapport.url}/shopify/callback", params=callback)
    assert answer.status_code == 403 and "state" in answer.text
    assert not await Store.exists()


async def test_an_install_that_did_not_grant_every_scope_is_refused(shop, rapport):
    shop.settings.granted_scopes = ("read_orders",)
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        answer = await browser.get(
            f"{rapport.url}/shopify/install", params=install_query(shop.settings.shop_domain, API_SECRET)
        )
    assert answer.status_code == 403 and "read_customers" in answer.text
    assert not await Store.exists() and not await Job.exists()


async def test_the_embedded_admin_exchanges_a_session_token_for_an_offline_token_once(shop, rapport):
    domain = shop.settings.shop_domain
    async with httpx.AsyncClient() as client:
        forged = make_session_token(API_KEY, "wrong-secret", domain)
        assert (
            await client.post(f"{rapport.url}/shopify/session", headers={"Authorization": f"Bearer {forged}"})
        ).status_code == 401
        for _ in range(2):
            token = make_session_token(API_KEY, API_SECRET, domain)
            answer = await client.post(f"{rapport.url}/shopify/session", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200 and answer.json()["installed"] is True
    store = await Store.get(domain=domain)
    assert store.install_state == InstallState.INSTALLED and store.refresh_token is not None
    assert await Merchant.all().count() == 1
    assert await Job.filter(function="backfill_store").count() == 1
    issued = [t for t in shop.tokens.access.values() if not t.revoked]
    assert len(issued) == 1  # the second visit found the store installed and exchanged nothing


async def test_a_token_about_to_expire_is_refreshed_before_the_call_and_the_rotation_is_kept(shop, shop_url, rapport):
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        await browser.get(f"{rapport.url}/shopify/install", params=install_query(shop.settings.shop_domain, API_SECRET))
    store = await Store.get(domain=shop.settings.shop_domain)
    old_token, old_refresh = str(store.access_token), str(store.refresh_token)
    store.token_expires_at = datetime.now(UTC) + timedelta(minutes=1)
    await store.save(update_fields=["token_expires_at"])
    async with connector(shop_url).client(store) as gql:
        assert (await gql.execute("query { shop { name } }"))["shop"]["name"] == shop.settings.shop_name
    fresh = await Store.get(id=store.id)
    assert str(fresh.access_token) != old_token and str(fresh.refresh_token) != old_refresh
    assert fresh.token_expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert shop.tokens.refresh[old_refresh].revoked_at is not None
