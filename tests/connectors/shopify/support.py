"""Shopify test support: the simulator, Rapport's Shopify routes served in the test's loop, and
both sides' state in the same terms.

Rapport's side runs in the test's event loop (uvicorn as a task), so its requests and jobs
use the test's database; the simulator runs in a thread of its own, as a remote shop would.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import uvicorn
from starlette.applications import Starlette

from app.http.shopify import routes
from app.jobs.local_queue import LocalQueue
from app.jobs.registry import load as load_jobs
from app.settings import Settings
from connectors.core.http import RetryPolicy
from connectors.shopify import ShopifyConnector
from connectors.shopify.oauth import App
from sandbox.shopify import ShopState
from store.models import (
    Customer,
    InstallState,
    Merchant,
    Order,
    OrderLine,
    Platform,
    Product,
    Refund,
    RefundLine,
    Store,
    Variant,
)
from tests.support.servers import SECRET

API_KEY = "rapport-test-key"
API_SECRET = "rapport-test-app-secret-0123456789abcdef"
FAST = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.1, max_retry_after=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_shop(**settings: Any) -> ShopState:
    """The sandbox Shopify store; the Plus plan's restore rate (1,000/s) unless told otherwise."""
    settings.setdefault("restore_rate", 1000.0)
    return ShopState.from_dataset("sample", 7, api_key=API_KEY, api_secret=API_SECRET, **settings)


def connector(shop_url: str, **options: Any) -> ShopifyConnector:
    options.setdefault("policy", FAST)
    return ShopifyConnector(App(API_KEY, API_SECRET), base_url=shop_url, **options)


async def installed_store(shop: ShopState) -> Store:
    """A store row holding a token straight from the simulator (for tests that skip OAuth)."""
    merchant = await Merchant.create(name=shop.settings.shop_name)
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=shop.settings.shop_domain,
        name=shop.settings.shop_name,
        public_key=f"pk_{shop.settings.shop_domain}",
        install_state=InstallState.INSTALLED,
        access_token=shop.issue_token(),
    )


@dataclass
class Rapport:
    """Rapport's Shopify surface, served on a real port, with its embedded job queue."""

    url: str
    settings: Settings
    queue: LocalQueue

    async def run_jobs(self) -> None:
        """Run queued jobs (and the jobs they queue) until none is left."""
        await LocalQueue(self.settings, poll=0.02).work(burst=True)


@asynccontextmanager
async def serve_rapport(database_url: str, shop_url: str) -> AsyncIterator[Rapport]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        secret_key=SECRET,
        database_url=database_url,
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        shopify_base_url=shop_url,
        public_base_url=url,
        job_backoff_seconds=0.05,
    )
    load_jobs()
    queue = LocalQueue(settings, poll=0.02)
    app = Starlette(routes=routes(settings))
    app.state.queue = queue
    app.state.settings = settings
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Rapport(url, settings, queue)
    finally:
        server.should_exit = True
        await task


async def store_state(store: Store) -> dict[str, Any]:
    """The store's copy, in the simulator's terms (``ShopState.counts()`` / ``totals()``)."""
    orders = await Order.filter(store_id=store.id).values(
        "platform_id",
        "currency",
        "total",
        "total_refunded",
        "total_discount",
        "subtotal",
        "financial_status",
        "cancelled_at",
        "email",
        "phone",
    )
    refunds = await Refund.filter(store_id=store.id).values("currency", "amount")
    totals: dict[str, dict[str, Decimal]] = {}
    for o in orders:
        row = totals.setdefault(o["currency"], {k: Decimal(0) for k in ("revenue", "refunds", "discounts", "subtotal")})
        row["revenue"] += o["total"]
        row["discounts"] += o["total_discount"]
        row["subtotal"] += o["subtotal"]
    for r in refunds:
        totals[r["currency"]]["refunds"] += r["amount"]
    return {
        "counts": {
            "customers": await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None).count(),
            "products": await Product.filter(store_id=store.id, deleted_at=None).count(),
            "variants": await Variant.filter(store_id=store.id, product__deleted_at=None).count(),
            "orders": len(orders),
            "guest_orders": await Order.filter(store_id=store.id, customer__is_guest=True).count(),
            "cancelled_orders": sum(o["cancelled_at"] is not None for o in orders),
            "lines": await OrderLine.filter(store_id=store.id).count(),
            "refunds": len(refunds),
            "refund_lines": await RefundLine.filter(store_id=store.id).count(),
        },
        "totals": totals,
        "orders": {
            o["platform_id"]: (
                o["total"],
                o["total_refunded"],
                o["financial_status"],
                o["cancelled_at"] is not None,
                o["email"],
                o["phone"],
            )
            for o in orders
        },
    }


def shop_truth(shop: ShopState) -> dict[str, Any]:
    """The simulator's state in the same terms."""
    counts = shop.counts()
    keep = (
        "customers",
        "products",
        "variants",
        "orders",
        "guest_orders",
        "cancelled_orders",
        "lines",
        "refunds",
        "refund_lines",
    )
    totals = {
        currency: {k: row[k] for k in ("revenue", "refunds", "discounts", "subtotal")}
        for currency, row in shop.totals().items()
    }
    with shop.lock:
        orders = {
            str(o.id): (
                o.total,
                o.total_refunded,
                o.financial_status.lower(),
                o.cancelled_at is not None,
                o.email,
                o.phone,
            )
            for o in shop.orders.values()
        }
    return {"counts": {k: counts[k] for k in keep}, "totals": totals, "orders": orders}


OVERLAP = timedelta(minutes=5)
