"""Batched upserts: constant statements per page, replays change nothing, stale loses, money exact."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from app.demo.seed import order_record, sandbox_merchant
from sandbox.dataset import build
from store.ingest import upsert_orders, upsert_refunds
from store.models import Customer, Order, OrderLine, Refund, RefundLine
from store.records import LineRecord, RefundLineRecord, RefundRecord

pytestmark = pytest.mark.db


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement the ORM's connections execute, as Tortoise logs them."""
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(str(record.args[0]) if record.args else record.getMessage())

    logger = logging.getLogger("tortoise.db_client")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def shop(db):
    data = build("sample", 7)
    _, stores = await sandbox_merchant(data)
    orders = [order_record(o) for o in data.by_store("shopify").orders]
    return stores["shopify"], orders


async def _snapshot() -> list[tuple]:
    rows = (
        await Order.all()
        .order_by("platform_id")
        .values_list("platform_id", "email", "total", "platform_updated_at", "updated_at")
    )
    lines = await OrderLine.all().order_by("platform_id").values_list("platform_id", "quantity", "total")
    return rows + lines


async def test_a_page_of_250_orders_costs_a_constant_number_of_statements(shop):
    store, orders = shop
    small, large = orders[:10], orders[10:260]
    assert sum(len(o.lines) for o in large) > 400
    with counted_statements() as few:
        await upsert_orders(store, small)
    with counted_statements() as many:
        await upsert_orders(store, large)
    assert len(many) == len(few) <= 8, many
    assert await Order.all().count() == 260
    assert await OrderLine.all().count() == sum(len(o.lines) for o in orders[:260])


async def test_replaying_the_same_page_changes_nothing(shop):
    store, orders = shop
    page = orders[:250]
    assert len(await upsert_orders(store, page)) == 250
    before = await _snapshot()
    assert len(await upsert_orders(store, page)) == 0
    assert await _snapshot() == before


async def test_an_older_updated_at_loses_to_a_newer_one(shop):
    store, orders = shop
    current = orders[0]
    newer = replace(current, email="new@example.com", updated_at=current.updated_at + timedelta(hours=1))
    older = replace(current, email="old@example.com", updated_at=current.updated_at - timedelta(hours=1))
    await upsert_orders(store, [newer])
    assert len(await upsert_orders(store, [older])) == 0
    assert (await Order.get(platform_id=current.platform_id)).email == "new@example.com"
    same_second_edit = replace(newer, email="edited@example.com")
    assert len(await upsert_orders(store, [same_second_edit])) == 1
    assert (await Order.get(platform_id=current.platform_id)).email == "edited@example.com"


async def test_a_stale_order_keeps_its_lines_and_a_fresh_one_replaces_them(shop):
    store, orders = shop
    order = orders[1]
    await upsert_orders(store, [order])
    one_line = replace(order, lines=order.lines[:1], updated_at=order.updated_at + timedelta(minutes=5))
    stale = replace(order, lines=(), updated_at=order.updated_at - timedelta(minutes=5))
    await upsert_orders(store, [stale])
    assert await OrderLine.filter(order__platform_id=order.platform_id).count() == len(order.lines)
    await upsert_orders(store, [one_line])
    assert await OrderLine.filter(order__platform_id=order.platform_id).count() == 1


async def test_money_round_trips_exactly_as_decimal(shop):
    store, orders = shop
    order = replace(
        orders[2],
        total=Decimal("1234567890.1234"),
        subtotal=Decimal("0.01"),
        lines=(LineRecord(platform_id="L-1", quantity=3, unit_price=Decimal("333.3333"), total=Decimal("999.9999")),),
    )
    await upsert_orders(store, [order])
    saved = await Order.get(platform_id=order.platform_id).prefetch_related("lines")
    assert saved.total == Decimal("1234567890.1234") and isinstance(saved.total, Decimal)
    assert saved.subtotal == Decimal("0.01")
    line = saved.lines[0]
    assert (line.unit_price, line.total) == (Decimal("333.3333"), Decimal("999.9999"))
    await upsert_orders(store, orders[3:253])
    stored = await Order.filter(platform_id__in=[o.platform_id for o in orders[3:253]]).values_list("total", flat=True)
    assert sum(stored) == sum(o.total for o in orders[3:253])


async def test_guests_get_one_customer_per_email_and_accounts_link_their_orders(shop):
    store, orders = shop
    await upsert_orders(store, orders[:250])
    guests = [o for o in orders[:250] if o.customer and o.customer.is_guest]
    members = [o for o in orders[:250] if o.customer and not o.customer.is_guest]
    assert guests and members
    assert await Customer.filter(is_guest=True).count() == len({o.customer.platform_id for o in guests})
    linked = await Order.filter(customer_id__not_isnull=True).count()
    assert linked == len(guests) + len(members)


async def test_refunds_arrive_once_with_their_lines(shop):
    store, orders = shop
    order = orders[3]
    await upsert_orders(store, [order])
    line = order.lines[0]
    refund = RefundRecord(
        platform_id="R-1",
        created_at=order.created_at + timedelta(days=2),
        amount=line.unit_price,
        lines=(
            RefundLineRecord(platform_id="RL-1", line_platform_id=line.platform_id, quantity=1, amount=line.unit_price),
        ),
    )
    assert await upsert_refunds(store, order.platform_id, [refund]) == 1
    assert await upsert_refunds(store, order.platform_id, [refund]) == 0
    refreshed = replace(
        order, refunds=(refund,), financial_status="partially_refunded", updated_at=order.updated_at + timedelta(days=2)
    )
    await upsert_orders(store, [refreshed])
    assert await Refund.all().count() == 1 and await RefundLine.all().count() == 1
    saved = await Order.get(platform_id=order.platform_id)
    assert saved.total_refunded == line.unit_price and saved.financial_status == "partially_refunded"


async def test_a_refund_for_an_unknown_order_is_an_error_not_a_silent_drop(shop):
    store, _ = shop
    refund = RefundRecord(platform_id="R-9", created_at=shop[1][0].created_at, amount=Decimal("1"))
    with pytest.raises(LookupError, match="not synced yet"):
        await upsert_refunds(store, "no-such-order", [refund])
