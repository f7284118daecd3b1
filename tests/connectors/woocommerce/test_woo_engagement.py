"""WooCommerce's live customer.created webhook pays the program's signup action once per member;
customer.updated and a resent creation do not (WooCommerce records no marketing consent, so no
newsletter comes from it)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from app.sample_program import EFFECTIVE_FROM, sample_rules
from loyalty.models import Entry, EntryKind
from loyalty.program import publish
from sandbox.woocommerce.resources import customer_json
from store.models import Customer
from tests.connectors.woocommerce.conftest import keyed_store, settle
from tests.connectors.woocommerce.test_woo_webhooks import headers

pytestmark = pytest.mark.db


async def test_customer_created_pays_signup_once_and_updates_or_resends_do_not(rapport, site_state):
    store = await keyed_store(site_state, "http://127.0.0.1:9")
    await publish(store.merchant_id, sample_rules(), EFFECTIVE_FROM)
    user = next(iter(site_state.users.values()))
    path = f"/webhooks/woocommerce/{store.id}"

    async def deliver(client: httpx.AsyncClient, topic: str, who, delivery: str) -> None:
        body = json.dumps(customer_json(who, "https://shop.test")).encode()
        answer = await client.post(path, content=body, headers=headers(topic, body, store.webhook_secret, delivery))
        assert answer.status_code == 200
        await settle(rapport.settings)

    async def signups() -> list[tuple[int, int]]:
        return list(await Entry.filter(kind=EntryKind.ACTION, cause="signup").values_list("profile_id", "available"))

    async with httpx.AsyncClient(base_url=rapport.url) as client:
        await deliver(client, "customer.updated", user, "u0")
        assert await signups() == []  # an account first seen by an update is no sign-up
        await deliver(client, "customer.created", user, "c1")
        account = await Customer.get(store_id=store.id, platform_id=str(user.id))
        assert await signups() == [(account.owner_id, 100)]
        later = replace(user, last_name="Renamed", date_modified=user.date_modified + timedelta(minutes=5))
        await deliver(client, "customer.updated", later, "u1")
        await deliver(client, "customer.created", later, "c2")  # resent with another delivery id
        assert await signups() == [(account.owner_id, 100)]
    assert not await Entry.filter(cause="newsletter").exists()
