"""A merchant's purchase history as plain rows, read once per refresh and shared by every step.

Orders count when they are live, not test orders and not cancelled. An order belongs to a
profile through its customer; orders of erased customers (``deleted_at``) or without a
customer still count for the catalog (baskets, popularity) but for no person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import cast

from store.models import Customer, Order, Product, Store, Variant
from store.sql.purchases import PAGE, order_pages
from store.sql.writes import CHUNK


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    store_id: int
    profile_id: int | None
    currency: str
    total: Decimal
    refunded: Decimal
    discounted: bool
    created_at: datetime

    @property
    def net(self) -> Decimal:
        return self.total - self.refunded


@dataclass(frozen=True, slots=True)
class LineRow:
    order_id: int
    product_id: int | None
    total: Decimal


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: int
    store_id: int
    handle: str
    category: str
    vendor: str
    buyable: bool
    """Active, not deleted, with a variant in stock."""

    @property
    def item(self) -> str:
        """One catalog item across the merchant's stores: the same handle is the same product."""
        return f"h:{self.handle}" if self.handle else f"p:{self.id}"


@dataclass
class MerchantHistory:
    merchant_id: int
    platforms: dict[int, str]
    orders: list[OrderRow]
    lines: dict[int, list[LineRow]]
    products: dict[int, ProductRow]
    home_store: dict[int, int] = field(default_factory=dict)
    """Every live profile with a live customer, bought or not, and the store of its first customer."""
    profiles: frozenset[int] | None = None
    """None: the whole merchant (a full run). Else an incremental run: only these people's orders
    are here, and each step replaces exactly these people's rows (one without purchases any more
    loses its row) and leaves everyone else's alone."""

    def orders_by_profile(self) -> dict[int, list[OrderRow]]:
        out: dict[int, list[OrderRow]] = defaultdict(list)
        for order in self.orders:
            if order.profile_id is not None:
                out[order.profile_id].append(order)
        return out


async def load_history(
    merchant_id: int, *, page: int = PAGE, profiles: Collection[int] | None = None
) -> MerchantHistory:
    """Read page by page (``store.sql.purchases.order_pages``), with equal money values and currency codes shared
    between rows: a big merchant's history is millions of small objects, mostly repeats.

    ``profiles``: only these people's orders (an incremental refresh); the catalog is whole, and
    orders without a person are left out (they count for the catalog, which only a full run learns)."""
    conn = Order._meta.db
    platforms = {
        s["id"]: str(s["platform"]) for s in await Store.filter(merchant_id=merchant_id).values("id", "platform")
    }
    profile_of: dict[int, int] = {}
    home_store: dict[int, int] = {}
    for cid, profile_id, store_id in await _people(merchant_id, profiles):
        profile_of[cid] = profile_id
        home_store.setdefault(profile_id, store_id)
    money: dict[Decimal, Decimal] = {}
    codes: dict[str, str] = {}
    orders: list[OrderRow] = []
    lines: dict[int, list[LineRow]] = {}
    customers = None if profiles is None else profile_of.keys()
    async for order_rows, line_rows in order_pages(conn, merchant_id, page, customers=customers):
        orders.extend(
            OrderRow(
                oid,
                store_id,
                profile_of.get(customer_id) if customer_id is not None else None,
                codes.setdefault(currency, currency),
                money.setdefault(total, total),
                money.setdefault(refunded, refunded),
                discounted,
                created,
            )
            for oid, store_id, customer_id, currency, total, refunded, discounted, created in order_rows
        )
        for order_id, product_id, amount in line_rows:
            line = LineRow(order_id, product_id, money.setdefault(amount, amount))
            if (same_order := lines.get(order_id)) is None:
                lines[order_id] = [line]
            else:
                same_order.append(line)
    # The pages come by (created at, id); the stable sort only guarantees it (one pass when sorted).
    orders.sort(key=attrgetter("created_at"))
    in_stock = set(
        await Variant.filter(product__merchant_id=merchant_id, in_stock=True)
        .distinct()
        .values_list("product_id", flat=True)
    )
    products: dict[int, ProductRow] = {}
    for pid, store_id, handle, category, vendor, status, deleted_at in await Product.filter(
        merchant_id=merchant_id
    ).values_list("id", "store_id", "handle", "category", "vendor", "status", "deleted_at"):
        buyable = status == "active" and deleted_at is None and pid in in_stock
        products[pid] = ProductRow(pid, store_id, handle, category, vendor, buyable)
    chosen = None if profiles is None else frozenset(profiles)
    return MerchantHistory(merchant_id, platforms, orders, lines, products, home_store, chosen)


async def _people(merchant_id: int, profiles: Collection[int] | None) -> list[tuple[int, int, int]]:
    """(customer id, profile id, store id) of live customers with a profile, by customer id: all of
    the merchant's, or those of ``profiles``, read ``CHUNK`` profiles at a time."""
    live = Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True)
    if profiles is None:
        return cast(list[tuple[int, int, int]], await live.order_by("id").values_list("id", "profile_id", "store_id"))
    wanted = sorted(profiles)
    rows: list[tuple[int, int, int]] = []
    for start in range(0, len(wanted), CHUNK):
        rows += await live.filter(profile_id__in=wanted[start : start + CHUNK]).values_list(
            "id", "profile_id", "store_id"
        )
    return sorted(rows)
