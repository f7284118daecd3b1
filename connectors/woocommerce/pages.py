"""Writing what one page of WooCommerce payloads says into the store, whatever brought it.

Backfill, incremental passes and webhooks all end here, so a trashed order, a refund or a
variable product is handled the same way whichever path saw it first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from connectors.core.http import PlatformRejected
from connectors.core.sink import Sink
from connectors.woocommerce import normalize
from connectors.woocommerce.client import PER_PAGE, WooClient
from store.models import Customer, Order, Store

Payload = dict[str, Any]

FETCH_CONCURRENCY = 8
"""Variation and refund look-ups in flight at once for one page."""


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def fetch_refunds(client: WooClient, orders: Sequence[Payload]) -> list[Payload]:
    """The full refund resources an order page mentions: ``GET /refunds?include=...`` (WC 9.0+),
    one request per 100 refunds; older sites fall back to ``/orders/{id}/refunds``."""
    wanted = [rid for o in orders for rid in normalize.refund_ids(o)]
    if not wanted:
        return []
    try:
        found: list[Payload] = []
        for part in chunks(wanted, PER_PAGE):
            page = await client.list("refunds", {"include": list(part), "per_page": PER_PAGE})
            found.extend(page.items)
        return found
    except PlatformRejected as exc:
        if exc.status != 404:
            raise
    with_refunds = [o for o in orders if normalize.refund_ids(o)]
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def of_order(order_id: Any) -> list[Payload]:
        async with gate:
            page = await client.list(f"orders/{order_id}/refunds", {"per_page": PER_PAGE})
            return page.items

    lists = await asyncio.gather(*(of_order(o["id"]) for o in with_refunds))
    return [r for refunds in lists for r in refunds]


async def write_orders(client: WooClient, store: Store, sink: Sink, payloads: Sequence[Payload]) -> int:
    """Upsert a page of orders with their refunds; trashed ones are written, then soft-deleted
    (so their modification time guards against an older payload bringing them back)."""
    orders = [p for p in payloads if isinstance(p, dict) and p.get("id") is not None]
    if not orders:
        return 0
    refunds = await fetch_refunds(client, orders)
    await sink.orders(store, [normalize.order(o, refunds) for o in orders])
    trashed = [str(o["id"]) for o in orders if o.get("status") == "trash"]
    if trashed:
        await sink.delete(store, Order, trashed)
    return len(orders)


async def fetch_variations(client: WooClient, product_id: Any) -> list[Payload]:
    variations: list[Payload] = []
    page_no = 1
    while True:
        page = await client.list(f"products/{product_id}/variations", {"per_page": PER_PAGE, "page": page_no})
        variations.extend(page.items)
        if page_no >= page.total_pages or not page.items:
            return variations
        page_no += 1


async def write_products(client: WooClient, store: Store, sink: Sink, payloads: Sequence[Payload]) -> int:
    """Upsert a page of products; variable products bring their variations (fetched concurrently)."""
    products = [p for p in payloads if isinstance(p, dict) and p.get("id") is not None]
    if not products:
        return 0
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def variations(product: Payload) -> list[Payload]:
        if product.get("type") != "variable" or not product.get("variations"):
            return []
        async with gate:
            return await fetch_variations(client, product["id"])

    found = await asyncio.gather(*(variations(p) for p in products))
    await sink.products(store, [normalize.product(p, v) for p, v in zip(products, found, strict=True)])
    return len(products)


async def write_customers(
    store: Store, sink: Sink, payloads: Sequence[Payload], *, revive: bool = True, created: bool = False
) -> int:
    """Upsert a page of customers. With ``revive=False`` (webhooks) a customer already known
    to be deleted stays deleted: WordPress never reuses a user id, so a late ``customer.updated``
    from before the deletion must not bring the row back. ``created``: a live ``customer.created``."""
    records = [normalize.customer(p) for p in payloads if isinstance(p, dict) and p.get("id") is not None]
    if not revive and records:
        gone = set(
            await Customer.filter(
                store_id=store.id,
                platform_id__in=[r.platform_id for r in records],
                deleted_at__not_isnull=True,
            ).values_list("platform_id", flat=True)
        )
        records = [r for r in records if r.platform_id not in gone]
    if records:
        await sink.customers(store, records, created=created)
    return len(records)
