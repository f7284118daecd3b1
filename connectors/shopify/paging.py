"""Paged reads of customers, products and orders, each record complete before it is written.

A page holds as many records as fit under the single-query cost cap; the few records with
more lines, variants or refund lines than a page carries get the rest in follow-up queries,
because the store replaces an order's lines with what a record lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.shopify import from_graphql, queries
from connectors.shopify.client import QueryTooCostly, ShopifyGraphQL, collect
from connectors.shopify.from_graphql import nodes_of
from store.records import CustomerRecord, OrderRecord, ProductRecord

Record = CustomerRecord | ProductRecord | OrderRecord


@dataclass(frozen=True)
class Page:
    records: list[Record]
    end_cursor: str | None
    has_next: bool

    @property
    def high_water(self) -> datetime | None:
        return max((r.updated_at for r in self.records), default=None)


async def _rest_of(
    gql: ShopifyGraphQL, query: str, parent_id: str, key: str, after: str | None
) -> list[dict[str, Any]]:
    """The nodes of ``parent.<key>`` after ``after`` (the first page came with the parent)."""

    async def fetch(cursor: str | None) -> Mapping[str, Any]:
        data = await gql.execute(query, {"id": parent_id, "after": cursor or after}, name=f"more:{key}")
        return (data.get("node") or {}).get(key) or {}

    return await collect(fetch)


async def _all_of(gql: ShopifyGraphQL, node: Mapping[str, Any], key: str, query: str) -> list[dict[str, Any]]:
    connection = node.get(key) or {}
    found = list(nodes_of(connection))
    info = connection.get("pageInfo") or {}
    if info.get("hasNextPage"):
        found += await _rest_of(gql, query, node["id"], key, info.get("endCursor"))
    return found


async def complete_order(gql: ShopifyGraphQL, node: Mapping[str, Any]) -> OrderRecord:
    lines = await _all_of(gql, node, "lineItems", queries.MORE_LINES)
    refunds = [
        from_graphql.refund(r, await _all_of(gql, r, "refundLineItems", queries.MORE_REFUND_LINES))
        for r in node.get("refunds") or []
    ]
    return from_graphql.order(node, lines, refunds)


async def complete_product(gql: ShopifyGraphQL, node: Mapping[str, Any], shop: str = "") -> ProductRecord:
    variants = await _all_of(gql, node, "variants", queries.MORE_VARIANTS)
    return from_graphql.product(node, variants, shop=shop)


async def records_of(
    gql: ShopifyGraphQL, resource: str, nodes: list[Mapping[str, Any]], shop: str = ""
) -> list[Record]:
    if resource == "orders":
        return [await complete_order(gql, n) for n in nodes]
    if resource == "products":
        return [await complete_product(gql, n, shop) for n in nodes]
    return [from_graphql.customer(n) for n in nodes]


class Pager:
    """Reads one resource page by page, shrinking the page when Shopify says it costs too much."""

    def __init__(self, gql: ShopifyGraphQL, resource: str, *, search: str | None = None, shop: str = "") -> None:
        self.gql = gql
        self.shop = shop
        self.resource = resource
        self.search = search
        self.size = queries.PAGE_SIZES[resource]
        self.query = queries.page_query(resource)

    async def page(self, after: str | None) -> Page:
        while True:
            try:
                data = await self.gql.execute(
                    self.query,
                    {"first": self.size, "after": after, "query": self.search},
                    name=f"page:{self.resource}:{self.size}",
                )
                break
            except QueryTooCostly as exc:
                if self.size <= 1:
                    raise
                self.size = max(1, self.size * exc.maximum // max(exc.cost, 1) - 1)
        connection = data[self.resource]
        info = connection.get("pageInfo") or {}
        records = await records_of(self.gql, self.resource, nodes_of(connection), self.shop)
        return Page(records, info.get("endCursor"), bool(info.get("hasNextPage")))


async def orders_by_id(gql: ShopifyGraphQL, ids: list[str]) -> list[OrderRecord]:
    """Complete orders by global id, a cost-sized batch per query (missing ids are skipped)."""
    out: list[OrderRecord] = []
    step = queries.ORDERS_BY_ID_BATCH
    for start in range(0, len(ids), step):
        data = await gql.execute(queries.ORDERS_BY_ID, {"ids": ids[start : start + step]}, name=f"orders-by-id:{step}")
        for node in data.get("nodes") or []:
            if node and node.get("id"):
                out.append(await complete_order(gql, node))
    return out
