"""Transaction facts and preferences per person, from the shared purchase history.

Money stays per currency (``ProfileRevenue``, one row per store and currency, so every
figure says where it came from); shares and rates are plain ratios. Top categories and
vendors are weighted by line spend; price sensitivity is the share of spend, in the
person's main currency, on orders that carried a discount.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from insights.history import MerchantHistory, OrderRow
from insights.models import ProfileRevenue, ProfileStats
from store.sql import insert_rows

TOP = 3
ZERO = Decimal("0")


def main_currency(orders: list[OrderRow]) -> str:
    """The currency of most orders (ties: the larger spend, then the code)."""
    counts = Counter(o.currency for o in orders)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for o in orders:
        spend[o.currency] += o.total
    return min(counts, key=lambda c: (-counts[c], -spend[c], c))


def _top(weights: dict[str, Decimal]) -> list[dict[str, Any]]:
    total = sum(weights.values(), ZERO)
    if total <= 0:
        return []
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return [{"name": name, "share": round(float(w / total), 4)} for name, w in ranked if w > 0]


def profile_figures(
    history: MerchantHistory, profile_id: int, orders: list[OrderRow], now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``ProfileStats`` row and the ``ProfileRevenue`` rows of one person with orders."""
    groups: dict[tuple[int, str], list[OrderRow]] = defaultdict(list)
    for o in orders:
        groups[(o.store_id, o.currency)].append(o)
    revenue = [
        {
            "merchant_id": history.merchant_id,
            "profile_id": profile_id,
            "store_id": store_id,
            "platform": history.platforms[store_id],
            "currency": currency,
            "orders": len(group),
            "revenue": sum((o.total for o in group), ZERO),
            "refunded": sum((o.refunded for o in group), ZERO),
            "discounted_revenue": sum((o.total for o in group if o.discounted), ZERO),
            "first_order_at": group[0].created_at,
            "last_order_at": group[-1].created_at,
        }
        for (store_id, currency), group in sorted(groups.items())
    ]
    currency = main_currency(orders)
    in_main = [o for o in orders if o.currency == currency]
    spend = sum((o.total for o in in_main), ZERO)
    categories: dict[str, Decimal] = defaultdict(Decimal)
    vendors: dict[str, Decimal] = defaultdict(Decimal)
    for o in in_main:
        for line in history.lines.get(o.id, ()):
            product = history.products.get(line.product_id) if line.product_id else None
            if product is None:
                continue
            if product.category:
                categories[product.category] += line.total
            if product.vendor:
                vendors[product.vendor] += line.total
    per_store = Counter(o.store_id for o in orders)
    last_at = {s: max(o.created_at for o in orders if o.store_id == s) for s in per_store}
    preferred = max(per_store, key=lambda s: (per_store[s], last_at[s], -s))
    refunded = sum(1 for o in orders if o.refunded > 0)
    stats = {
        "merchant_id": history.merchant_id,
        "profile_id": profile_id,
        "orders": len(orders),
        "refunded_orders": refunded,
        "refund_rate": round(refunded / len(orders), 4),
        "first_order_at": orders[0].created_at,
        "last_order_at": orders[-1].created_at,
        "main_currency": currency,
        "price_sensitivity": round(float(sum((o.total for o in in_main if o.discounted), ZERO) / spend), 4)
        if spend > 0
        else None,
        "top_categories": _top(categories),
        "top_vendors": _top(vendors),
        "preferred_store_id": preferred,
        "sources": [
            {
                "store_id": s,
                "platform": history.platforms[s],
                "orders": per_store[s],
                "last_order_at": last_at[s].isoformat(),
            }
            for s in sorted(per_store)
        ],
        "computed_at": now,
    }
    return stats, revenue


async def refresh_transactions(conn: BaseDBAsyncClient, history: MerchantHistory, now: datetime) -> int:
    stats_rows, revenue_rows = [], []
    for profile_id, orders in sorted(history.orders_by_profile().items()):
        stats, revenue = profile_figures(history, profile_id, orders, now)
        stats_rows.append(stats)
        revenue_rows.extend(revenue)
    await ProfileStats.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await ProfileRevenue.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await insert_rows(conn, ProfileStats, stats_rows)
    await insert_rows(conn, ProfileRevenue, revenue_rows)
    return len(stats_rows)
