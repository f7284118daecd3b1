"""GraphQL under load: the storefront loyalty widget's query and the admin members page, on PostgreSQL.

A fresh database gets the sandbox merchant (``app.demo.seed.seed``), its profiles, an insights
refresh and the sample loyalty program; one web process serves it, and this process drives it
over HTTP. Each query is measured at fixed arrival rates (open loop: a request starts every
``1/rate`` s whatever the answers' speed, so a slow server cannot slow the load down; ``--rates``)
and at full speed (closed loop, ``--concurrency`` in flight). Latencies are as the client sees
them; a request unanswered within 5 s counts as a failure (an overloaded server's queue only
grows).

    .venv/bin/python -m bench.bench_graphql [--quick] [--source sample|master]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from tortoise.context import TortoiseContext

from app.auth.api_keys import issue
from app.auth.shopper_tokens import ShopperTokens
from app.db import tortoise_config
from app.demo.seed import seed
from app.sample_program import install_sample_program
from bench.support import free_port, scratch_database, wait_until_up
from insights.refresh import refresh_merchant
from sandbox.dataset import build
from store import crypto
from store.models import Customer, Store
from store.people import ensure_profiles

SECRET = "bench-secret-" + "x" * 32
ROOT = Path(__file__).resolve().parents[1]

WIDGET = """query Widget { shop { name currencyCode }
  me { displayName loyalty {
    balance { available pending lifetime }
    tier { name } nextTier { name threshold }
    tierProgress { current nextThreshold remaining fraction }
    rewards(first: 5) { nodes { id name kind pointsCost } } }
  recommendations(first: 8) { nodes { id title price { amount currencyCode } } } } }"""
MEMBERS = """query Members { members(first: 50) { pageInfo { hasNextPage endCursor } nodes { id
  balance { available pending } tier { name }
  profile { displayName email prediction { churnBand clv { value { amount currencyCode } } } } } } }"""
AS_OF = "1998-07-01T00:00:00+00:00"
"""The day after the recorded sandbox history (build() without ends): today for insights and points."""


async def _prepare(url: str, source: str) -> dict[str, str]:
    """Schema, the sandbox merchant, an API key and a shopper token for a shopper with orders."""
    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        await seed(build(source, 7))
        store = await Store.get(platform="shopify")
        await ensure_profiles(await Customer.all().values_list("id", flat=True))
        await refresh_merchant(store.merchant_id, as_of=datetime.fromisoformat(AS_OF))
        await install_sample_program(store.merchant_id, now=datetime.fromisoformat(AS_OF))
        shopper = (
            await Customer.filter(store_id=store.id, is_guest=False, orders__id__not_isnull=True)
            .distinct()
            .order_by("id")
            .first()
        )
        key = await issue(store.merchant_id, "bench")
        token, _ = ShopperTokens(SECRET).mint(store.id, shopper.id, 3600)
        return {"store_key": store.public_key, "api_key": key.secret, "shopper_token": token}


class _Tally:
    """Each answered request's latency, and the requests that failed (an error, a GraphQL error,
    or no answer within the client's timeout: overload shows as failures, not as a crash)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failures = 0

    async def post(self, client: httpx.AsyncClient, path: str, query: str) -> None:
        started = time.perf_counter()
        try:
            response = await client.post(path, json={"query": query})
        except httpx.HTTPError:
            self.failures += 1
            return
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "errors" in response.json():
            self.failures += 1
        else:
            self.latencies.append(elapsed)

    def figures(self) -> dict[str, Any]:
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0.0] * 99
        return {
            "requests": len(self.latencies),
            "failures": self.failures,
            "p50_ms": round(cuts[49] * 1000, 2),
            "p99_ms": round(cuts[98] * 1000, 2),
        }


async def _drive(
    base: str, path: str, query: str, headers: dict[str, str], *, seconds: float, concurrency: int
) -> dict[str, Any]:
    """Closed loop: ``concurrency`` clients, each sending its next request when the last is answered."""
    tally = _Tally()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        for _ in range(3):  # warm the server's caches and connections
            (await client.post(path, json={"query": query})).raise_for_status()

        async def worker() -> None:
            while time.perf_counter() < deadline:
                await tally.post(client, path, query)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {**tally.figures(), "concurrency": concurrency, "throughput_rps": round(len(tally.latencies) / wall, 1)}


async def _paced(
    base: str, path: str, query: str, headers: dict[str, str], *, seconds: float, rate: float
) -> dict[str, Any]:
    """Open loop: a request starts every ``1/rate`` seconds, however long the earlier ones take."""
    tally = _Tally()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=5) as client:
        for _ in range(20):  # warm the server's caches and a few keep-alive connections
            (await client.post(path, json={"query": query})).raise_for_status()
        tasks = []
        start = time.perf_counter()
        total = int(seconds * rate)
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(tally.post(client, path, query)))
        offered = time.perf_counter() - start
        await asyncio.gather(*tasks)
    return {**tally.figures(), "target_rps": rate, "offered_rps": round(total / offered, 1)}


@contextlib.contextmanager
def _web_process(url: str) -> Iterator[str]:
    """One web process on ``url``'s database; yields its base URL once it answers."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    # A web process only, as with REDIS_URL set in production: jobs and the scheduler (which
    # would start an insights refresh in this very process) run in workers, not here.
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        SCHEDULER="false",
        RATE_LIMIT_STOREFRONT_IP="off",
    )  # one driver address plays every shopper
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import uvicorn; from app.settings import load_settings; from app.web import create_app; "
                f"uvicorn.run(create_app(load_settings(), run_jobs=False), host='127.0.0.1', port={port}, log_level='warning', access_log=False)"
            ),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 20)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def run(
    quick: bool = False,
    source: str = "sample",
    concurrency: int = 8,
    rates: tuple[float, ...] = (50, 100, 150, 200),
    members_rates: tuple[float, ...] = (5, 20),
) -> dict[str, Any]:
    seconds = 3.0 if quick else 15.0
    with scratch_database(prefix="rapport_bench_gql") as url:
        secrets = asyncio.run(_prepare(url, source))
        with _web_process(url) as base:
            shopper = {"X-Rapport-Store-Key": secrets["store_key"], "X-Rapport-Shopper-Token": secrets["shopper_token"]}
            owner = {"Authorization": f"Bearer {secrets['api_key']}"}
            result: dict[str, Any] = {
                "backend": "postgres",
                "data_set": source,
                "seconds_per_run": seconds,
                "web_processes": 1,
            }
            result["widget_at_rate"] = [
                asyncio.run(_paced(base, "/graphql/storefront", WIDGET, shopper, seconds=seconds, rate=rate))
                for rate in rates
            ]
            result["widget_full_speed"] = asyncio.run(
                _drive(base, "/graphql/storefront", WIDGET, shopper, seconds=seconds, concurrency=concurrency)
            )
            result["members_page_at_rate"] = [
                asyncio.run(_paced(base, "/graphql/admin", MEMBERS, owner, seconds=seconds, rate=rate))
                for rate in members_rates
            ]
            result["members_page_full_speed"] = asyncio.run(
                _drive(base, "/graphql/admin", MEMBERS, owner, seconds=seconds, concurrency=concurrency)
            )
            return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--source", choices=["sample", "master"], default="sample")
    parser.add_argument("--concurrency", type=int, default=8, help="in flight at full speed")
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[50, 100, 150, 200],
        help="widget requests per second (open loop), one run each",
    )
    parser.add_argument(
        "--members-rates",
        type=float,
        nargs="+",
        default=[5, 20],
        help="members pages per second (open loop), one run each",
    )
    args = parser.parse_args()
    print(
        json.dumps(
            run(args.quick, args.source, args.concurrency, tuple(args.rates), tuple(args.members_rates)), indent=2
        )
    )


if __name__ == "__main__":
    main()
