"""Loyalty throughput: orders processed into points per second over the sandbox history, and
the time of a full ledger replay (dry run) and balance rebuild.

The sandbox merchant is seeded first (``app.demo.seed.seed``) and every customer gets its profile
(``store.people.ensure_profiles``, the store's job, timed apart); then every order goes
through ``loyalty.processing.process_orders`` in batches of 1,000, as the runtime enqueues
them. Each backend runs in its own process (Tortoise holds one backend per process).
``python_cpu_seconds`` is this process's CPU time while processing (on SQLite it includes the
database engine, which runs in-process): on a shared machine it moves less than the wall time.

    .venv/bin/python -m bench.bench_loyalty [--backend sqlite|postgres] [--source sample|master]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from tortoise.context import TortoiseContext

from app.db import tortoise_config
from app.demo.seed import seed
from bench.support import scratch_database
from sandbox.dataset import build
from store import crypto
from store.models import Customer, Merchant, Order
from store.people import ensure_profiles

BATCH = 1000


def program_rules() -> Any:
    from loyalty.rules import ActionRule, Rules, Tier

    return Rules(
        earn_rates={"USD": 1},
        release="return_window",
        return_window_days=30,
        actions={"first_order": ActionRule(points=50)},
        tier_metric="spend",
        tier_window="rolling_12m",
        tiers=(Tier("Silver", 100), Tier("Gold", 500, multiplier=1.5)),
    )


async def _run(url: str, source: str) -> dict[str, Any]:
    from loyalty.processing import process_orders
    from loyalty.program import publish
    from loyalty.replay import rebuild_balances, replay

    data = build(source, 7)
    result: dict[str, Any] = {}
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        started = time.perf_counter()
        await seed(data)
        result["seed_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        await ensure_profiles(await Customer.all().values_list("id", flat=True))
        result["profiles_seconds"] = round(time.perf_counter() - started, 2)
        merchant = await Merchant.get(name=data.merchant_name)
        await publish(merchant.id, program_rules(), datetime(1996, 1, 1, tzinfo=UTC))
        ids = (
            await Order.filter(merchant_id=merchant.id)
            .order_by("platform_created_at", "id")
            .values_list("id", flat=True)
        )
        now = datetime(1998, 7, 1, tzinfo=UTC)
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(ids), BATCH):
            await process_orders(ids[start : start + BATCH], now=now)
        seconds = time.perf_counter() - started
        result["process"] = {
            "orders": len(ids),
            "seconds": round(seconds, 2),
            "orders_per_s": round(len(ids) / seconds),
            "python_cpu_seconds": round(time.process_time() - cpu, 2),
        }
        started = time.perf_counter()
        await process_orders(ids, now=now)
        seconds = time.perf_counter() - started
        result["reprocess_noop"] = {"seconds": round(seconds, 2), "orders_per_s": round(len(ids) / seconds)}
        report = await replay(merchant.id, now=now)
        result["replay"] = {
            "orders": report.orders,
            "seconds": round(report.seconds, 2),
            "differences": len(report.differences),
        }
        started = time.perf_counter()
        disagreements = await rebuild_balances(merchant.id)
        result["rebuild_balances"] = {
            "seconds": round(time.perf_counter() - started, 2),
            "disagreements": len(disagreements),
        }
    return result


def bench_backend(backend: str, source: str) -> dict[str, Any]:
    crypto.configure("bench-secret-" + "x" * 32)
    with scratch_database(backend) as url:
        return {"backend": backend, "source": source, **asyncio.run(_run(url, source))}


def run(quick: bool = False) -> dict:
    """Both backends, each in a subprocess; ``quick`` uses the small sample instead of the master history."""
    source = "sample" if quick else "master"
    results = {}
    for backend in ("sqlite", "postgres"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_loyalty", "--backend", backend, "--source", source],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            results[backend] = (
                f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}"
            )
            continue
        results[backend] = json.loads(out.stdout)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--source", choices=["sample", "master"], default="master")
    args = parser.parse_args()
    print(json.dumps(bench_backend(args.backend, args.source), indent=2))


if __name__ == "__main__":
    main()
