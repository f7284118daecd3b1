"""A person's data requests and erasures across every package that holds something of them.

Insights owns the procedure and the audit; loyalty adds its ledger to exports and scrubs its
free text on erasure; campaigns exports the birthday, clears its messages and birthdays and keeps
suppressions as hashes; feedback exports surveys, complaints and reviews and blanks their words.
Composing them is wiring, so it lives here.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from campaigns import privacy as campaigns_privacy
from feedback import privacy as feedback_privacy
from insights.privacy import (
    audit,
    erase_profile,
    export_profile,
    profile_of_store_customer,
    redact_store,
)
from loyalty import perks
from loyalty import privacy as loyalty_privacy
from store.models import Store, WebhookEvent

log = logging.getLogger(__name__)


async def export_person(profile_id: int, *, actor: str) -> dict[str, Any]:
    return await export_profile(
        profile_id,
        actor=actor,
        exporters={
            "loyalty": loyalty_privacy.export_profile,
            "campaigns": campaigns_privacy.export_profile,
            "feedback": feedback_privacy.export_profile,
        },
    )


async def erase_person(profile_id: int, *, actor: str) -> dict[str, Any]:
    """Campaigns' suppressions are found by address, so the addresses are read before insights
    erases the accounts that hold them."""
    addresses = await campaigns_privacy.addresses_of(profile_id)

    async def erase_campaigns(person: int) -> dict[str, int]:
        return await campaigns_privacy.erase_profile(person, addresses=addresses)

    async def withdraw_perks(person: int) -> dict[str, int]:
        """The person's perk codes leave the platforms on the next perk sync (daily at the latest)."""
        return {"loyalty_perks": await perks.withdraw_perks(await loyalty_privacy.member_keys(person))}

    return await erase_profile(
        profile_id,
        actor=actor,
        erasers={
            "loyalty": loyalty_privacy.erase_profile,
            "campaigns": erase_campaigns,
            "perks": withdraw_perks,
            "feedback": feedback_privacy.erase_profile,
        },
    )


async def refuse_privacy_mismatch(topic: str, *, delivery_id: str, header_shop: str, body_shop: str | None) -> None:
    """Audit a privacy request whose signed body names another shop (or none) than its header.

    Shopify signs every shop's deliveries with the one app secret, so a signature proves the
    body came from Shopify, not which shop the header names: the body decides, and a mismatch
    is refused. The trail names the stores by id (for each merchant concerned) and no person.
    """
    stores = {
        domain: await Store.get_or_none(platform="shopify", domain=domain)
        for domain in {header_shop.strip().lower(), body_shop or ""}
        if domain
    }
    header_store, body_store = stores.get(header_shop.strip().lower()), stores.get(body_shop or "")
    details = {
        "delivery_id": delivery_id[:128],
        "header_store_id": header_store.id if header_store else None,
        "body_store_id": body_store.id if body_store else None,
    }
    log.warning(
        "refused %s delivery %s: the signed body names another shop than X-Shopify-Shop-Domain", topic, delivery_id
    )
    for store in {s.id: s for s in (header_store, body_store) if s is not None}.values():
        await audit.record(store.merchant_id, "refused_shop_mismatch", "store", store.id, f"platform:{topic}", details)


async def shopify_privacy_request(store: Store | None, event: WebhookEvent) -> None:
    """Shopify's mandatory topics: ``customers/redact`` erases the person, ``shop/redact`` the
    store's data, ``customers/data_request`` builds the export (audited) for the owner to send.
    The shop named in the signed body must be the store's, whatever the delivery was filed under."""
    if store is None:
        return
    body = json.loads(event.body)
    named = body.get("shop_domain") if isinstance(body, dict) else None
    if not isinstance(named, str) or named.strip().lower() != store.domain.lower():
        await refuse_privacy_mismatch(
            event.topic,
            delivery_id=event.delivery_id,
            header_shop=store.domain,
            body_shop=named.strip().lower() if isinstance(named, str) else None,
        )
        return
    actor = f"platform:{event.topic}:store:{store.id}"
    if event.topic == "shop/redact":
        await redact_store(store.id, actor=actor)
        return
    customer_id = str((body.get("customer") or {}).get("id", ""))
    profile_id = await profile_of_store_customer(store.id, customer_id) if customer_id else None
    if profile_id is None:
        log.info("%s for a customer Rapport never synced (store %s)", event.topic, store.id)
        return
    if event.topic == "customers/redact":
        await erase_person(profile_id, actor=actor)
    elif event.topic == "customers/data_request":
        await export_person(profile_id, actor=actor)
