"""A shop for survey tests: a merchant under the sample loyalty program, registered accounts with
or without marketing consent, and orders fulfilled at chosen times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.sample_program import EFFECTIVE_FROM, sample_rules
from feedback.links import SurveyLinks
from feedback.settings import save_feedback_config
from loyalty.program import publish
from store.link_signing import link_key
from store.models import Customer, InstallState, Merchant, Order, Platform, Profile, Store
from tests.support.servers import SECRET

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
BASE = "https://rapport.example"
MAIL_FROM = "rewards@shop.example"
KEYS = [link_key(SECRET)]
LINKS = SurveyLinks(KEYS)


def days(n: float) -> timedelta:
    return timedelta(days=n)


async def shop(name: str = "Maison Lune", *, program: bool = True, **settings: Any) -> Store:
    merchant = await Merchant.create(name=name)
    store = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"{uuid.uuid4().hex[:8]}.myshopify.com",
        name=name,
        public_key=f"pk_{uuid.uuid4().hex}",
        install_state=InstallState.INSTALLED,
        currency="EUR",
    )
    if program:
        await publish(merchant.id, sample_rules(), EFFECTIVE_FROM)
    if settings:
        await save_feedback_config(merchant.id, settings)
    return store


async def second_store(store: Store) -> Store:
    return await Store.create(
        merchant_id=store.merchant_id,
        platform=Platform.WOOCOMMERCE,
        domain=f"https://{uuid.uuid4().hex[:8]}.example",
        name="Maison Lune Woo",
        public_key=f"pk_{uuid.uuid4().hex}",
        install_state=InstallState.INSTALLED,
        currency="EUR",
    )


async def account(
    store: Store,
    email: str | None = None,
    *,
    consent: bool = True,
    guest: bool = False,
    profile: Profile | None = None,
    first_name: str = "Camille",
) -> Customer:
    profile = profile or await Profile.create(merchant_id=store.merchant_id)
    return await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id=f"guest:{uuid.uuid4().hex}" if guest else uuid.uuid4().hex[:12],
        profile=profile,
        owner=None if guest else profile,
        is_guest=guest,
        email=email or f"{uuid.uuid4().hex[:8]}@example.com",
        verified_email=True,
        first_name=first_name,
        accepts_marketing=consent,
        platform_updated_at=NOW - days(400),
        content_hash="x",
    )


async def order(
    store: Store,
    customer: Customer | None,
    fulfilled: datetime,
    *,
    status: str | None = "fulfilled",
    cancelled: bool = False,
    financial: str = "paid",
) -> Order:
    total = Decimal("80.00")
    return await Order.create(
        merchant_id=store.merchant_id,
        store=store,
        customer=customer,
        platform_id=uuid.uuid4().hex[:12],
        name=f"#{uuid.uuid4().int % 100000}",
        currency="EUR",
        subtotal=total,
        total_discount=Decimal(0),
        shipping=Decimal(0),
        tax=Decimal(0),
        total=total,
        total_refunded=total if financial == "refunded" else Decimal(0),
        financial_status=financial,
        fulfillment_status=status,
        cancelled_at=fulfilled if cancelled else None,
        platform_created_at=fulfilled - days(2),
        platform_updated_at=fulfilled,
        content_hash="x",
    )
