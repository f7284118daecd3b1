"""Churn and CLV per merchant when the store is too small to fit the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from insights.models import ClvPrediction
from insights.refresh import refresh_merchant
from store.ingest import upsert_orders
from store.models import Customer, Merchant, Store
from store.records import CustomerRecord, OrderRecord

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("db")]
T0 = datetime(2026, 1, 5, tzinfo=UTC)


async def test_a_small_store_gets_heuristic_predictions_labelled_as_such_per_currency():
    merchant = await Merchant.create(name="Tiny")
    store = await Store.create(merchant=merchant, platform="shopify", domain="tiny.myshopify.com", public_key="pk-t")
    records = []
    for n in range(12):
        for k in range(n % 3 + 1):
            at = T0 + timedelta(days=9 * n + 20 * k)
            records.append(
                OrderRecord(
                    platform_id=f"{n}-{k}",
                    currency="EUR" if n < 9 else "GBP",
                    total=Decimal("20.00") + n,
                    created_at=at,
                    updated_at=at,
                    customer=CustomerRecord(platform_id=f"c{n}", updated_at=at, email=f"p{n}@example.com"),
                )
            )
    await upsert_orders(store, records)
    await refresh_merchant(merchant.id, as_of=T0 + timedelta(days=200))
    rows = await ClvPrediction.filter(merchant_id=merchant.id).values()
    assert len(rows) == 12 == await Customer.filter(merchant_id=merchant.id).count()
    assert {(r["currency"], r["model"], r["status"]) for r in rows} == {
        ("EUR", "heuristic", "too_few_customers"),
        ("GBP", "heuristic", "too_few_customers"),
    }
    for r in rows:
        assert r["clv_low"] <= r["clv"] <= r["clv_high"]
        assert r["horizon_days"] == 365 and r["interval_level"] == 0.9
