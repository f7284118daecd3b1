"""A person's data requests and erasures across every package that holds something of them.

Insights owns the procedure and the audit; loyalty adds its ledger to exports and scrubs its
free text on erasure. Composing them is wiring, so it lives here.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from insights.privacy import erase_profile, export_profile, profile_of_store_customer, redact_store
from loyalty import privacy as loyalty_privacy
from store.models import Store, WebhookEvent

log = logging.getLogger(__name__)


async def export_person(profile_id: int, *, actor: str) -> dict[str, Any]:
    return await export_profile(profile_id, actor=actor, exporters={"loyalty": loyalty_privacy.export_profile})


async def erase_person(profile_id: int, *, actor: str) -> dict[str, Any]:
    return await erase_profile(profile_id, actor=actor, erasers={"loyalty": loyalty_privacy.erase_profile})


async def shopify_privacy_request(store: Store | None, event: WebhookEvent) -> None:
    """Shopify's mandatory topics: ``customers/redact`` erases the person, ``shop/redact`` the
    store's data, ``customers/data_request`` builds the export (audited) for the owner to send."""
    if store is None:
        return
    body = json.loads(event.body)
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
