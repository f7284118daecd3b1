"""Transaction facts and preferences per person, from sums per person the database makes.

Money stays per currency (``ProfileRevenue``, one row per store and currency, so every
figure says where it came from); shares and rates are plain ratios. Top categories and
vendors are weighted by line spend; price sensitivity is the share of spend, in the
person's main currency, on orders that carried a discount.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from functools import cache
from itertools import groupby
from operator import attrgetter
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from insights.history import MerchantHistory
from insights.models import ProfileRevenue, ProfileStats
from store.sql import Write, delete_in
from store.sql.purchases import StoreCurrencySums, line_spend, store_currency_sums
from store.sql.writes import CHUNK

TOP = 3
BATCH = 5000
"""People whose rows are written per batch."""
ZERO = Decimal("0")


def _top(weights: dict[str, Decimal]) -> list[dict[str, Any]]:
    total = sum(weights.values(), ZERO)
    if total <= 0:
        return []
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return [{"name": name, "share": round(float(w / total), 4)} for name, w in ranked if w > 0]


def profile_figures(
    merchant_id: int,
    platforms: dict[int, str],
    profile_id: int,
    groups: list[StoreCurrencySums],
    spend: list[tuple[str, str, str, Decimal]],
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``ProfileStats`` row and ``ProfileRevenue`` rows of one person with orders, from the
    database's sums: the person's (store, currency) groups and line spend by (currency,
    category, vendor), so a person costs a few rows however many orders they placed."""
    revenue = [
        {
            "merchant_id": merchant_id,
            "profile_id": profile_id,
            "store_id": g.store_id,
            "platform": platforms[g.store_id],
            "currency": g.currency,
            "orders": g.orders,
            "revenue": g.revenue,
            "refunded": g.refunded,
            "discounted_revenue": g.discounted_revenue,
            "first_order_at": g.first_order_at,
            "last_order_at": g.last_order_at,
        }
        for g in groups
    ]
    counts: Counter[str] = Counter()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    discounted: dict[str, Decimal] = defaultdict(Decimal)
    per_store: Counter[int] = Counter()
    last_at: dict[int, datetime] = {}
    for g in groups:
        counts[g.currency] += g.orders
        totals[g.currency] += g.revenue
        discounted[g.currency] += g.discounted_revenue
        per_store[g.store_id] += g.orders
        last_at[g.store_id] = max(last_at.get(g.store_id, g.last_order_at), g.last_order_at)
    currency = min(counts, key=lambda c: (-counts[c], -totals[c], c))
    categories: dict[str, Decimal] = defaultdict(Decimal)
    vendors: dict[str, Decimal] = defaultdict(Decimal)
    for line_currency, category, vendor, amount in spend:
        if line_currency != currency:
            continue
        if category:
            categories[category] += amount
        if vendor:
            vendors[vendor] += amount
    orders = sum(g.orders for g in groups)
    refunded = sum(g.refunded_orders for g in groups)
    preferred = max(per_store, key=lambda s: (per_store[s], last_at[s], -s))
    stats = {
        "merchant_id": merchant_id,
        "profile_id": profile_id,
        "orders": orders,
        "refunded_orders": refunded,
        "refund_rate": round(refunded / orders, 4),
        "first_order_at": min(g.first_order_at for g in groups),
        "last_order_at": max(g.last_order_at for g in groups),
        "main_currency": currency,
        "price_sensitivity": round(float(discounted[currency] / totals[currency]), 4) if totals[currency] > 0 else None,
        "top_categories": _top(categories),
        "top_vendors": _top(vendors),
        "preferred_store_id": preferred,
        "sources": [
            {
                "store_id": s,
                "platform": platforms[s],
                "orders": per_store[s],
                "last_order_at": last_at[s].isoformat(),
            }
            for s in sorted(per_store)
        ],
        "computed_at": now,
    }
    return stats, revenue


async def refresh_transactions(
    conn: BaseDBAsyncClient, history: MerchantHistory, now: datetime, *, batch: int = BATCH
) -> int:
    """Sums per person come from the database (GROUP BY), not from ``history``'s orders, and
    the rows are written ``batch`` people at a time instead of all built first. An incremental
    history (``history.profiles``) replaces only its people's rows."""
    merchant_id, chosen = history.merchant_id, history.profiles
    groups = await store_currency_sums(conn, merchant_id, chosen)
    spend: dict[int, list[tuple[str, str, str, Decimal]]] = defaultdict(list)
    for profile_id, currency, category, vendor, amount in await line_spend(conn, merchant_id, chosen):
        spend[profile_id].append((currency, category, vendor, amount))
    for model in (ProfileStats, ProfileRevenue):
        if chosen is None:
            await model.filter(merchant_id=merchant_id).using_db(conn).delete()
        else:
            await delete_in(conn, model, "profile_id", chosen)
    stats_rows: list[dict[str, Any]] = []
    revenue_rows: list[dict[str, Any]] = []
    people = 0
    for profile_id, mine in groupby(groups, key=attrgetter("profile_id")):
        stats, revenue = profile_figures(
            merchant_id, history.platforms, profile_id, list(mine), spend.pop(profile_id, []), now
        )
        stats_rows.append(stats)
        revenue_rows.extend(revenue)
        people += 1
        if len(stats_rows) >= batch:
            await _write(conn, stats_rows, revenue_rows)
            stats_rows, revenue_rows = [], []
    await _write(conn, stats_rows, revenue_rows)
    return people


async def _write(conn: BaseDBAsyncClient, stats: list[dict[str, Any]], revenue: list[dict[str, Any]]) -> None:
    """Column arrays on PostgreSQL (``store.sql.Write``), not one JSON document per chunk."""
    for rows in (stats, revenue):
        if rows:
            write = _writer(ProfileStats if rows is stats else ProfileRevenue, tuple(rows[0]))
            for start in range(0, len(rows), CHUNK):
                await write.run(conn, [tuple(r.values()) for r in rows[start : start + CHUNK]])


@cache
def _writer(model: type[Model], columns: tuple[str, ...]) -> Write:
    return Write(model, columns=columns, conflict=("id",))
