"""Shoppers to write to: a merchant with stores in chosen time zones, and people with accounts
whose consent, address and locale a test picks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from campaigns.models import MessageKind
from campaigns.outbox import MessageRequest
from store.models import Customer, Merchant, Platform, Profile, Store

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
KEY = b"k" * 32
BASE = "https://rapport.example"
MAIL_FROM = "rewards@shop.example"


async def merchant(name: str = "Maison Lune", timezone: str = "UTC") -> tuple[Merchant, Store]:
    m = await Merchant.create(name=name)
    store = await Store.create(
        merchant=m,
        platform=Platform.SHOPIFY,
        domain=f"{uuid.uuid4().hex[:8]}.myshopify.com",
        name=f"{name} store",
        timezone=timezone,
        public_key=uuid.uuid4().hex,
        currency="EUR",
    )
    return m, store


async def shopper(
    store: Store,
    email: str | None,
    *,
    consent: bool = True,
    locale: str | None = None,
    first_name: str = "Camille",
    verified: bool = True,
) -> int:
    profile = await Profile.create(merchant_id=store.merchant_id)
    await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id=uuid.uuid4().hex[:12],
        profile=profile,
        owner=profile,
        email=email,
        verified_email=verified,
        first_name=first_name,
        accepts_marketing=consent,
        locale=locale,
        platform_updated_at=NOW,
        content_hash="x",
    )
    return profile.id


def request(
    store: Store,
    profile_id: int,
    key: str,
    *,
    kind: MessageKind = MessageKind.MARKETING,
    template: str = "win_back",
    **data: Any,
) -> MessageRequest:
    return MessageRequest(
        merchant_id=store.merchant_id,
        key=key,
        kind=kind,
        template=template,
        profile_id=profile_id,
        store_id=store.id,
        data={"first_name": "Camille", "store_name": store.name, "store_url": "https://shop.example", **data},
    )
