"""Authorization: only a callback carrying a state we signed, unexpired, with read_write keys is kept."""

from __future__ import annotations

import httpx
import pytest

from app.auth import api_keys
from app.settings import Settings
from connectors.core.egress import EgressRefused
from connectors.woocommerce import install
from store.models import InstallState, Merchant, Store
from tests.connectors.woocommerce.conftest import SANDBOX_EGRESS, keyed_store
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
    assert install.normalize_site("http://[::1]:8080/shop/") == "http://[::1]:8080/shop"
    for bad in ("ftp://shop.example.com", "javascript:alert(1)", "https://shop.example.com:99999", "x" * 300):
        with pytest.raises(install.AuthorizationError):
            install.normalize_site(bad)


async def signed_in(name: str = "Northwind Records") -> tuple[Merchant, dict[str, str]]:
    merchant = await Merchant.create(name=name)
    key = (await api_keys.issue(merchant.id, "dashboard")).secret
    return merchant, {"Authorization": f"Bearer {key}"}


async def test_a_signed_in_merchants_new_site_becomes_their_pending_store_and_is_sent_to_the_grant_page(rapport, site):
    merchant, auth = await signed_in()
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{rapport.url}/connect/woocommerce", params={"site": site}, headers=auth)
        posted = await client.post(f"{rapport.url}/connect/woocommerce", params={"site": site}, headers=auth)
    assert answer.status_code == 302
    location = httpx.URL(answer.headers["location"])
    assert str(location).startswith(f"{site}/wc-auth/v1/authorize?")
    assert location.params["scope"] == "read_write" and location.params["app_name"] == "Rapport"
    assert location.params["callback_url"] == f"{rapport.url}/auth/woocommerce/callback"
    store = await Store.get(domain=site)
    assert store.merchant_id == merchant.id
    assert store.install_state == InstallState.PENDING and store.consumer_key is None
    assert install.read_state(SECRET, location.params["user_id"]) == (store.id, merchant.id)
    assert posted.status_code == 200 and posted.json()["store"] == store.id
    assert posted.json()["authorize_url"].startswith(f"{site}/wc-auth/v1/authorize?")
    assert await Merchant.all().count() == 1 and await Store.all().count() == 1


async def test_anonymous_connect_calls_create_no_merchant_and_no_store(rapport, site):
    async with httpx.AsyncClient() as client:
        answers = [
            await client.get(f"{rapport.url}/connect/woocommerce", params={"site": f"{site}/s{n}"}) for n in range(20)
        ]
        bad_key = await client.get(
            f"{rapport.url}/connect/woocommerce",
            params={"site": site},
            headers={"Authorization": "Bearer rpk_000000000000_" + "x" * 43},
        )
    assert {a.status_code for a in answers} == {401} and bad_key.status_code == 401
    assert answers[0].headers["www-authenticate"] == "Bearer"
    assert await Merchant.all().count() == 0 and await Store.all().count() == 0


async def test_rekeying_another_merchants_store_through_connect_and_callback_is_refused(rapport, site, site_state):
    victim = await keyed_store(site_state, site)
    secret_before = victim.webhook_secret
    _, attacker = await signed_in("Mallory")
    keys = {
        "key_id": 9,
        "consumer_key": "ck_" + "m" * 40,
        "consumer_secret": "cs_" + "m" * 40,
        "key_permissions": "read_write",
    }
    async with httpx.AsyncClient(base_url=rapport.url) as client:
        anonymous = await client.get("/connect/woocommerce", params={"site": site})
        other = await client.get("/connect/woocommerce", params={"site": site}, headers=attacker)
        # a state signed for the attacker's own merchant cannot name the victim's store
        mallory = await Merchant.get(name="Mallory")
        crossed = await client.post(
            "/auth/woocommerce/callback", json={**keys, "user_id": install.sign_state(SECRET, victim.id, mallory.id)}
        )
    assert anonymous.status_code == 401
    assert other.status_code == 409 and "another merchant" in other.json()["error"]
    assert "location" not in other.headers
    assert crossed.status_code == 400
    after = await Store.get(id=victim.id)
    assert after.consumer_key == victim.consumer_key and after.webhook_secret == secret_before
    assert after.merchant_id == victim.merchant_id and await Store.all().count() == 1


async def test_the_owner_reconnecting_their_own_store_gets_a_state_for_it(rapport, site, site_state):
    store = await keyed_store(site_state, site)
    key = (await api_keys.issue(store.merchant_id, "dashboard")).secret
    async with httpx.AsyncClient() as client:
        answer = await client.get(
            f"{rapport.url}/connect/woocommerce", params={"site": site}, headers={"X-Rapport-Api-Key": key}
        )
    assert answer.status_code == 302
    state = httpx.URL(answer.headers["location"]).params["user_id"]
    assert install.read_state(SECRET, state) == (store.id, store.merchant_id)


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/internal",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:192.168.0.1]:8080",
        "http://0.0.0.0:6379",
        "javascript:alert(1)",
        "https://" + "a" * 300 + ".example",
    ],
)
async def test_ssrf_sites_at_internal_addresses_are_refused_at_connect_and_nothing_is_created(rapport, target):
    _, auth = await signed_in()
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{rapport.url}/connect/woocommerce", params={"site": target}, headers=auth)
    assert answer.status_code == 400, answer.text
    assert await Store.all().count() == 0


async def test_ssrf_to_loopback_is_refused_by_the_production_defaults(db, site):
    merchant = await Merchant.create(name="Northwind Records")
    with pytest.raises(EgressRefused):
        await install.begin(site.replace("http://", "https://"), merchant_id=merchant.id)
    with pytest.raises(EgressRefused, match="only https"):
        await install.begin(site, merchant_id=merchant.id)
    assert await Store.all().count() == 0
    assert Settings(secret_key=SECRET).allow_site_networks == [] and not Settings(secret_key=SECRET).allow_http_sites


async def test_a_forged_callback_or_read_only_keys_are_refused_and_nothing_is_stored(rapport, site):
    merchant = await Merchant.create(name="Northwind Records")
    store = await install.begin(site, merchant_id=merchant.id, egress=SANDBOX_EGRESS)
    good = install.sign_state(SECRET, store.id, store.merchant_id)
    keys = {"key_id": 1, "consumer_key": "ck_" + "a" * 40, "consumer_secret": "cs_" + "b" * 40}
    async with httpx.AsyncClient(base_url=rapport.url) as client:
        forged = await client.post(
            "/auth/woocommerce/callback",
            json={
                **keys,
                "user_id": install.sign_state("not-our-secret-" + "z" * 32, store.id, store.merchant_id),
                "key_permissions": "read_write",
            },
        )
        read_only = await client.post(
            "/auth/woocommerce/callback", json={**keys, "user_id": good, "key_permissions": "read"}
        )
        garbage = await client.post("/auth/woocommerce/callback", content=b"not json")
    assert [r.status_code for r in (forged, read_only, garbage)] == [400, 400, 400]
    store = await Store.get(id=store.id)
    assert store.consumer_key is None and store.install_state == InstallState.PENDING


async def test_a_denied_grant_leaves_the_store_without_keys(rapport, site, site_state):
    _, auth = await signed_in()
    async with httpx.AsyncClient() as client:
        start = await client.get(f"{rapport.url}/connect/woocommerce", params={"site": site}, headers=auth)
        denied = await client.get(start.headers["location"] + "&deny=1")
    assert denied.status_code == 302 and "success=0" in denied.headers["location"]
    assert (await Store.get(domain=site)).consumer_key is None
    assert not site_state.api_keys
