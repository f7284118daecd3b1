"""Shopify connector: backfill throughput from the simulator into PostgreSQL, and webhook intake.

Backfill: the simulator runs in a process of its own (as a remote shop would), unthrottled
(bucket and restore rate set out of reach); the connector backfills customers, products and
orders (bulk operations, JSONL written in pages of 250). Figures: orders/s with their lines
for the orders phase (from the bulk query to the last page written), records/s overall,
requests made, SQL statements per page of orders.

Webhook intake: Rapport's Shopify routes under uvicorn with the embedded job queue; a
separate sender process posts signed deliveries from concurrent connections and times each
200. Figures: deliveries/s and p50/p99 latency of the answer.

    .venv/bin/python -m bench.bench_shopify [--backend postgres|sqlite] [--quick] [--db-params '?maxsize=10']
    .venv/bin/python -m bench.bench_shopify --child-backfill DB_URL SIM_URL TOKEN   # one backfill, JSON

The scale bench (``bench.bench_scale``) starts the simulator on a scaled merchant (``--scale``),
runs ``--child-backfill`` in a process of its own (its peak memory is the backfill's) and runs
the intake on the big merchant's database (``_intake(..., existing=True)``).

Intake is driven by a raw keep-alive HTTP/1.1 sender (about 0.15 ms of CPU per request) and,
with a quarter of the deliveries, by httpx (about 3.5 ms per request, which alone caps the
figure near 300/s on a 2-core machine); each reports the CPU per delivery of Rapport's
process, the sender and the PostgreSQL backends, since all three share the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.support import free_port, peak_rss_mib, scratch_database

ROOT = Path(__file__).resolve().parents[1]
API_KEY, API_SECRET = "bench-key", "bench-app-secret"
SECRET_KEY = "bench-secret-" + "x" * 32


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _simulator(source: str, scale: int = 1) -> tuple[subprocess.Popen, str, str]:
    """The simulator in a process of its own, unthrottled; its URL and an access token."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.shopify",
            "--port",
            str(port),
            "--source",
            source,
            "--scale",
            str(scale),
            "--api-key",
            API_KEY,
            "--api-secret",
            API_SECRET,
            "--bucket-size",
            "1e12",
            "--restore-rate",
            "1e12",
            "--print-token",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    token = ""
    for line in proc.stdout:  # the banner, then the token, then it serves
        if line.startswith("access token:"):
            token = line.split(":", 1)[1].strip()
            break
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url, token
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the simulator did not start")


async def _backfill(db_url: str, sim_url: str, token: str) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from connectors.core.sink import Sink
    from connectors.shopify import ShopifyConnector
    from connectors.shopify.oauth import App
    from store.models import InstallState, Merchant, OrderLine, Platform, Store

    counter = StatementCounter()
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    phases: dict[str, float] = {}

    class TimedSink(Sink):
        """Notes when each resource's first and last page were written, and statements per order page."""

        order_pages = 0
        order_statements = 0

        def _mark(self, resource: str) -> None:
            phases.setdefault(f"{resource}_first", time.perf_counter())
            phases[f"{resource}_last"] = time.perf_counter()

        async def customers(self, store, records, *, created=False):
            await super().customers(store, records, created=created)
            self._mark("customers")

        async def products(self, store, records):
            await super().products(store, records)
            self._mark("products")

        async def orders(self, store, records):
            before = counter.count
            written = await super().orders(store, records)
            TimedSink.order_pages += 1
            TimedSink.order_statements += counter.count - before
            self._mark("orders")
            return written

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(db_url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        merchant = await Merchant.create(name="Northwind Records")
        store = await Store.create(
            merchant=merchant,
            platform=Platform.SHOPIFY,
            domain="northwind.myshopify.com",
            public_key="pk_bench",
            install_state=InstallState.INSTALLED,
            access_token=token,
        )
        connector = ShopifyConnector(App(API_KEY, API_SECRET), base_url=sim_url)
        counter.count = 0
        started = time.perf_counter()
        report = await connector.backfill(store, TimedSink())
        total = time.perf_counter() - started
        lines = await OrderLine.filter(store_id=store.id).count()
    logger.removeHandler(counter)
    orders = report.records["orders"]
    # the orders phase: from the end of the products phase (the bulk query starts) to the last page
    orders_seconds = phases["orders_last"] - phases["products_last"]
    records = sum(report.records.values())
    return {
        "orders": orders,
        "lines": lines,
        "customers": report.records["customers"],
        "products": report.records["products"],
        "orders_phase_seconds": round(orders_seconds, 3),
        "orders_per_s": round(orders / orders_seconds),
        "lines_per_s": round(lines / orders_seconds),
        # where the orders phase goes: the shop running the bulk query (until the first page is
        # written), then reading, normalizing and writing the JSONL (Rapport's own work)
        "orders_bulk_query_seconds": round(phases["orders_first"] - phases["products_last"], 3),
        "orders_written_per_s_after_first_page": round(
            (orders - 250) / max(phases["orders_last"] - phases["orders_first"], 1e-9)
        ),
        "total_seconds": round(total, 3),
        "records_per_s_overall": round(records / total),
        "requests": report.requests,
        "retries": report.retries,
        "throttled": report.throttled,
        "pages": report.pages,
        "sql_statements_per_order_page": round(TimedSink.order_statements / TimedSink.order_pages, 2),
        "sql_statements_total": counter.count,
        "peak_rss_mib": peak_rss_mib(),
    }


SENDER_HEAD = r"""
import asyncio, base64, hashlib, hmac, json, sys, time, uuid
url, secret, count, concurrency, shop = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
body = json.dumps({"id": 5000000000001, "updated_at": "2026-11-20T10:15:02-05:00", "note": "x" * 600}).encode()
sig = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
HEADERS = {"X-Shopify-Hmac-Sha256": sig, "X-Shopify-Topic": "orders/updated",
           "X-Shopify-Shop-Domain": shop, "Content-Type": "application/json"}
def report(latencies, statuses, wall):
    latencies.sort()
    print(json.dumps({"wall": wall, "statuses": statuses,
                      "p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99) - 1]}))
"""

# httpx, as an integration would send: about 3.5 ms of CPU per request on this VM, so on 2
# cores the sender alone caps the figure near 300 deliveries/s.
SENDER_HTTPX = (
    SENDER_HEAD
    + r"""
import httpx
async def main():
    latencies, statuses = [], {}
    queue = list(range(count))
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:
        async def sender():
            while queue:
                queue.pop()
                headers = {**HEADERS, "X-Shopify-Webhook-Id": str(uuid.uuid4())}
                t = time.perf_counter()
                r = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - t)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        start = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    report(latencies, statuses, wall)
asyncio.run(main())
"""
)

# The same requests over raw keep-alive HTTP/1.1 connections (one per sender), each answer read
# in full (status line, headers, Content-Length body) before the clock stops: a fraction of
# httpx's CPU, so the figure measures Rapport rather than the load generator.
SENDER_RAW = (
    SENDER_HEAD
    + r"""
from urllib.parse import urlsplit
target = urlsplit(url)
async def main():
    latencies, statuses = [], {}
    queue = list(range(count))
    fixed = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    async def sender():
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        try:
            while queue:
                queue.pop()
                head = (f"POST {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\n{fixed}"
                        f"X-Shopify-Webhook-Id: {uuid.uuid4()}\r\nContent-Length: {len(body)}\r\n\r\n")
                t = time.perf_counter()
                writer.write(head.encode() + body)
                response = await reader.readuntil(b"\r\n\r\n")
                lines = response.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                length = next(int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:"))
                if length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()
    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    report(latencies, statuses, wall)
asyncio.run(main())
"""
)
SENDERS = {"raw": SENDER_RAW, "httpx": SENDER_HTTPX}


def _postgres_cpu_seconds(database: str) -> float | None:
    """CPU (user + system) of the local PostgreSQL backends serving ``database``, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            if not cmdline.startswith("postgres:") or f" {database} " not in cmdline:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        found = True
    return total if found else None


def _cpu_of(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


async def _intake(
    db_url: str,
    deliveries: int,
    concurrency: int,
    sender_kind: str = "raw",
    *,
    secret_key: str = SECRET_KEY,
    existing: bool = False,
) -> dict[str, Any]:
    """Signed deliveries to a Shopify store: a new one on an empty database, or with ``existing``
    the first Shopify store already in it (the scale bench's big merchant; ``secret_key`` is then
    the one its stored secrets were encrypted with)."""
    import uvicorn
    from starlette.applications import Starlette
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from app.http.shopify import routes
    from app.jobs.local_queue import LocalQueue
    from app.jobs.registry import load
    from app.settings import Settings
    from store.models import InstallState, Job, Merchant, Platform, Store, WebhookEvent

    port = free_port()
    settings = Settings(
        secret_key=secret_key,
        database_url=db_url,
        shopify_api_key=API_KEY,
        shopify_api_secret=API_SECRET,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    load()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(db_url), _enable_global_fallback=True)
        if existing:
            store = await Store.filter(platform=Platform.SHOPIFY).order_by("id").first()
            if store is None:
                raise RuntimeError("no Shopify store in the database")
        else:
            await ctx.generate_schemas()
            merchant = await Merchant.create(name="Northwind Records")
            store = await Store.create(
                merchant=merchant,
                platform=Platform.SHOPIFY,
                domain="northwind.myshopify.com",
                public_key="pk_bench",
                install_state=InstallState.INSTALLED,
                access_token="t",
            )
        stored_before = await WebhookEvent.all().count()
        queued_before = await Job.filter(function="process_webhook").count()
        app = Starlette(routes=routes(settings))
        app.state.queue = LocalQueue(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        database = db_url.rsplit("/", 1)[1].split("?")[0] if db_url.startswith("postgres") else ""
        pg_before = _postgres_cpu_seconds(database) if database else None
        server_before = _cpu_of(resource.getrusage(resource.RUSAGE_SELF))
        children_before = _cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN))
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SENDERS[sender_kind],
            f"http://127.0.0.1:{port}/webhooks/shopify",
            API_SECRET,
            str(deliveries),
            str(concurrency),
            store.domain,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        out, _ = await sender.communicate()
        server_cpu = _cpu_of(resource.getrusage(resource.RUSAGE_SELF)) - server_before
        sender_cpu = _cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN)) - children_before
        pg_after = _postgres_cpu_seconds(database) if database else None
        server.should_exit = True
        await task
        result = json.loads(out)
        stored = await WebhookEvent.all().count() - stored_before
        queued = await Job.filter(function="process_webhook").count() - queued_before
    return {
        "deliveries": deliveries,
        "concurrent_senders": concurrency,
        "sender": sender_kind,
        "queue": "embedded (jobs table)",
        "deliveries_per_s": round(deliveries / result["wall"]),
        "p50_ms": round(result["p50"] * 1000, 1),
        "p99_ms": round(result["p99"] * 1000, 1),
        "statuses": result["statuses"],
        "stored": stored,
        "jobs_queued": queued,
        # where the 2 cores went, per delivery: Rapport's process (uvicorn + app + ORM), the
        # sender (httpx, in its own process on the same machine), the PostgreSQL backends
        "cpu_ms_per_delivery": {
            "rapport": round(server_cpu * 1000 / deliveries, 3),
            "sender": round(sender_cpu * 1000 / deliveries, 3),
            "postgres": round((pg_after - pg_before) * 1000 / deliveries, 3)
            if pg_before is not None and pg_after is not None
            else None,
        },
    }


def _database(backend: str, work, params: str = "") -> dict[str, Any]:
    with scratch_database(backend, params=params) as url:
        return asyncio.run(work(url))


def intake_only(backend: str, deliveries: int, db_params: str = "") -> dict[str, Any]:
    """Webhook intake alone (raw sender, 32 in flight): the figure to compare before and after a
    change to the intake path, run back to back on a quiet machine."""
    from store import crypto

    crypto.configure(SECRET_KEY)
    return _database(backend, lambda url: _intake(url, deliveries, 32, "raw"), db_params)


def bench_shopify(backend: str = "postgres", quick: bool = False, db_params: str = "") -> dict[str, Any]:
    from store import crypto

    crypto.configure(SECRET_KEY)
    source = "sample" if quick else "master"
    sim, sim_url, token = _simulator(source)
    try:
        backfill = _database(backend, lambda url: _backfill(url, sim_url, token), db_params)
    finally:
        sim.terminate()  # a simulator busy in a bulk query holds the GIL and may not hear it
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()
    deliveries = 2000 if quick else 10000
    intake = _database(backend, lambda url: _intake(url, deliveries, 32, "raw"), db_params)
    # the same intake driven by httpx: its own CPU, not Rapport's, bounds this one on 2 cores
    intake_httpx = _database(backend, lambda url: _intake(url, deliveries // 4, 32, "httpx"), db_params)
    return {
        "backend": backend,
        "source": source,
        "db_params": db_params,
        "backfill": backfill,
        "webhook_intake": intake,
        "webhook_intake_httpx_sender": intake_httpx,
    }


def run(quick: bool = False) -> dict:
    """Each backend in its own process (Tortoise holds one backend per process); PostgreSQL is the aim."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_shopify", "--backend", "postgres", *(["--quick"] if quick else [])],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--quick", action="store_true", help="the sample data set and fewer deliveries")
    parser.add_argument(
        "--db-params", default="", help="appended to the PostgreSQL URL, e.g. '?maxsize=10' (pool size)"
    )
    parser.add_argument("--intake-only", type=int, metavar="N", help="only webhook intake, N deliveries")
    parser.add_argument("--child-backfill", nargs=3, metavar=("DB_URL", "SIM_URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_backfill:
        from store import crypto

        crypto.configure(SECRET_KEY)
        print(json.dumps(asyncio.run(_backfill(*args.child_backfill))))
        return
    if args.intake_only:
        print(json.dumps(intake_only(args.backend, args.intake_only, args.db_params), indent=2))
        return
    print(json.dumps(bench_shopify(args.backend, args.quick, args.db_params), indent=2))


if __name__ == "__main__":
    main()
