"""The history read as columns reads back as the rows the store holds, in the same order.

``load_history`` keeps a merchant's orders and lines as columns of machine integers
(``OrderColumns``, ``LineColumns``) so a million orders do not cost a million objects for the
whole refresh; every consumer still reads ``OrderRow`` and ``LineRow``. These tests read the
same pages (``store.sql.purchases.order_pages``) straight into rows and compare."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import pairwise

import pytest

from insights.history import LineColumns, LineRow, OrderColumns, OrderRow, load_history
from store.models import Customer, Order
from store.sql.purchases import order_pages

pytestmark = pytest.mark.db


async def _rows_from_pages(merchant_id: int) -> tuple[list[OrderRow], dict[int, list[LineRow]]]:
    """The history as rows, the way it was read before it was kept as columns."""
    profile_of = dict(
        await Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True).values_list(
            "id", "profile_id"
        )
    )
    orders: list[OrderRow] = []
    lines: dict[int, list[LineRow]] = defaultdict(list)
    async for order_rows, line_rows in order_pages(Order._meta.db, merchant_id, 500):
        orders += [
            OrderRow(oid, store, profile_of.get(customer) if customer is not None else None, cur, tot, ref, dis, at)
            for oid, store, customer, cur, tot, ref, dis, at in order_rows
        ]
        for order_id, product_id, amount in line_rows:
            lines[order_id].append(LineRow(order_id, product_id, amount))
    orders.sort(key=lambda o: o.created_at)
    return orders, dict(lines)


async def test_the_columns_read_back_as_the_stores_rows(refreshed):
    merchant_id = refreshed.sandbox.merchant_id
    history = await load_history(merchant_id, page=500)
    assert isinstance(history.orders, OrderColumns) and isinstance(history.lines, LineColumns)
    orders, lines = await _rows_from_pages(merchant_id)
    assert len(orders) > 1_000 and sum(o.profile_id is not None for o in orders) > 1_000
    assert list(history.orders) == orders
    assert [history.orders[i] for i in range(len(orders))] == orders  # by index as by iteration
    assert history.orders[-1] == orders[-1] and history.orders[2:5] == orders[2:5]
    assert all(a.created_at.tzinfo is b.created_at.tzinfo for a, b in zip(history.orders, orders, strict=True))
    assert dict(history.lines) == lines  # each order's lines in line id order
    assert all(history.lines.get(o.id, []) == lines.get(o.id, []) for o in orders)
    by_profile: dict[int, list[OrderRow]] = defaultdict(list)
    for o in orders:
        if o.profile_id is not None:
            by_profile[o.profile_id].append(o)
    assert history.orders_by_profile() == by_profile


async def test_missing_orders_and_lines_are_missing(refreshed):
    history = await load_history(refreshed.sandbox.merchant_id)
    with pytest.raises(IndexError):
        history.orders[len(history.orders)]
    assert history.lines.get(-1) is None and -1 not in history.lines and "x" not in history.lines
    with pytest.raises(KeyError):
        history.lines[-1]


async def test_a_history_is_a_few_machine_integers_per_order(refreshed):
    """What the refresh holds for its whole length: under 100 bytes an order, its lines included
    (89 here; as ``OrderRow`` and ``LineRow`` objects about 300 at 5x the sample, by tracemalloc)."""
    history = await load_history(refreshed.sandbox.merchant_id)
    orders, lines = history.orders, history.lines
    assert isinstance(orders, OrderColumns) and isinstance(lines, LineColumns)
    columns = [getattr(orders, n) for n in ("id", "store_id", "profile_id", "created", "currency", "total")]
    columns += [orders.refunded, orders.zone, orders.discounted, lines.order_id, lines.product_id, lines.amount]
    held = sum(c.itemsize * len(c) for c in columns)
    assert held / len(orders) < 100
    assert len(orders.money.values) == len(set(orders.money.values)) < len(orders)  # each value held once


def test_columns_keep_equal_times_in_the_order_appended_and_sort_instants_of_other_zones():
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    paris = timezone(timedelta(hours=1))
    columns = OrderColumns()
    times = [
        datetime(2020, 1, 1, 12, tzinfo=UTC),
        datetime(2020, 1, 1, 12, 30, tzinfo=paris),  # 11:30 UTC: first
        datetime(2020, 1, 1, 12, tzinfo=UTC),
    ]
    for oid, at in enumerate(times, 1):
        columns.append(oid, 1, None, "EUR", Decimal("1.00"), Decimal("0"), False, at)
    columns.sort_by_time()
    assert [o.id for o in columns] == [2, 1, 3]
    assert [o.created_at for o in columns] == sorted(times)
    assert [o.created_at.tzinfo for o in columns] == [paris, UTC, UTC]
    assert all(a.created_at <= b.created_at for a, b in pairwise(columns))


async def test_each_profile_is_orders_by_profile_in_profile_order(refreshed):
    history = await load_history(refreshed.sandbox.merchant_id)
    each = list(history.each_profile())
    assert len(each) > 1_000
    assert each == sorted(history.orders_by_profile().items())


def test_an_empty_history_has_no_people():
    assert list(OrderColumns().by_profile()) == []


async def test_two_reads_of_a_history_are_equal_and_differ_when_a_row_does(refreshed):
    history = await load_history(refreshed.sandbox.merchant_id)
    again = await load_history(refreshed.sandbox.merchant_id, page=97)
    assert history.orders == again.orders == list(again.orders)
    assert history.orders != list(again.orders)[:-1]
    changed = list(again.orders)
    changed[3] = replace(changed[3], total=changed[3].total + 1)
    assert history.orders != changed
