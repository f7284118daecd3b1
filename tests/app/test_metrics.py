"""/metrics is the operator's: a bearer token, and no tenant's name in any label."""

from __future__ import annotations

import pytest

from store.models import InstallState, Merchant, Platform, Store
from tests.app.serving import caller, serving

pytestmark = pytest.mark.db

TOKEN = "metrics-" + "t" * 32


async def tenant_store() -> Store:
    merchant = await Merchant.create(name="Secret Sauce Ltd")
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain="secret-sauce.myshopify.com",
        name="Secret Sauce",
        public_key="pk_secret_sauce",
        install_state=InstallState.INSTALLED,
    )


async def test_anonymous_scrapes_of_metrics_get_nothing_when_no_token_is_set(db, database_url):
    await tenant_store()
    async with serving(database_url) as app, caller(app) as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 404 and b"secret-sauce" not in answer.content


async def test_scrapes_without_the_metrics_token_or_with_a_wrong_one_are_refused(db, database_url):
    await tenant_store()
    async with serving(database_url, metrics_token=TOKEN) as app, caller(app) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert b"secret-sauce" not in anonymous.content + wrong.content
    assert right.status_code == 200 and "rapport_http_requests" in right.text


async def test_metrics_name_stores_by_id_and_never_by_their_domain(db, database_url):
    store = await tenant_store()
    async with serving(database_url, metrics_token=TOKEN) as app, caller(app) as client:
        text = (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    assert f'rapport_store_healthy{{platform="shopify",store="{store.id}"}} 1.0' in text
    assert "secret-sauce" not in text and "Secret Sauce" not in text
