"""Insights benchmark: CLV fit time on the full CDNOW master, and a full refresh of the sandbox merchant.

The fit figures come from ``bench.bench_clv`` (the same measurement, not a second copy).
Each refresh runs in a child process of its own (Tortoise holds one backend per process)
that loads the sandbox merchant into a fresh database, then times ``refresh_merchant``
(identity, profiles, segments, predictions, recommendations). Memory is the child's peak
resident set size, the kernel's ``VmHWM`` (``bench.support.peak_rss_mib``; ``ru_maxrss``
would start at the parent's peak): a high-water mark of the whole child, so it includes
building and loading the data set; the peak after loading is given too, so the refresh's own
share can be read off. Identity precision and
recall are scored against the data set's ground truth in the same run.

    .venv/bin/python -m bench.bench_insights [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.bench_clv import bench_clv
from bench.support import memory_measure, peak_rss_mib, scratch_database

AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
"""The day after the sandbox's CDNOW history ends."""


async def _refresh(url: str) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from app.demo.seed import seed
    from insights.refresh import refresh_merchant
    from sandbox.dataset import build
    from store import crypto
    from store.models import Customer, Merchant, Order, Store

    crypto.configure("bench-secret-" + "x" * 40)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        data = build("sample", 7)
        started = time.perf_counter()
        await seed(data)
        seed_s = time.perf_counter() - started
        rss_loaded = peak_rss_mib()
        merchant = await Merchant.get(name=data.merchant_name)
        started = time.perf_counter()
        result = await refresh_merchant(merchant.id, as_of=AS_OF)
        refresh_s = time.perf_counter() - started
        rss_peak = peak_rss_mib()
        platform_of = {s.id: str(s.platform) for s in await Store.filter(merchant_id=merchant.id)}
        truth = {(o.store, str(o.platform_id)): o.person_id for o in data.orders}
        person_of = {
            customer_id: truth[(platform_of[store_id], platform_id)]
            for customer_id, store_id, platform_id in await Order.filter(
                merchant_id=merchant.id, customer_id__not_isnull=True
            ).values_list("customer_id", "store_id", "platform_id")
        }
        profile_of = dict(await Customer.filter(merchant_id=merchant.id).values_list("id", "profile_id"))
    return {
        "orders": len(data.orders),
        "customers": len(profile_of),
        "people": len(data.people),
        "seed_s": round(seed_s, 3),
        "refresh_s": round(refresh_s, 3),
        "step_s": result.step_seconds,
        "peak_rss_after_seed_mib": rss_loaded,
        "peak_rss_mib": rss_peak,
        "identity": _pair_scores(person_of, profile_of),
        "both_store_people": len(data.both_store_person_ids),
        "clv_model": result.counts.get("models"),
    }


def _pair_scores(person_of: dict[int, int], profile_of: dict[int, int]) -> dict[str, Any]:
    """Precision and recall over customer pairs ("same profile" against "same person")."""
    from collections import Counter

    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter((person_of[c], profile_of[c]) for c in person_of))
    predicted = pairs(Counter(profile_of[c] for c in person_of))
    actual = pairs(Counter(person_of.values()))
    return {
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "precision": round(both / predicted, 4) if predicted else 1.0,
        "recall": round(both / actual, 4) if actual else 1.0,
    }


def _child(backend: str) -> dict[str, Any]:
    with scratch_database(backend) as url:
        return asyncio.run(_refresh(url))


def refresh_in_subprocess(backend: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_insights", "--child", backend], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def _postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def run(quick: bool = False) -> dict[str, Any]:
    """CLV fit times (full CDNOW master) and sandbox refresh time and memory, per backend."""
    clv = bench_clv(repeat=1 if quick else 5)
    results: dict[str, Any] = {
        "clv_fit": {
            "bgnbd_fit_s": clv["bgnbd_fit_s"],
            "gamma_gamma_fit_s": clv["gamma_gamma_fit_s"],
            "both_fits_s": round(clv["bgnbd_fit_s"] + clv["gamma_gamma_fit_s"], 4),
            "customers": clv["customers"],
            "aim_bgnbd_fit_s": 1.0,
        },
        "aims": {"refresh_s": 60, "peak_rss_mib": 1024},
        "memory_measure": f"child process peak RSS, data set loading included: {memory_measure()}",
    }
    results["refresh_sqlite"] = refresh_in_subprocess("sqlite")
    if quick:
        return results
    if _postgres_up():
        results["refresh_postgres"] = refresh_in_subprocess("postgres")
    else:
        results["refresh_postgres"] = "skipped: PostgreSQL at 127.0.0.1:5432 is not reachable"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child)))
        return
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
