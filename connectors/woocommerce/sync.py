"""Backfill, incremental passes and the reconciliation scan of one WooCommerce site.

* **Backfill**: products (with variations), customers, then orders (with their refunds),
  100 per page, a checkpoint saved after every written page, so a killed backfill resumes
  where it stood without reading finished pages again.
* **Incremental**: orders and products by ``modified_after`` (GMT, ``dates_are_gmt=true``)
  from the last pass's newest modification time minus an overlap window (the first pass
  starts from when the backfill of that resource began); trashed orders are read with
  ``status=trash`` (the default ``any`` leaves them out) and soft-deleted.
* **Customers** cannot be filtered by modification time. Their changes arrive by webhook
  (``customer.created/updated/deleted``); because WooCommerce sends each webhook once, never
  retries, and disables a webhook after repeated failures, a **reconciliation scan** reads
  every user at most every ``reconcile_interval`` (default 1 hour, on the next incremental
  pass after it lapses): it upserts them all (stale copies lose to newer ones), soft-deletes
  stored customers the site no longer has (after asking for them by id, so a page shift
  cannot delete anyone), and re-activates our webhooks if WooCommerce disabled them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.core import checkpoint as cp
from connectors.core.connector import SyncReport
from connectors.core.sink import Sink
from connectors.woocommerce import pages
from connectors.woocommerce.client import PER_PAGE, WooClient
from connectors.woocommerce.scan import Cursor, by_modified, by_page
from store.models import Customer, Store, SyncCheckpoint

RECONCILE = "reconcile"
ORDER_TRASH = "orders_trash"

Writer = Callable[[WooClient, Store, Sink, list[dict[str, Any]]], Awaitable[int]]


async def _customers_writer(client: WooClient, store: Store, sink: Sink, items: list[dict[str, Any]]) -> int:
    return await pages.write_customers(store, sink, items)


KEYSET: dict[str, tuple[str, Mapping[str, Any], Writer]] = {
    "products": ("products", {}, pages.write_products),
    "orders": ("orders", {}, pages.write_orders),
    ORDER_TRASH: ("orders", {"status": "trash"}, pages.write_orders),
}


def _count(report: SyncReport, resource: str, records: int) -> None:
    report.records[resource] = report.records.get(resource, 0) + records
    report.pages[resource] = report.pages.get(resource, 0) + 1


async def _keyset(
    client: WooClient,
    store: Store,
    sink: Sink,
    report: SyncReport,
    checkpoint: SyncCheckpoint,
    resource: str,
    start: Cursor,
) -> None:
    path, params, write = KEYSET[resource]
    async with aclosing(by_modified(client, path, params, start)) as scan:
        async for items, following, newest in scan:
            written = await write(client, store, sink, items)
            await cp.save_page(
                checkpoint, cursor=following.dump() if following else None, records=written, high_water=newest
            )
            _count(report, resource, written)
    await cp.finish(checkpoint)


async def backfill(client: WooClient, store: Store, sink: Sink, report: SyncReport) -> None:
    """Every product, customer and order (refunds ride with their orders), resumable."""
    for resource in ("products", "customers", "orders"):
        checkpoint = await cp.open_checkpoint(store.id, resource, cp.BACKFILL)
        if checkpoint.finished_at is not None:
            continue
        if resource == "customers":
            first = int(checkpoint.cursor or 1)
            async for items, following in by_page(client, "customers", {}, first):
                written = await pages.write_customers(store, sink, items)
                await cp.save_page(checkpoint, cursor=str(following) if following else None, records=written)
                _count(report, resource, written)
            await cp.finish(checkpoint)
        else:
            await _keyset(client, store, sink, report, checkpoint, resource, Cursor.load(checkpoint.cursor) or Cursor())


async def _start(store: Store, resource: str, checkpoint: SyncCheckpoint, overlap: timedelta) -> Cursor:
    """Where an incremental pass begins: its saved cursor, or the newest time seen minus the overlap."""
    saved = Cursor.load(checkpoint.cursor)
    if saved is not None and checkpoint.finished_at is None:
        return saved
    if checkpoint.high_water is not None:
        return Cursor(checkpoint.high_water - overlap)
    source = "orders" if resource == ORDER_TRASH else resource
    began = await SyncCheckpoint.filter(store_id=store.id, resource=source, mode=cp.BACKFILL).first()
    if began is not None and began.started_at is not None:
        return Cursor(began.started_at - overlap)
    return Cursor()


async def backfilled(store: Store) -> bool:
    done = await SyncCheckpoint.filter(store_id=store.id, mode=cp.BACKFILL, finished_at__not_isnull=True).values_list(
        "resource", flat=True
    )
    return {"products", "customers", "orders"} <= set(done)


async def incremental(
    client: WooClient,
    store: Store,
    sink: Sink,
    report: SyncReport,
    *,
    overlap: timedelta,
) -> None:
    """Orders, trashed orders and products changed since the last pass (with the overlap)."""
    for resource in ("products", "orders", ORDER_TRASH):
        checkpoint = await cp.open_checkpoint(store.id, resource, cp.INCREMENTAL)
        start = await _start(store, resource, checkpoint, overlap)
        if checkpoint.finished_at is not None:
            await cp.restart(checkpoint)
        await _keyset(client, store, sink, report, checkpoint, resource, start)


async def reconcile_due(store: Store, interval: timedelta, now: datetime | None = None) -> bool:
    checkpoint = await SyncCheckpoint.filter(store_id=store.id, resource="customers", mode=RECONCILE).first()
    if checkpoint is None or checkpoint.finished_at is None:
        return True
    return (now or datetime.now(UTC)) - checkpoint.finished_at >= interval


async def reconcile_customers(client: WooClient, store: Store, sink: Sink, report: SyncReport) -> int:
    """Read every user; upsert customers (and users an order linked to), soft-delete the vanished.

    Returns how many stored customers were found gone. Not resumable on purpose: the
    deletions need one complete pass.
    """
    checkpoint = await cp.open_checkpoint(store.id, "customers", RECONCILE)
    await cp.restart(checkpoint)
    stored = set(
        await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None).values_list("platform_id", flat=True)
    )
    seen: set[str] = set()
    async for items, following in by_page(client, "customers", {"role": "all"}):
        seen.update(str(i["id"]) for i in items)
        keep = [i for i in items if i.get("role") == "customer" or str(i["id"]) in stored]
        written = await pages.write_customers(store, sink, keep)
        await cp.save_page(checkpoint, cursor=str(following) if following else None, records=written)
        _count(report, "customers", written)
    missing = sorted(stored - seen)
    gone: list[str] = []
    for part in pages.chunks(missing, PER_PAGE):
        page = await client.list("customers", {"include": list(part), "role": "all", "per_page": PER_PAGE})
        found = {str(i["id"]) for i in page.items}
        await pages.write_customers(store, sink, [i for i in page.items if str(i["id"]) in found])
        gone.extend(pid for pid in part if pid not in found)
    if gone:
        await sink.delete(store, Customer, gone)
    await cp.finish(checkpoint)
    return len(gone)
