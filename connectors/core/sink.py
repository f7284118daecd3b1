"""Where a connector's pages go: the store's batched upserts, then whoever listens for orders.

``app`` gives the sink an ``on_orders`` hook (loyalty points, identity resolution) and an
``on_customers`` hook (actions the platform verifies: sign-up, marketing consent), so connectors
stay ignorant of the packages that react to the data. ``created`` is true only for a platform's
live customer-created event (Shopify ``customers/create``, WooCommerce ``customer.created``),
never for a backfill or sync page, which cannot tell a new account from an old one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from store import ingest
from store.models import Customer, Order, Product, Store
from store.records import CustomerRecord, OrderRecord, ProductRecord, RefundRecord

OrdersHook = Callable[[Store, list[int]], Awaitable[None]]
CustomersHook = Callable[[Store, Sequence[CustomerRecord], bool], Awaitable[None]]
"""Called with the written page and whether it is a live customer-created event."""


@dataclass
class SinkStats:
    customers: int = 0
    products: int = 0
    orders: int = 0
    refunds: int = 0
    deleted: int = 0


@dataclass
class Sink:
    on_orders: OrdersHook | None = None
    on_customers: CustomersHook | None = None
    stats: SinkStats = field(default_factory=SinkStats)

    async def customers(self, store: Store, records: Sequence[CustomerRecord], *, created: bool = False) -> None:
        await ingest.upsert_customers(store, records)
        self.stats.customers += len(records)
        if records and self.on_customers is not None:
            await self.on_customers(store, records, created)

    async def products(self, store: Store, records: Sequence[ProductRecord]) -> None:
        await ingest.upsert_products(store, records)
        self.stats.products += len(records)

    async def orders(self, store: Store, records: Sequence[OrderRecord]) -> list[int]:
        """Write a page of orders; returns (and announces) the ids of those that changed."""
        changed = await ingest.upsert_orders(store, records)
        self.stats.orders += len(records)
        if changed and self.on_orders is not None:
            await self.on_orders(store, changed)
        return changed

    async def refunds(self, store: Store, order_platform_id: str, records: Sequence[RefundRecord]) -> int:
        added = await ingest.upsert_refunds(store, order_platform_id, records)
        self.stats.refunds += added
        if added and self.on_orders is not None:
            order_ids = await Order.filter(store_id=store.id, platform_id=order_platform_id).values_list(
                "id", flat=True
            )
            await self.on_orders(store, list(order_ids))
        return added

    async def delete(
        self, store: Store, model: type[Customer] | type[Order] | type[Product], platform_ids: Sequence[str]
    ) -> None:
        self.stats.deleted += await ingest.mark_deleted(store, model, platform_ids)
