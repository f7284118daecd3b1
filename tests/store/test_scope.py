"""A merchant's scope sees its own stores' data and nothing of another merchant's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from store.ingest import upsert_orders
from store.models import Merchant, Store
from store.records import CustomerRecord, LineRecord, OrderRecord
from store.scope import MerchantScope

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def _merchant_with_order(name: str, domain: str) -> MerchantScope:
    merchant = await Merchant.create(name=name)
    store = await Store.create(merchant=merchant, platform="shopify", domain=domain, public_key=f"pk-{name}")
    await upsert_orders(
        store,
        [
            OrderRecord(
                platform_id="1001",
                currency="EUR",
                total=Decimal("10"),
                created_at=NOW,
                updated_at=NOW,
                customer=CustomerRecord(platform_id="c1", updated_at=NOW, email=f"{name}@example.com"),
                lines=(LineRecord(platform_id="l1", quantity=1, unit_price=Decimal("10"), total=Decimal("10")),),
            )
        ],
    )
    return MerchantScope(merchant.id)


async def test_a_scope_never_returns_another_merchants_rows(db):
    alpha = await _merchant_with_order("alpha", "alpha.myshopify.com")
    beta = await _merchant_with_order("beta", "beta.myshopify.com")
    alpha_order = await alpha.orders().get()
    assert await alpha.order(alpha_order.id) is not None
    assert await beta.order(alpha_order.id) is None
    assert [c.email for c in await beta.customers()] == ["beta@example.com"]
    assert await beta.order_lines().count() == 1 and await beta.stores().count() == 1
    alpha_customer = await alpha.customers().get()
    assert await beta.customer(alpha_customer.id) is None
