"""Erasure (GDPR, Shopify ``customers/redact`` and ``shop/redact``): personal data goes, sums stay.

A person's store accounts are blanked and marked deleted, their orders lose email, phone and
shipping address but keep every amount (so order counts and revenue of the merchant do not
change), webhook bodies that mention them are replaced, and every insight row about them is
deleted. The profile row stays: it holds nothing personal and other packages (loyalty's
ledger) key their own, anonymous, sums on it; they erase their part through ``erasers``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from tortoise.transactions import in_transaction

from insights.identity.keys import normalize_email, normalize_text
from insights.models import (
    ClvPrediction,
    IdentityKey,
    MergeEvidence,
    ProfileFact,
    ProfileRecommendation,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
)
from insights.privacy.audit import record
from insights.privacy.subjects import PersonScope, person_scope
from insights.settings import load_config
from store.models import Customer, Order, Refund, Store, WebhookEvent

Eraser = Callable[[int], Awaitable[Any]]

REDACTED_BODY = json.dumps({"redacted": True})
PROFILE_TABLES = (ProfileFact, ProfileStats, ProfileRevenue, ProfileSegment, ClvPrediction, ProfileRecommendation)


def _walk(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def mentions(
    body: str,
    topic: str,
    scope: PersonScope,
    customer_platform_ids: set[str],
    order_platform_ids: set[str],
    region: str,
) -> bool:
    """Whether a webhook body carries the person: their email, phone, full name or one of their ids."""
    lowered = body.lower()
    if any(email in lowered for email in scope.emails):
        return True
    if any(p in body for p in scope.phones) or any(
        phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) in scope.phones
        for m in phonenumbers.PhoneNumberMatcher(body, region)
    ):
        return True
    text = f" {normalize_text(body)} "
    if any(f" {name} " in text for name in scope.names):
        return True
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    for node in _walk(payload):
        first, last = node.get("first_name"), node.get("last_name")
        if (
            isinstance(first, str)
            and isinstance(last, str)
            and f"{normalize_text(first)} {normalize_text(last)}" in scope.names
        ):
            return True
        for key in ("email", "billing_email", "contact_email"):
            if isinstance(node.get(key), str) and normalize_email(node[key]) in scope.emails:
                return True
    if not isinstance(payload, dict):
        return False
    ids = {str(payload.get("customer_id"))}
    if isinstance(payload.get("customer"), dict):
        ids.add(str(payload["customer"].get("id")))
    if topic.startswith("customers/"):
        ids.add(str(payload.get("id")))
    if ids & customer_platform_ids:
        return True
    return topic.startswith("orders/") and str(payload.get("id")) in order_platform_ids


async def erase_profile(profile_id: int, *, actor: str, erasers: Mapping[str, Eraser] | None = None) -> dict[str, Any]:
    """Remove or anonymise the person's personal data in every store and insight table; returns counts."""
    scope = await person_scope(profile_id)
    region = (await load_config(scope.merchant_id)).default_phone_region
    customers = await Customer.filter(id__in=scope.customer_ids).values("id", "store_id", "platform_id", "is_guest")
    orders = await Order.filter(id__in=scope.order_ids).values("id", "store_id", "platform_id")
    store_ids = [s for s in await Store.filter(merchant_id=scope.merchant_id).values_list("id", flat=True)]
    now = datetime.now(UTC)
    counts: dict[str, Any] = {}
    async with in_transaction():
        for c in customers:
            await Customer.filter(id=c["id"]).update(
                email=None,
                email_key=None,
                phone=None,
                first_name=None,
                last_name=None,
                address=None,
                birthday=None,
                locale=None,
                tags="",
                accepts_marketing=False,
                content_hash="redacted",
                deleted_at=now,
                updated_at=now,
                **({"platform_id": f"redacted:{c['id']}"} if c["is_guest"] else {}),
            )
        counts["customers"] = len(customers)
        counts["orders"] = await Order.filter(id__in=scope.order_ids).update(
            email=None, phone=None, shipping_address=None, content_hash="redacted", updated_at=now
        )
        counts["refund_notes"] = await Refund.filter(order_id__in=scope.order_ids).exclude(note="").update(note="")
        customer_ids: dict[int, set[str]] = {}
        for c in customers:
            customer_ids.setdefault(c["store_id"], set()).add(c["platform_id"])
        order_ids: dict[int, set[str]] = {}
        for o in orders:
            order_ids.setdefault(o["store_id"], set()).add(o["platform_id"])
        redacted = 0
        for event_id, store_id, topic, body in await WebhookEvent.filter(store_id__in=store_ids).values_list(
            "id", "store_id", "topic", "body"
        ):
            if body != REDACTED_BODY and mentions(
                body, topic, scope, customer_ids.get(store_id, set()), order_ids.get(store_id, set()), region
            ):
                await WebhookEvent.filter(id=event_id).update(body=REDACTED_BODY, error=None)
                redacted += 1
        counts["webhook_events"] = redacted
        for model in PROFILE_TABLES:
            counts[model._meta.db_table] = await model.filter(profile_id__in=scope.profile_ids).delete()
        counts[IdentityKey._meta.db_table] = await IdentityKey.filter(customer_id__in=scope.customer_ids).delete()
        counts[MergeEvidence._meta.db_table] = await MergeEvidence.filter(profile_id__in=scope.profile_ids).delete()
    extra = {}
    for name, erase in sorted((erasers or {}).items()):
        await erase(scope.profile_id)
        extra[name] = "done"
    counts["extra"] = sorted(extra)
    await record(scope.merchant_id, "erase", "profile", scope.profile_id, actor, counts)
    return counts


async def profile_of_store_customer(store_id: int, platform_id: str) -> int | None:
    """The person behind a platform's customer id, for ``customers/redact`` and ``customers/data_request``."""
    row = await Customer.get_or_none(store_id=store_id, platform_id=platform_id).values("profile_id")
    return row["profile_id"] if row else None


async def redact_store(store_id: int, *, actor: str) -> dict[str, Any]:
    """Delete everything one store brought in (``shop/redact``); the merchant's other stores keep theirs.

    Customers, orders, products and webhook events of the store go with the store row
    (foreign keys cascade, insight rows derived from them too). Insight rows of people
    left with no account anywhere are deleted; the next refresh rebuilds the rest.
    """
    store = await Store.get(id=store_id)
    merchant_id = store.merchant_id
    touched = set(
        await Customer.filter(store_id=store_id, profile_id__not_isnull=True).values_list("profile_id", flat=True)
    )
    counts: dict[str, Any] = {
        "customers": await Customer.filter(store_id=store_id).count(),
        "orders": await Order.filter(store_id=store_id).count(),
    }
    async with in_transaction():
        counts["webhook_events"] = await WebhookEvent.filter(store_id=None, source=store.domain).delete()
        await store.delete()
        still = set(await Customer.filter(profile_id__in=touched).values_list("profile_id", flat=True))
        orphaned = touched - still
        for model in PROFILE_TABLES:
            await model.filter(profile_id__in=orphaned).delete()
        counts["profiles_emptied"] = len(orphaned)
    await record(merchant_id, "redact_store", "store", store_id, actor, counts)
    return counts
