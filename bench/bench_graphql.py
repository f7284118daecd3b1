"""GraphQL under load: the storefront ``me`` query and an admin page of 50 profiles, on PostgreSQL.

A fresh database gets the sandbox merchant (``app.seed.seed``), one ``rapport serve`` process
serves it, and this process drives it with concurrent requests (closed loop, ``--concurrency``
in flight) for a fixed time per query: throughput and p50/p99 latency as the client sees them.

    .venv/bin/python -m bench.bench_graphql [--quick] [--source sample|master]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from tortoise.context import TortoiseContext

from app.auth.api_keys import issue
from app.auth.shopper_tokens import ShopperTokens
from app.db import tortoise_config
from app.seed import seed
from sandbox.dataset import build
from store import crypto
from store.models import Customer, Store

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-" + "x" * 32
ROOT = Path(__file__).resolve().parents[1]

ME = """query Me { shop { name currencyCode } me { email displayName
  orders(first: 5) { nodes { name createdAt total { amount currencyCode } } } } }"""
MEMBERS = """query Members { profiles(first: 50) { pageInfo { hasNextPage endCursor } nodes { id email displayName
  customers(first: 2) { nodes { id store { name } } }
  orders(first: 3) { nodes { id total { amount currencyCode } } } } } }"""


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(url: str, source: str) -> dict[str, str]:
    """Schema, the sandbox merchant, an API key and a shopper token for a shopper with orders."""
    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        await seed(build(source, 7))
        store = await Store.get(platform="shopify")
        shopper = await Customer.filter(store_id=store.id, is_guest=False, orders__id__not_isnull=True) \
            .distinct().order_by("id").first()
        key = await issue(store.merchant_id, "bench")
        token, _ = ShopperTokens(SECRET).mint(store.id, shopper.id, 3600)
        return {"store_key": store.public_key, "api_key": key.secret, "shopper_token": token}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _drive(base: str, path: str, query: str, headers: dict[str, str], *, seconds: float,
                 concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        for _ in range(3):  # warm the server's caches and connections
            (await client.post(path, json={"query": query})).raise_for_status()

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post(path, json={"query": query})
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or "errors" in response.json():
                    failures += 1
                else:
                    latencies.append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "failures": failures, "concurrency": concurrency,
            "throughput_rps": round(len(latencies) / wall, 1), "p50_ms": round(cuts[49] * 1000, 2),
            "p99_ms": round(cuts[98] * 1000, 2)}


def run(quick: bool = False, source: str = "sample", concurrency: int = 8) -> dict[str, Any]:
    seconds = 3.0 if quick else 15.0
    name = f"rapport_bench_gql_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        secrets = asyncio.run(_prepare(url, source))
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
        env.update(DATABASE_URL=url, SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
        server = subprocess.Popen([sys.executable, "-c", (
            "import uvicorn; from app.settings import load_settings; from app.web import create_app; "
            f"uvicorn.run(create_app(load_settings()), host='127.0.0.1', port={port}, log_level='warning', access_log=False)")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        me = asyncio.run(_drive(base, "/graphql/storefront", ME,
                                {"X-Rapport-Store-Key": secrets["store_key"],
                                 "X-Rapport-Shopper-Token": secrets["shopper_token"]},
                                seconds=seconds, concurrency=concurrency))
        members = asyncio.run(_drive(base, "/graphql/admin", MEMBERS,
                                     {"Authorization": f"Bearer {secrets['api_key']}"},
                                     seconds=seconds, concurrency=concurrency))
        return {"backend": "postgres", "data_set": source, "seconds_per_query": seconds, "web_processes": 1,
                "storefront_me": me, "admin_profiles_50": members}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--source", choices=["sample", "master"], default="sample")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.source, args.concurrency), indent=2))


if __name__ == "__main__":
    main()
