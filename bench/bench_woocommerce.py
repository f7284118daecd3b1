"""WooCommerce connector throughput: a backfill from the simulator into PostgreSQL, and webhook intake.

The simulator runs in a process of its own over HTTPS (Basic auth, as production sites),
so its CPU does not count against the connector's; the backfill runs in a child process
(Tortoise holds one backend per process) into a fresh PostgreSQL database; then
``rapport serve`` runs on that database (with the arq queue when Redis is up, else the
embedded runner) and concurrent senders post signed deliveries to
``/webhooks/woocommerce/{store}``.

    .venv/bin/python -m bench.bench_woocommerce [--quick]

The scale bench (``bench.bench_scale``) runs the same simulator on a scaled merchant
(``simulator(..., scale=N)``) and the same ``--child-backfill``, whose figures include the
child's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.support import free_port, peak_rss_mib, scratch_database

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/13"
SECRET = "bench-secret-" + "x" * 32


def _up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_port(port: int, proc: subprocess.Popen, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not _up("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"process on port {port} did not come up")
        time.sleep(0.1)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    # the simulator is a plain-http site on 127.0.0.1: allowed explicitly, as in development
    env.update(
        PYTHONPATH=str(ROOT), SECRET_KEY=SECRET, ALLOW_HTTP_SITES="true", ALLOW_SITE_NETWORKS='["127.0.0.0/8"]', **extra
    )
    return env


def simulator(port: int, source: str, key: str, secret: str, scale: int = 1) -> list[str]:
    """The command of a simulated site over HTTPS with the given API key."""
    return [
        sys.executable,
        "-m",
        "sandbox.woocommerce",
        "--port",
        str(port),
        "--tls",
        "--source",
        source,
        "--scale",
        str(scale),
        "--consumer-key",
        key,
        "--consumer-secret",
        secret,
        "--log-level",
        "warning",
    ]


@contextmanager
def _process(args: list[str], port: int, env: dict[str, str], limit: float = 120):
    """Runs ``args`` until the block ends, once it listens on ``port`` (``limit`` seconds to start)."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        _wait_port(port, proc, limit)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        tail = log.read()[-2000:].decode(errors="replace")
        log.close()
        if os.environ.get("BENCH_VERBOSE"):
            print(tail, file=sys.stderr)


# -- child: the backfill -------------------------------------------------------------------


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _backfill(db_url: str, site: str, key: str, secret: str) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from connectors.core.egress import EgressPolicy
    from connectors.core.sink import Sink
    from connectors.woocommerce import WooConnector
    from store import crypto
    from store.models import InstallState, Merchant, Platform, Store

    crypto.configure(SECRET)
    counter = _Counter()
    db_log = logging.getLogger("tortoise.db_client")
    db_log.addHandler(counter)
    db_log.setLevel(logging.DEBUG)
    db_log.propagate = False
    marks: dict[str, float] = {}

    class TimedSink(Sink):
        async def customers(self, store, records, *, created=False):
            await super().customers(store, records, created=created)
            marks["customers_done"] = time.perf_counter()
            marks["statements_before_orders"] = counter.count

        async def orders(self, store, records):
            began = time.perf_counter()
            changed = await super().orders(store, records)
            marks["orders_done"] = time.perf_counter()
            marks["orders_writing"] = marks.get("orders_writing", 0.0) + marks["orders_done"] - began
            return changed

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(db_url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        merchant = await Merchant.create(name="Northwind Records")
        store = await Store.create(
            merchant=merchant,
            platform=Platform.WOOCOMMERCE,
            domain=site,
            public_key="pk_bench",
            consumer_key=key,
            consumer_secret=secret,
            webhook_secret=secrets.token_urlsafe(24),
            install_state=InstallState.INSTALLED,
        )
        store = await Store.get(id=store.id)
        connector = WooConnector(
            public_base_url="http://127.0.0.1:9", verify_tls=False, egress=EgressPolicy.of(True, ["127.0.0.0/8"])
        )  # the simulator is local
        counter.count = 0
        started = time.perf_counter()
        report = await connector.backfill(store, TimedSink())
        total = time.perf_counter() - started
        orders = report.records.get("orders", 0)
        orders_seconds = marks["orders_done"] - marks["customers_done"]
        order_pages = report.pages.get("orders", 1)
        probe = connector.client(store)
        async with probe as woo:  # what one order page costs the site alone, for reading the figure
            probe_started = time.perf_counter()
            for page_no in (1, 2, 3):
                await woo.list("orders", {"per_page": 100, "page": page_no, "orderby": "modified", "order": "asc"})
            site_page = (time.perf_counter() - probe_started) / 3
        return {
            "store_id": store.id,
            "webhook_secret": str(store.webhook_secret),
            "records": report.records,
            "pages": report.pages,
            "requests": report.requests,
            "seconds_total": round(total, 2),
            "orders_seconds": round(orders_seconds, 2),
            "orders_per_s": round(orders / orders_seconds),
            "site_seconds_per_order_page": round(site_page, 3),
            "store_write_seconds_per_order_page": round(marks["orders_writing"] / order_pages, 3),
            "orders_per_s_store_side": round(orders / marks["orders_writing"]),
            "records_per_s_overall": round(sum(report.records.values()) / total),
            "statements_per_order_page": round((counter.count - marks["statements_before_orders"]) / order_pages, 2),
            "peak_rss_mib": peak_rss_mib(),
        }


# -- parent: webhook intake ------------------------------------------------------------------


async def _send_all(port: int, path: str, requests: list[bytes], senders: int) -> tuple[list[float], dict[int, int]]:
    """Keep-alive HTTP/1.1 senders on raw sockets: a lean client, so the figure is the server's."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def sender(mine: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for raw in mine:
            began = time.perf_counter()
            writer.write(raw)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            status = int(head.split(b" ", 2)[1])
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(sender(requests[k::senders]) for k in range(senders)))
    return latencies, statuses


async def _intake(port: int, store_id: int, secret: str, deliveries: int, senders: int, offset: int) -> dict[str, Any]:
    from connectors.woocommerce.webhooks import sign
    from sandbox.woocommerce import WooState
    from sandbox.woocommerce.resources import order_json

    state = WooState.from_dataset("sample", 7)
    template = order_json(state, next(iter(state.orders.values())), "https://shop.test")
    path = f"/webhooks/woocommerce/{store_id}"
    requests = []
    for i in range(deliveries):
        body = json.dumps({**template, "id": offset + i, "number": str(offset + i)}).encode()
        headers = {
            "Host": f"127.0.0.1:{port}",
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.4.3 Hookshot (WordPress/6.7.1)",
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
            "X-WC-Webhook-Source": "https://shop.test/",
            "X-WC-Webhook-Signature": sign(secret, body),
            "Content-Length": str(len(body)),
        }
        head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        requests.append(head.encode() + body)
    await _send_all(port, path, requests[:senders], senders)  # warm connections and the secret cache
    started = time.perf_counter()
    latencies, statuses = await _send_all(port, path, requests[senders:], senders)
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "deliveries": len(latencies),
        "senders": senders,
        "seconds": round(wall, 2),
        "deliveries_per_s": round(len(latencies) / wall),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "statuses": statuses,
        "body_bytes": len(requests[0]),
    }


def run(quick: bool = False) -> dict:
    if not _up("127.0.0.1", 5432):
        return {"skipped": "PostgreSQL at 127.0.0.1:5432 is not reachable"}
    source = "sample" if quick else "master"
    key, secret = "ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20)
    result: dict[str, Any] = {"source": source, "backend": "postgres"}
    with scratch_database(prefix="rapport_bench_woo") as db_url:
        site_port = free_port()
        with _process(simulator(site_port, source, key, secret), site_port, _env()):
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_woocommerce",
                    "--child-backfill",
                    db_url,
                    f"https://127.0.0.1:{site_port}",
                    key,
                    secret,
                ],
                cwd=ROOT,
                env=_env(),
                check=True,
                capture_output=True,
                text=True,
            )
        backfill = json.loads(child.stdout)
        result["backfill"] = {k: v for k, v in backfill.items() if k not in {"store_id", "webhook_secret"}}

        web_port = free_port()
        redis = _up("127.0.0.1", 6379)
        extra = {"DATABASE_URL": db_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}"}
        if redis:
            extra |= {"REDIS_URL": REDIS, "ARQ_QUEUE": f"arq:bench-woo-{uuid.uuid4().hex[:6]}"}
        serve = [sys.executable, "-m", "app.cli", "serve", "--port", str(web_port)]
        deliveries = 500 if quick else 3000
        with _process(serve, web_port, _env(**extra)):
            result["webhook_intake"] = {
                "queue": "arq (Redis)" if redis else "embedded runner",
                "server": "rapport serve (uvicorn, 1 process)",
            }
            for n, senders in enumerate((8, 32)):
                result["webhook_intake"][f"senders_{senders}"] = asyncio.run(
                    _intake(
                        web_port,
                        backfill["store_id"],
                        backfill["webhook_secret"],
                        deliveries=deliveries,
                        senders=senders,
                        offset=500_000 + n * 100_000,
                    )
                )
        if redis:
            from redis import Redis

            Redis.from_url(REDIS).flushdb()  # the bench's own Redis database: queued jobs no one runs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child-backfill", nargs=4, metavar=("DB", "SITE", "KEY", "SECRET"))
    args = parser.parse_args()
    if args.child_backfill:
        print(json.dumps(asyncio.run(_backfill(*args.child_backfill))))
        return
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
