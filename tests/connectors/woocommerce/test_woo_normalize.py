"""Normalizers turn real REST v3 payloads (the docs' example, the simulator's) into canonical records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.woocommerce import normalize
from sandbox.woocommerce import WooState
from sandbox.woocommerce.resources import (
    customer_json,
    order_json,
    product_json,
    refund_json,
    variation_json,
)
from store.records import guest_platform_id

DOCS_ORDER = {  # PLATFORMS.md 2.3, from the REST docs: a guest order with a refund and a float price
    "id": 727,
    "number": "727",
    "status": "processing",
    "currency": "EUR",
    "customer_id": 0,
    "date_created_gmt": "2026-11-20T09:15:02",
    "date_modified_gmt": "2026-11-20T09:16:40",
    "total": "29.35",
    "billing": {"first_name": "Ana", "last_name": "Ruiz", "email": "Ana@Example.com ", "phone": "+34600000000"},
    "line_items": [
        {
            "id": 315,
            "product_id": 93,
            "variation_id": 0,
            "quantity": 2,
            "subtotal": "18.00",
            "total": "18.00",
            "sku": "TEA-1",
            "price": 9,
        }
    ],
    "refunds": [{"id": 731, "reason": "", "total": "-5.00"}],
}


def test_the_docs_guest_order_becomes_a_guest_customer_by_email_with_decimal_money_and_utc_dates():
    order = normalize.order(DOCS_ORDER)
    assert order.platform_id == "727" and order.name == "#727" and order.currency == "EUR"
    assert order.total == Decimal("29.35") and isinstance(order.total, Decimal)
    assert order.updated_at == datetime(2026, 11, 20, 9, 16, 40, tzinfo=UTC)
    assert order.customer.is_guest and order.customer.platform_id == guest_platform_id("ana@example.com")
    assert order.customer.email == "Ana@Example.com"
    line = order.lines[0]
    assert (line.platform_id, line.quantity, line.unit_price, line.total) == (
        "315",
        2,
        Decimal("9.0000"),
        Decimal("18.00"),
    )
    assert line.product_platform_id == "93" and line.variant_platform_id == "93"
    # Without the refund resources the summary still gives the (positive) amount.
    assert order.total_refunded == Decimal("5.00") and order.financial_status == "partially_refunded"


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


def test_a_simulated_order_with_a_coupon_a_variation_and_a_refund_keeps_every_cent(state):
    state.changes.add_orders(30, guest_rate=0, new_customer_rate=0, coupon_rate=1.0)
    order = next(
        o
        for o in state.orders.values()
        if o.coupon_lines and any(li.variation_id for li in o.line_items) and o.status == "processing"
    )
    [refund_id] = state.changes.refund_orders(ids=[order.id], partial=True)
    payload = order_json(state, order, "https://shop.test")
    refund_payload = refund_json(state, state.refunds[refund_id], "https://shop.test", with_parent=True)
    record = normalize.order(payload, [refund_payload])
    assert record.customer.platform_id == str(order.customer_id) and not record.customer.is_guest
    assert record.customer.updated_at == normalize.PLACEHOLDER_TIME  # never overwrites the real account
    assert record.total == order.total and record.total_discount == order.discount_total
    assert record.subtotal - record.total_discount == record.total
    assert sum(li.total for li in record.lines) == record.total
    assert sum(li.total_discount for li in record.lines) == record.total_discount
    assert record.discount_codes == tuple(c.code for c in order.coupon_lines)
    variation_line = next(li for li in record.lines if li.variant_platform_id != li.product_platform_id)
    assert int(variation_line.variant_platform_id) in state.variations
    [refund] = record.refunds
    assert refund.amount == state.refunds[refund_id].amount > 0
    [refund_line] = refund.lines
    assert refund_line.quantity > 0 and refund_line.amount > 0
    assert refund_line.line_platform_id in {li.platform_id for li in record.lines}
    assert record.financial_status in ("partially_refunded", "refunded")


def test_a_customer_and_a_variable_product_with_its_variations(state):
    user = next(iter(state.customers()))
    record = normalize.customer(customer_json(user, "https://shop.test"))
    assert record.platform_id == str(user.id) and record.email == user.email.strip()
    assert record.address["zip"] == user.billing.postcode and record.updated_at.tzinfo is UTC
    product = next(p for p in state.products.values() if p.type == "variable")
    variations = [variation_json(state.variations[v], "https://shop.test") for v in product.variation_ids]
    record = normalize.product(product_json(state, product, "https://shop.test"), variations)
    assert [v.platform_id for v in record.variants] == [str(v) for v in product.variation_ids]
    assert [v.price for v in record.variants] == [state.variations[v].price for v in product.variation_ids]
    assert record.category == product.category_name and record.status == "active"
    simple = next(p for p in state.products.values() if p.type == "simple")
    [variant] = normalize.product(product_json(state, simple, "https://shop.test")).variants
    assert variant.platform_id == str(simple.id) and variant.price == simple.price


def test_order_statuses_map_to_payment_states_and_a_cancelled_order_carries_its_cancellation():
    base = {**DOCS_ORDER, "refunds": []}
    assert normalize.order({**base, "status": "completed"}).fulfillment_status == "fulfilled"
    assert normalize.order({**base, "status": "pending"}).financial_status == "pending"
    cancelled = normalize.order({**base, "status": "cancelled"})
    assert cancelled.financial_status == "voided" and cancelled.cancelled_at == cancelled.updated_at
    assert normalize.order({**base, "billing": {}, "customer_id": 0}).customer is None
