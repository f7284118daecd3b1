"""The profiles step sums per person in the database and the history is read in pages: both
must give what the orders themselves give, to the last ten-thousandth (SQLite included, which
would sum money text as floats)."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest

from insights.history import MerchantHistory, OrderRow, load_history
from insights.identity.keys import normalize_address, normalize_phone
from insights.models import ProfileFact, ProfileRevenue, ProfileStats
from store.models import Customer, Order, OrderLine

pytestmark = pytest.mark.db

ZERO = Decimal("0")
STATS = (
    "orders",
    "refunded_orders",
    "first_order_at",
    "last_order_at",
    "main_currency",
    "price_sensitivity",
    "top_categories",
    "top_vendors",
    "preferred_store_id",
)


def _shares(weights: dict[str, Decimal]) -> list[dict[str, Any]]:
    total = sum(weights.values(), ZERO)
    if total <= 0:
        return []
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return [{"name": n, "share": round(float(w / total), 4)} for n, w in ranked if w > 0]


def _expected(history: MerchantHistory, orders: list[OrderRow]) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """One person's figures straight from their orders, one at a time."""
    groups: dict[tuple[int, str], list[OrderRow]] = defaultdict(list)
    for o in orders:
        groups[(o.store_id, o.currency)].append(o)
    revenue = [
        (
            store,
            currency,
            len(g),
            sum((o.total for o in g), ZERO),
            sum((o.refunded for o in g), ZERO),
            sum((o.total for o in g if o.discounted), ZERO),
            g[0].created_at,
            g[-1].created_at,
        )
        for (store, currency), g in sorted(groups.items())
    ]
    counts = Counter(o.currency for o in orders)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for o in orders:
        spend[o.currency] += o.total
    currency = min(counts, key=lambda c: (-counts[c], -spend[c], c))
    categories: dict[str, Decimal] = defaultdict(Decimal)
    vendors: dict[str, Decimal] = defaultdict(Decimal)
    for o in orders:
        if o.currency != currency:
            continue
        for line in history.lines.get(o.id, ()):
            if (product := history.products.get(line.product_id or 0)) is not None:
                if product.category:
                    categories[product.category] += line.total
                if product.vendor:
                    vendors[product.vendor] += line.total
    per_store = Counter(o.store_id for o in orders)
    last_at = {s: max(o.created_at for o in orders if o.store_id == s) for s in per_store}
    discounted = sum((o.total for o in orders if o.currency == currency and o.discounted), ZERO)
    stats = {
        "orders": len(orders),
        "refunded_orders": sum(1 for o in orders if o.refunded > 0),
        "first_order_at": orders[0].created_at,
        "last_order_at": orders[-1].created_at,
        "main_currency": currency,
        "price_sensitivity": round(float(discounted / spend[currency]), 4) if spend[currency] > 0 else None,
        "top_categories": _shares(categories),
        "top_vendors": _shares(vendors),
        "preferred_store_id": max(per_store, key=lambda s: (per_store[s], last_at[s], -s)),
    }
    return stats, revenue


async def test_every_persons_stats_and_revenue_equal_the_sums_of_their_orders(refreshed):
    history = refreshed.result.history or await load_history(refreshed.sandbox.merchant_id)
    people = history.orders_by_profile()
    stats = {
        r["profile_id"]: r
        for r in await ProfileStats.filter(merchant_id=history.merchant_id).values("profile_id", *STATS)
    }
    revenue: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in (
        await ProfileRevenue.filter(merchant_id=history.merchant_id)
        .order_by("profile_id", "store_id", "currency")
        .values_list(
            "profile_id",
            "store_id",
            "currency",
            "orders",
            "revenue",
            "refunded",
            "discounted_revenue",
            "first_order_at",
            "last_order_at",
        )
    ):
        revenue[r[0]].append(tuple(r[1:]))
    assert set(stats) == set(revenue) == set(people) and len(people) > 1000
    for profile_id, orders in people.items():
        want_stats, want_revenue = _expected(history, orders)
        assert {k: v for k, v in stats[profile_id].items() if k != "profile_id"} == want_stats, profile_id
        assert revenue[profile_id] == want_revenue, profile_id


async def test_the_history_read_in_small_pages_is_the_history_read_whole(refreshed):
    merchant_id = refreshed.sandbox.merchant_id
    whole = await load_history(merchant_id, page=1_000_000)
    paged = await load_history(merchant_id, page=97)
    assert len(whole.orders) > 97 * 10
    assert paged.orders == whole.orders
    assert paged.lines == whole.lines
    assert (paged.products, paged.home_store, paged.platforms) == (whole.products, whole.home_store, whole.platforms)
    assert [(o.created_at, o.id) for o in paged.orders] == sorted((o.created_at, o.id) for o in paged.orders)


async def test_the_history_holds_exactly_the_live_orders_and_their_lines(refreshed):
    merchant_id = refreshed.sandbox.merchant_id
    history = await load_history(merchant_id, page=500)
    live = Order.filter(merchant_id=merchant_id, deleted_at=None, test=False, cancelled_at=None)
    rows = await live.values_list("id", "total", "total_refunded", "customer_id")
    profile_of = dict(
        await Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True).values_list(
            "id", "profile_id"
        )
    )
    assert {(o.id, o.total, o.refunded, o.profile_id) for o in history.orders} == {
        (oid, total, refunded, profile_of.get(cid)) for oid, total, refunded, cid in rows
    }
    lines = await OrderLine.filter(order_id__in=[r[0] for r in rows]).values_list("order_id", "total")
    assert sorted((line.order_id, line.total) for ls in history.lines.values() for line in ls) == sorted(lines)


async def test_every_shipping_address_of_a_persons_orders_is_one_of_their_facts_at_its_newest_order(refreshed):
    merchant_id = refreshed.sandbox.merchant_id
    profile_of = dict(
        await Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True).values_list(
            "id", "profile_id"
        )
    )
    newest: dict[tuple[int, int, str], Any] = {}
    for cid, store_id, address, created in await Order.filter(
        merchant_id=merchant_id, deleted_at=None, shipping_address__not_isnull=True
    ).values_list("customer_id", "store_id", "shipping_address", "platform_created_at"):
        if cid in profile_of and (normal := normalize_address(address)) is not None:
            key = (profile_of[cid], store_id, repr(sorted(normal.items())))
            newest[key] = max(newest.get(key, created), created)
    facts = await ProfileFact.filter(merchant_id=merchant_id, kind="address").values_list(
        "profile_id", "store_id", "value", "observed_at"
    )
    found = {
        (p, s, repr(sorted(normal.items()))): seen
        for p, s, value, seen in facts
        if (normal := normalize_address(value)) is not None
    }
    assert len(newest) > 1000
    for key, seen in newest.items():
        assert key in found and found[key] >= seen, key


def test_phone_numbers_are_parsed_once_per_spelling_and_region():
    before = normalize_phone.cache_info()
    first = normalize_phone("(347) 555-0199", "US")
    again = normalize_phone("(347) 555-0199", "US")
    after = normalize_phone.cache_info()
    assert first == again == "+13475550199"
    assert after.hits - before.hits >= 1
    assert normalize_phone("020 7946 0018", "GB") == "+442079460018" != normalize_phone("020 7946 0018", "US")
