"""Privacy webhooks act on the shop their signed body names, never on the unsigned header alone.

Shopify signs every shop's deliveries with the one app secret, so a valid signature over a body
naming shop A says nothing about the ``X-Shopify-Shop-Domain`` header that came with it.
"""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.core import inbox
from insights.models import PrivacyAudit
from sandbox.shopify.webhooks import webhook_hmac
from store.models import DeliveryStatus, InstallState, Job, Merchant, Platform, Store, WebhookEvent
from tests.connectors.shopify.support import API_SECRET, installed_store

pytestmark = pytest.mark.db

ATTACKER = "attacker.myshopify.com"
TOPICS = ("customers/redact", "customers/data_request", "shop/redact")


def payload(topic: str, shop_domain: str | None) -> bytes:
    body: dict = {
        "shop_id": 1,
        "customer": {"id": 9001, "email": "victim@example.com", "phone": "+15550001"},
        "orders_to_redact": [7001],
        "orders_requested": [7001],
        "data_request": {"id": 55},
    }
    if topic == "shop/redact":
        body = {"shop_id": 1}
    if shop_domain is not None:
        body["shop_domain"] = shop_domain
    return json.dumps(body).encode()


async def deliver(rapport, topic: str, body: bytes, *, header_shop: str, delivery: str) -> httpx.Response:
    headers = {
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, API_SECRET),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": delivery,
        "X-Shopify-Shop-Domain": header_shop,
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient() as client:
        return await client.post(f"{rapport.url}/webhooks/shopify", content=body, headers=headers)


async def attacker_store() -> Store:
    merchant = await Merchant.create(name="Attacker")
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=ATTACKER,
        public_key="pk_attacker",
        install_state=InstallState.INSTALLED,
        access_token="t",
    )


@pytest.mark.parametrize("topic", TOPICS)
async def test_a_signed_privacy_body_naming_one_shop_sent_under_another_shops_header_is_refused_and_audited(
    shop, rapport, topic
):
    victim, attacker = await installed_store(shop), await attacker_store()
    answer = await deliver(rapport, topic, payload(topic, ATTACKER), header_shop=victim.domain, delivery="d-attack")
    assert answer.status_code == 400
    assert not await WebhookEvent.exists() and not await Job.exists()
    audit = (
        await PrivacyAudit.filter(action="refused_shop_mismatch")
        .order_by("merchant_id")
        .values("merchant_id", "subject_id", "actor", "details")
    )
    details = {"delivery_id": "d-attack", "header_store_id": victim.id, "body_store_id": attacker.id}
    assert audit == [
        {"merchant_id": victim.merchant_id, "subject_id": victim.id, "actor": f"platform:{topic}", "details": details},
        {
            "merchant_id": attacker.merchant_id,
            "subject_id": attacker.id,
            "actor": f"platform:{topic}",
            "details": details,
        },
    ]
    await rapport.run_jobs()
    assert await Store.exists(id=victim.id)


async def test_a_signed_privacy_body_naming_no_shop_is_refused(shop, rapport):
    victim = await installed_store(shop)
    answer = await deliver(
        rapport, "shop/redact", payload("shop/redact", None), header_shop=victim.domain, delivery="d-none"
    )
    assert answer.status_code == 400 and not await WebhookEvent.exists()
    assert await PrivacyAudit.filter(action="refused_shop_mismatch", subject_id=victim.id).exists()


async def test_a_privacy_body_matching_its_header_in_another_case_is_accepted_under_the_bodys_shop(shop, rapport):
    victim = await installed_store(shop)
    body = payload("customers/data_request", victim.domain)
    answer = await deliver(rapport, "customers/data_request", body, header_shop=victim.domain.upper(), delivery="d-ok")
    assert answer.status_code == 200
    event = await WebhookEvent.get()
    assert event.store_id == victim.id and event.status == DeliveryStatus.RECEIVED


async def test_a_recorded_privacy_delivery_whose_body_names_another_shop_does_not_erase_the_store(shop, rapport):
    """A delivery filed under the victim before intake checked the body is refused when processed."""
    victim, attacker = await installed_store(shop), await attacker_store()
    event = await inbox.record(
        platform=Platform.SHOPIFY.value,
        delivery_id="d-old",
        topic="shop/redact",
        headers={},
        body=payload("shop/redact", ATTACKER),
        source=victim.domain,
        store_id=victim.id,
    )
    await rapport.queue.enqueue("process_webhook", event.id, key=f"webhook:{event.id}")
    await rapport.run_jobs()
    assert await Store.exists(id=victim.id) and await Store.exists(id=attacker.id)
    assert not await PrivacyAudit.filter(action="redact_store").exists()
    assert await PrivacyAudit.filter(action="refused_shop_mismatch", subject_id=victim.id).exists()
