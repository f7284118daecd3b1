"""Hand calculations for the measurement tests: plain Python over the raw orders, independent of ``measure``.

The rule written out again here: an order counts when not deleted, not a test, not cancelled and
placed by a customer that is not erased and has a profile; revenue is total minus refunds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from store.models import Customer, Order


@dataclass(frozen=True)
class Raw:
    unit: int
    id: int
    at: datetime
    currency: str
    net: Decimal

    @property
    def month(self) -> tuple[int, int]:
        return (self.at.year, self.at.month)


async def raw_orders(merchant_id: int, store_id: int | None = None) -> list[Raw]:
    people = {
        c.id: c.profile_id
        for c in await Customer.filter(merchant_id=merchant_id)
        if c.deleted_at is None and c.profile_id is not None
    }
    out = []
    for o in await Order.filter(merchant_id=merchant_id):
        if o.deleted_at or o.test or o.cancelled_at or o.customer_id not in people:
            continue
        if store_id is not None and o.store_id != store_id:
            continue
        unit = people[o.customer_id] if store_id is None else o.customer_id
        out.append(Raw(unit, o.id, o.platform_created_at, o.currency, o.total - o.total_refunded))
    return sorted(out, key=lambda r: (r.at, r.id))


def name(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def next_month(month: tuple[int, int]) -> tuple[int, int]:
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] - a[0]) * 12 + b[1] - a[1]


def retention_by_hand(orders: list[Raw]) -> dict[str, dict]:
    active: dict[tuple[int, int], set[int]] = defaultdict(set)
    count: dict[tuple[int, int], int] = defaultdict(int)
    first: dict[int, tuple[int, int]] = {}
    gaps: dict[tuple[int, int], list[float]] = defaultdict(list)
    last_at: dict[int, datetime] = {}
    for o in orders:
        active[o.month].add(o.unit)
        count[o.month] += 1
        first.setdefault(o.unit, o.month)
        if o.unit in last_at:
            gaps[o.month].append((o.at - last_at[o.unit]).total_seconds() / 86400)
        last_at[o.unit] = o.at
    out = {}
    month, end = min(active), max(active)
    prev: tuple[int, int] | None = None
    while True:
        done = [o for o in orders if o.month <= month]
        per_unit: dict[int, int] = defaultdict(int)
        for o in done:
            per_unit[o.unit] += 1
        now = active.get(month, set())
        before = active.get(prev, set()) if prev else set()
        new = {u for u in now if first[u] == month}
        out[name(month)] = {
            "activeCustomers": len(now),
            "newCustomers": len(new),
            "returningCustomers": len(now - new),
            "retentionRate": len(now & before) / len(before) if before else None,
            "repeatPurchaseRate": sum(1 for n in per_unit.values() if n >= 2) / len(per_unit) if per_unit else None,
            "purchaseFrequency": count[month] / len(now) if now else None,
            "medianDaysBetweenOrders": statistics.median(gaps[month]) if gaps.get(month) else None,
        }
        if month == end:
            return out
        prev, month = month, next_month(month)


def cohorts_by_hand(orders: list[Raw]) -> dict[str, dict]:
    first: dict[int, tuple[int, int]] = {}
    for o in orders:
        first.setdefault(o.unit, o.month)
    last = max(o.month for o in orders)
    size: dict[tuple[int, int], int] = defaultdict(int)
    for m in first.values():
        size[m] += 1
    active: dict[tuple[tuple[int, int], int], set[int]] = defaultdict(set)
    revenue: dict[tuple[tuple[int, int], int], Decimal] = defaultdict(Decimal)
    for o in orders:
        key = (first[o.unit], months_between(first[o.unit], o.month))
        active[key].add(o.unit)
        revenue[key] += o.net
    return {
        name(c): {
            "customers": n,
            "cells": [
                (k, len(active[(c, k)]), len(active[(c, k)]) / n, revenue[(c, k)] / n)
                for k in range(months_between(c, last) + 1)
            ],
        }
        for c, n in sorted(size.items())
    }
