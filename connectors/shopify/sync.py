"""Backfill and incremental sync of one store, resumable from checkpoints.

Backfill: one bulk operation per resource (customers, products, orders), its JSONL result
written in pages of 250 records. Paging would cost too much: a page of complete orders is
capped at about a dozen by the 1,000-point query limit, and at the Standard plan's refill of
100 points/s a 5,000-product catalogue alone takes minutes of bucket time, where a bulk
query costs 10 points. (Paged backfill remains an option, ``bulk_resources=()``.) Every page
is written, then its checkpoint saved, so a killed run goes on after the last written page:
the bulk file's byte offset (or the next cursor when paging).

Incremental: ``updated_at:>='<high water − overlap>'`` in ``UPDATED_AT`` order. A record
edited while the pass runs moves behind the cursor and is read again in the same pass; the
overlap window covers clock skew and late commits; a record seen twice is written once
(the store ignores what is not newer).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.core import checkpoint as checkpoints
from connectors.core.connector import SyncReport
from connectors.core.sink import Sink
from connectors.shopify import bulk, from_graphql, queries
from connectors.shopify.client import ShopifyGraphQL
from connectors.shopify.paging import Pager, Record, orders_by_id
from connectors.shopify.scalars import gid, search_time
from store.models import Store, SyncCheckpoint
from store.records import CustomerRecord, OrderRecord, ProductRecord

RESOURCES = ("customers", "products", "orders")
BULK_PAGE = 250


@dataclass
class Options:
    overlap: timedelta = timedelta(minutes=5)
    bulk_resources: tuple[str, ...] = RESOURCES
    bulk_page: int = BULK_PAGE


async def write(sink: Sink, store: Store, resource: str, records: Sequence[Record]) -> None:
    if not records:
        return
    if resource == "customers":
        await sink.customers(store, [r for r in records if isinstance(r, CustomerRecord)])
    elif resource == "products":
        await sink.products(store, [r for r in records if isinstance(r, ProductRecord)])
    else:
        await sink.orders(store, [r for r in records if isinstance(r, OrderRecord)])


def _cursor(checkpoint: SyncCheckpoint) -> dict[str, Any]:
    return json.loads(checkpoint.cursor) if checkpoint.cursor else {}


def _high_water(records: Sequence[Record]) -> datetime | None:
    return max((r.updated_at for r in records), default=None)


class StoreSync:
    """The sync of one store over one GraphQL client."""

    def __init__(self, store: Store, sink: Sink, gql: ShopifyGraphQL, options: Options) -> None:
        self.store = store
        self.sink = sink
        self.gql = gql
        self.options = options
        self.report = SyncReport()

    def _count(self, resource: str, records: int) -> None:
        self.report.records[resource] = self.report.records.get(resource, 0) + records
        self.report.pages[resource] = self.report.pages.get(resource, 0) + 1

    # -- backfill -----------------------------------------------------------------------------

    async def backfill(self) -> SyncReport:
        for resource in RESOURCES:
            cp = await checkpoints.open_checkpoint(self.store.id, resource, checkpoints.BACKFILL)
            if cp.finished_at is not None:
                continue
            if resource in self.options.bulk_resources:
                await self._bulk(resource, cp)
            else:
                await self._paged(resource, cp, search=None)
            await checkpoints.finish(cp)
        return self.report

    async def _paged(self, resource: str, cp: SyncCheckpoint, *, search: str | None) -> None:
        """Page through from the checkpoint's cursor; the cursor names the search it belongs to."""
        state = _cursor(cp)
        pager = Pager(self.gql, resource, search=state.get("search", search), shop=self.store.domain)
        after = state.get("after")
        while True:
            page = await pager.page(after)
            await write(self.sink, self.store, resource, page.records)
            after = page.end_cursor if page.has_next else None
            cursor = json.dumps({"search": pager.search, "after": after}) if after else None
            await checkpoints.save_page(cp, cursor=cursor, records=len(page.records), high_water=page.high_water)
            self._count(resource, len(page.records))
            if after is None:
                return

    async def _bulk(self, resource: str, cp: SyncCheckpoint) -> None:
        state = _cursor(cp)
        op_id, offset = state.get("op"), int(state.get("offset", 0))
        if op_id:
            try:
                op = await bulk.finished(self.gql, op_id)
            except bulk.BulkFailed:
                op_id, offset = None, 0  # gone or failed: run it again, writes are idempotent
        if not op_id:
            op_id = await bulk.start(self.gql, queries.BULK[resource])
            cp.cursor = json.dumps({"op": op_id, "offset": 0})
            await cp.save(update_fields=["cursor", "updated_at"])
            op = await bulk.finished(self.gql, op_id)
        if not op.get("url"):
            return  # nothing matched
        page: list[bulk.Group] = []
        async for group in bulk.groups(op["url"], offset, policy=self.gql.http.policy):
            page.append(group)
            if len(page) >= self.options.bulk_page:
                await self._bulk_page(resource, cp, op_id, page)
                page = []
        if page:
            await self._bulk_page(resource, cp, op_id, page)

    async def _bulk_page(self, resource: str, cp: SyncCheckpoint, op_id: str, page: list[bulk.Group]) -> None:
        records = await self._records_of_groups(resource, page)
        await write(self.sink, self.store, resource, records)
        await checkpoints.save_page(
            cp,
            cursor=json.dumps({"op": op_id, "offset": page[-1].end}),
            records=len(records),
            high_water=_high_water(records),
        )
        self._count(resource, len(records))

    async def _records_of_groups(self, resource: str, page: list[bulk.Group]) -> list[Record]:
        if resource == "customers":
            return [from_graphql.customer(g.node) for g in page]
        if resource == "products":
            return [from_graphql.product(g.node, g.children, shop=self.store.domain) for g in page]
        refunded = [g.node["id"] for g in page if g.node.get("refunds")]
        again = {r.platform_id: r for r in await orders_by_id(self.gql, refunded)} if refunded else {}
        out: list[Record] = []
        for g in page:
            record = from_graphql.order(g.node, g.children, refunds=())
            out.append(again.get(record.platform_id, record))
        return out

    # -- incremental --------------------------------------------------------------------------

    async def incremental(self) -> SyncReport:
        for resource in RESOURCES:
            done = await checkpoints.open_checkpoint(self.store.id, resource, checkpoints.BACKFILL)
            if done.finished_at is None:
                continue  # the backfill owns this resource until it is through
            cp = await checkpoints.open_checkpoint(self.store.id, resource, checkpoints.INCREMENTAL)
            if cp.finished_at is not None:
                await checkpoints.restart(cp)
            search = None
            if not cp.cursor:
                base = cp.high_water or done.started_at or done.updated_at
                search = f"updated_at:>='{search_time(base - self.options.overlap)}'"
            await self._paged(resource, cp, search=search)
            await checkpoints.finish(cp)
        return self.report

    async def orders_by_platform_id(self, platform_ids: Sequence[str]) -> list[OrderRecord]:
        return await orders_by_id(self.gql, [gid("Order", p) for p in platform_ids])
