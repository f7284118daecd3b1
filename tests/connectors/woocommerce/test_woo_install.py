"""Authorization: only a callback carrying a state we signed, unexpired, with read_write keys is kept."""

from __future__ import annotations

import httpx
import pytest

from connectors.woocommerce import install
from store.models import InstallState, Merchant, Store
from tests.support.servers import SECRET

pytestmark = pytest.mark.db


def test_a_state_names_its_store_and_merchant_and_forged_or_expired_states_are_refused():
    state = install.sign_state(SECRET, 7, 3, now=1_000)
    assert install.read_state(SECRET, state, now=1_100) == (7, 3)
    store, merchant, expires, mac = state.split(".")
    for forged in (f"8.{merchant}.{expires}.{mac}", f"{store}.{merchant}.{int(expires) + 10}.{mac}", "x", ""):
        with pytest.raises(install.AuthorizationError):
            install.read_state(SECRET, forged, now=1_100)
    with pytest.raises(install.AuthorizationError, match="expired"):
        install.read_state(SECRET, state, now=1_000 + install.STATE_TTL_SECONDS + 1)
    with pytest.raises(install.AuthorizationError):
        install.read_state("another-secret-" + "y" * 32, state, now=1_100)


def test_site_urls_are_normalised_and_non_web_urls_refused():
    assert install.normalize_site(" Shop.Example.com/ ") == "https://shop.example.com"
    assert install.normalize_site("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    with pytest.raises(install.AuthorizationError):
        install.normalize_site("ftp://shop.example.com")


async def test_a_new_site_gets_a_merchant_of_its_own_and_is_sent_to_the_grant_page(rapport):
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{rapport.url}/connect/woocommerce", params={"site": "shop.example.com"})
    assert answer.status_code == 302
    location = httpx.URL(answer.headers["location"])
    assert str(location).startswith("https://shop.example.com/wc-auth/v1/authorize?")
    assert location.params["scope"] == "read_write" and location.params["app_name"] == "Rapport"
    assert location.params["callback_url"] == f"{rapport.url}/auth/woocommerce/callback"
    store = await Store.get(domain="https://shop.example.com")
    assert store.install_state == InstallState.PENDING and store.consumer_key is None
    assert install.read_state(SECRET, location.params["user_id"]) == (store.id, store.merchant_id)
    assert (await Merchant.get(id=store.merchant_id)).name == "shop.example.com"


async def test_a_forged_callback_or_read_only_keys_are_refused_and_nothing_is_stored(rapport):
    store = await install.begin("https://shop.example.com")
    good = install.sign_state(SECRET, store.id, store.merchant_id)
    keys = {"key_id": 1, "consumer_key": "ck_" + "a" * 40, "consumer_secret": "cs_" + "b" * 40}
    async with httpx.AsyncClient(base_url=rapport.url) as client:
        forged = await client.post("/auth/woocommerce/callback", json={
            **keys, "user_id": install.sign_state("not-our-secret-" + "z" * 32, store.id, store.merchant_id),
            "key_permissions": "read_write"})
        read_only = await client.post("/auth/woocommerce/callback",
                                      json={**keys, "user_id": good, "key_permissions": "read"})
        garbage = await client.post("/auth/woocommerce/callback", content=b"not json")
    assert [r.status_code for r in (forged, read_only, garbage)] == [400, 400, 400]
    store = await Store.get(id=store.id)
    assert store.consumer_key is None and store.install_state == InstallState.PENDING


async def test_a_denied_grant_leaves_the_store_without_keys(rapport, site, site_state):
    async with httpx.AsyncClient() as client:
        start = await client.get(f"{rapport.url}/connect/woocommerce", params={"site": site})
        denied = await client.get(start.headers["location"] + "&deny=1")
    assert denied.status_code == 302 and "success=0" in denied.headers["location"]
    assert (await Store.get(domain=site)).consumer_key is None
    assert not site_state.api_keys
