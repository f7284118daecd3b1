"""Upsert throughput: batched pages (one statement per table per page) against a naive per-row ORM save.

Both paths write the same Shopify orders of the sandbox data set (master: 34,925 orders) with
their lines and customers into a fresh database; the naive path runs on the first
``--naive`` orders because it is slow. Prints JSON per backend.

    .venv/bin/python -m bench.bench_upsert [--backend sqlite|postgres] [--naive 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from typing import Any

from tortoise.context import TortoiseContext

from app.db import tortoise_config
from app.demo.seed import order_record, pages, sandbox_merchant
from bench.support import scratch_database
from sandbox.dataset import build
from store import crypto
from store.ingest import content_hash, upsert_orders
from store.models import Customer, Order, OrderLine
from store.records import OrderRecord


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def naive_save(store: Any, record: OrderRecord) -> None:
    """What an ORM-only sync does: look up, then save each order, customer and line."""
    customer = None
    if record.customer:
        customer, _ = await Customer.update_or_create(
            store_id=store.id,
            platform_id=record.customer.platform_id,
            defaults=dict(
                merchant_id=store.merchant_id,
                email=record.customer.email,
                is_guest=record.customer.is_guest,
                platform_updated_at=record.customer.updated_at,
                content_hash=content_hash(record.customer),
            ),
        )
    order, _ = await Order.update_or_create(
        store_id=store.id,
        platform_id=record.platform_id,
        defaults=dict(
            merchant_id=store.merchant_id,
            customer=customer,
            name=record.name,
            email=record.email,
            currency=record.currency,
            subtotal=record.subtotal,
            total=record.total,
            platform_created_at=record.created_at,
            platform_updated_at=record.updated_at,
            content_hash=content_hash(record),
        ),
    )
    for line in record.lines:
        await OrderLine.update_or_create(
            store_id=store.id,
            platform_id=line.platform_id,
            defaults=dict(
                order=order,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.total,
            ),
        )


async def _run(url: str, orders: list[OrderRecord], naive: int, data: Any) -> dict[str, Any]:
    counter = Counter()
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    result: dict[str, Any] = {}
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        _, stores = await sandbox_merchant(data)
        store = stores["shopify"]
        lines = sum(len(o.lines) for o in orders)
        counter.count = 0
        started = time.perf_counter()
        page_count = 0
        for page in pages(orders):
            await upsert_orders(store, page)
            page_count += 1
        batched = time.perf_counter() - started
        result["batched"] = {
            "orders": len(orders),
            "lines": lines,
            "seconds": round(batched, 3),
            "orders_per_s": round(len(orders) / batched),
            "lines_per_s": round(lines / batched),
            "statements_per_page": round(counter.count / page_count, 2),
        }
        other = stores["woocommerce"]
        subset = [r for r in (order_record(o) for o in data.by_store("woocommerce").orders[:naive])]
        sub_lines = sum(len(o.lines) for o in subset)
        counter.count = 0
        started = time.perf_counter()
        for record in subset:
            await naive_save(other, record)
        slow = time.perf_counter() - started
        result["naive"] = {
            "orders": len(subset),
            "lines": sub_lines,
            "seconds": round(slow, 3),
            "orders_per_s": round(len(subset) / slow),
            "lines_per_s": round(sub_lines / slow),
            "statements_per_order": round(counter.count / len(subset), 2),
        }
        result["speedup"] = round(result["batched"]["orders_per_s"] / result["naive"]["orders_per_s"], 1)
    logger.removeHandler(counter)
    return result


def bench_upsert(backend: str, naive: int = 1500, source: str = "master") -> dict[str, Any]:
    crypto.configure("bench-secret-" + "x" * 32)
    data = build(source, 7)
    orders = [order_record(o) for o in data.by_store("shopify").orders]
    with scratch_database(backend) as url:
        return {"backend": backend, **asyncio.run(_run(url, orders, naive, data))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--naive", type=int, default=1500)
    parser.add_argument("--source", choices=["sample", "master"], default="master")
    args = parser.parse_args()
    print(json.dumps(bench_upsert(args.backend, args.naive, args.source), indent=2))


if __name__ == "__main__":
    main()
