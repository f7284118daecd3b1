"""WooCommerce connector fixtures: a fresh simulated site per test and Rapport on a real port.

Rapport runs as ``app.web.create_app`` under uvicorn on the test's event loop, with the
embedded job runner, so the simulator reaches its callback and webhook URLs over real HTTP
and the jobs (backfill, webhook processing) run as in production.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
import uvicorn

from app.auth import api_keys
from app.jobs.local_queue import LocalQueue
from app.settings import Settings
from app.web import create_app
from connectors.core.egress import EgressPolicy
from sandbox.woocommerce import WooState, serve_simulator
from store.models import (
    Customer,
    InstallState,
    Job,
    JobStatus,
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

PAID = ("paid", "partially_refunded", "refunded")


class WooTestSettings(Settings):
    """The sandbox serves TLS with a throw-away certificate, on 127.0.0.1, also over plain http:
    the development settings that allow it are explicit here (production refuses both)."""

    woocommerce_verify_tls: bool = False
    allow_http_sites: bool = True
    allow_site_networks: list[str] = ["127.0.0.0/8"]


SANDBOX_EGRESS = EgressPolicy.of(True, ["127.0.0.0/8"])
"""What a connector built by hand needs to reach the simulator."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site_state() -> WooState:
    return WooState.from_dataset("sample", 7)


@pytest.fixture
def site(site_state: WooState) -> Iterator[str]:
    """The site over plain HTTP: requests are signed with OAuth 1.0a."""
    with serve_simulator(site_state) as url:
        yield url


@pytest.fixture
def tls_site(site_state: WooState) -> Iterator[str]:
    """The site over HTTPS: requests use HTTP Basic."""
    with serve_simulator(site_state, tls=True) as url:
        yield url


@dataclass
class Rapport:
    url: str
    settings: WooTestSettings

    async def connect(self, site_url: str, merchant: Merchant | None = None) -> Store:
        """The merchant's clicks: signed in, enter the site, approve on the site, come back."""
        merchant = merchant or await Merchant.create(name="Northwind Records")
        key = (await api_keys.issue(merchant.id, "connect")).secret
        async with httpx.AsyncClient(verify=False, timeout=30) as client:
            start = await client.get(
                f"{self.url}/connect/woocommerce", params={"site": site_url}, headers={"Authorization": f"Bearer {key}"}
            )
            assert start.status_code == 302, start.text
            grant = await client.get(start.headers["location"])
            assert grant.status_code == 302, grant.text
            assert "success=1" in grant.headers["location"]
            back = await client.get(grant.headers["location"])
            assert back.status_code == 200
        return await Store.get(domain=site_url)


async def settle(settings: Settings, limit: float = 90) -> None:
    """Run jobs until none is queued or running: a second worker (as production runs several)
    helps the app's embedded one, whose poll interval would make a webhook storm slow to drain."""
    await asyncio.wait_for(LocalQueue(settings, concurrency=12, poll=0.02).work(burst=True), timeout=limit)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while await Job.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists():
        assert loop.time() < deadline, "jobs did not settle"
        await asyncio.sleep(0.1)
    failed = await Job.filter(status=JobStatus.FAILED).values_list("function", "last_error")
    assert not failed, failed


@pytest_asyncio.fixture
async def rapport(db, database_url: str) -> AsyncIterator[Rapport]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = WooTestSettings(
        database_url=database_url,
        secret_key=SECRET,
        public_base_url=url,
        job_backoff_seconds=0.2,
    )
    app = create_app(settings, run_jobs=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "rapport did not start"
        await asyncio.sleep(0.01)
    try:
        yield Rapport(url, settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


async def store_view(store: Store) -> dict:
    """The store's copy, counted and summed exactly as ``WooState.counts()/totals()`` define them."""
    orders = await Order.filter(store_id=store.id, deleted_at=None).values(
        "id",
        "total",
        "total_refunded",
        "total_discount",
        "financial_status",
        "cancelled_at",
        "currency",
        "customer__is_guest",
    )
    ids = [o["id"] for o in orders]
    refund_ids = await Refund.filter(order_id__in=ids).values_list("id", flat=True) if ids else []
    gross: dict[str, Decimal] = {}
    refunded: dict[str, Decimal] = {}
    revenue: dict[str, Decimal] = {}
    discounts: dict[str, Decimal] = {}
    for o in orders:
        cur = o["currency"]
        gross[cur] = gross.get(cur, Decimal(0)) + o["total"]
        refunded[cur] = refunded.get(cur, Decimal(0)) + o["total_refunded"]
        discounts[cur] = discounts.get(cur, Decimal(0)) + o["total_discount"]
        earned = o["total"] - o["total_refunded"] if o["financial_status"] in PAID and o["cancelled_at"] is None else 0
        revenue[cur] = revenue.get(cur, Decimal(0)) + earned
    return {
        "counts": {
            "customers": await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None).count(),
            "orders": len(orders),
            "guest_orders": sum(1 for o in orders if o["customer__is_guest"]),
            "lines": await OrderLine.filter(order_id__in=ids).count() if ids else 0,
            "refunds": len(refund_ids),
            "refund_lines": await RefundLine.filter(refund_id__in=list(refund_ids)).count() if refund_ids else 0,
            "products": await Product.filter(store_id=store.id, deleted_at=None).count(),
            "variants": await Variant.filter(store_id=store.id).count(),
        },
        "totals": {
            name: {cur: money(v) for cur, v in table.items()}
            for name, table in (
                ("gross", gross),
                ("refunded", refunded),
                ("revenue", revenue),
                ("discounts", discounts),
            )
        },
    }


def site_view(state: WooState) -> dict:
    counts = state.counts()
    simple = sum(1 for p in state.products.values() if p.status == "publish" and p.type != "variable")
    return {
        "counts": {
            "customers": counts["customers"],
            "orders": counts["orders"],
            "guest_orders": counts["guest_orders"],
            "lines": counts["lines"],
            "refunds": counts["refunds"],
            "refund_lines": counts["refund_lines"],
            "products": counts["products"],
            "variants": counts["variations"] + simple,
        },
        "totals": state.totals(),
    }


async def keyed_store(state: WooState, site_url: str, *, merchant: Merchant | None = None) -> Store:
    """A store that already holds keys for ``state`` (what a finished authorization leaves)."""
    merchant = merchant or await Merchant.create(name="Northwind Records")
    key = state.create_api_key("read_write")
    created = await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain=site_url,
        name="Northwind Woo",
        public_key=f"pk_{secrets.token_hex(8)}",
        consumer_key=key.consumer_key,
        consumer_secret=key.consumer_secret,
        webhook_secret=secrets.token_urlsafe(16),
        install_state=InstallState.INSTALLED,
    )
    return await Store.get(id=created.id)
