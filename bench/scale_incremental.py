"""An incremental insights refresh after new orders, on a merchant a full run just refreshed.

Run inside ``bench.bench_scale``'s main phase (after its full refresh), or alone, per size, on a
database it seeds (or one kept from an earlier run, ``--on-database``): a full refresh in one
child process, then the next day's orders and the incremental run in another (its peak memory
is then its own), as one JSON (bench/results/scale_incremental.json).

    .venv/bin/python -m bench.scale_incremental [--scales 1 15] [--on-database SCALE=URL ...]

New orders arrive the way the connectors write them (``store.ingest.upsert_orders``, a page at
a time): most from existing customers picked evenly over the customer ids, one in ten from a
new customer, dated the day before the run. Then the next day's run (``kind`` incremental)
recomputes the people they touched and those whose silence crossed a tier threshold. The
peak memory is the run's own: the kernel's high-water mark is reset first (``clear_refs``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from bench.support import peak_rss_mib, scratch_database

RESULTS = Path(__file__).resolve().parent / "results" / "scale_incremental.json"

PAGE = 250
"""Orders per upsert, as a connector's page."""
NEW_CUSTOMER_EVERY = 10


def reset_peak_rss() -> bool:
    """Start the kernel's high-water mark afresh (Linux ``clear_refs`` 5); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def add_orders(merchant_id: int, count: int, when: datetime) -> int:
    """``count`` new orders at the merchant's Shopify store; returns the customers they came from."""
    from store.ingest import upsert_orders
    from store.models import Customer, Store
    from store.records import CustomerRecord, OrderRecord

    store = await Store.get(merchant_id=merchant_id, platform="shopify")
    existing = (
        await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None)
        .order_by("id")
        .values("platform_id", "platform_updated_at", "email")
    )
    step = max(1, len(existing) // count)
    tag = f"bench-{time.time_ns()}"  # new orders and customers on every run, also on a kept database
    records = []
    for i in range(count):
        if i % NEW_CUSTOMER_EVERY == 0:
            customer = CustomerRecord(f"{tag}-new-{i}", when, email=f"{tag}-new-{i}@example.com", first_name="New")
        else:
            known = existing[(i * step) % len(existing)]
            # an older record time: the order links the customer without rewriting their record
            customer = CustomerRecord(known["platform_id"], known["platform_updated_at"] - timedelta(days=1))
        total = Decimal(20 + i % 80).quantize(Decimal("0.01"))
        records.append(OrderRecord(f"{tag}-order-{i}", "USD", total, when, when, customer=customer, subtotal=total))
    for start in range(0, len(records), PAGE):
        await upsert_orders(store, records[start : start + PAGE])
    return len({r.customer.platform_id for r in records if r.customer is not None})


async def incremental_after(merchant_id: int, as_of: datetime, orders: int = 1000) -> dict[str, Any]:
    """Add ``orders`` new orders dated the day before ``as_of`` + 1 day, then time that day's run."""
    from insights.models import RefreshKind
    from insights.refresh import refresh_merchant

    run_day = as_of + timedelta(days=1)
    started = time.perf_counter()
    customers = await add_orders(merchant_id, orders, run_day - timedelta(hours=6))
    intake = time.perf_counter() - started
    reset = reset_peak_rss()
    started = time.perf_counter()
    result = await refresh_merchant(merchant_id, as_of=run_day, kind=RefreshKind.INCREMENTAL)
    seconds = time.perf_counter() - started
    return {
        "new_orders": orders,
        "their_customers": customers,
        "orders_written_s": round(intake, 2),
        "kind": result.kind.value,
        "seconds": round(seconds, 2),
        "step_seconds": {k: round(v, 3) for k, v in result.step_seconds.items()},
        "counts": {k: v for k, v in result.counts.items() if isinstance(v, int | str)},
        "peak_rss_mib": peak_rss_mib() if reset else None,
    }


async def _size(url: str, scale: int, part: str, seed: bool) -> dict[str, Any]:
    """``full``: seed (unless kept), then a full refresh as of the bench's day. ``incremental``:
    the next day's orders and the incremental run, in a process of its own, so its peak memory
    is the run's and not what the full run left in the heap."""
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from bench.bench_scale import AS_OF, MERCHANT_NAME, PROFILE_CHUNK, SECRET
    from insights.models import RefreshKind
    from insights.refresh import refresh_merchant
    from store import crypto
    from store.models import Customer, Merchant, Order
    from store.people import ensure_profiles

    crypto.configure(SECRET)
    out: dict[str, Any] = {"scale": scale}
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        if seed:
            from app.demo.seed import seed_stream
            from sandbox.dataset.scale import scaled

            await ctx.generate_schemas()
            await seed_stream(scaled("master", 7, scale))
            merchant = await Merchant.get(name=MERCHANT_NAME)
            ids = await Customer.filter(merchant_id=merchant.id).order_by("id").values_list("id", flat=True)
            for start in range(0, len(ids), PROFILE_CHUNK):
                await ensure_profiles(cast(list[int], ids[start : start + PROFILE_CHUNK]))
        merchant = await Merchant.get(name=MERCHANT_NAME)
        out["orders"] = await Order.filter(merchant_id=merchant.id).count()
        if part == "incremental":
            return {**out, "incremental": {**await incremental_after(merchant.id, AS_OF), "load": os.getloadavg()}}
        reset_peak_rss()
        started = time.perf_counter()
        full = await refresh_merchant(merchant.id, as_of=AS_OF, kind=RefreshKind.FULL)
        out["full"] = {
            "seconds": round(time.perf_counter() - started, 1),
            "step_seconds": {k: round(v, 2) for k, v in full.step_seconds.items()},
            "peak_rss_mib": peak_rss_mib(),
            "load": os.getloadavg(),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 15])
    parser.add_argument("--on-database", nargs="*", default=[], metavar="SCALE=URL", help="a kept seeded database")
    parser.add_argument("--child", nargs=3, metavar=("SCALE", "URL", "PART"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scale, url, part = args.child
        print(json.dumps(asyncio.run(_size(url, int(scale), part, args.seed))))
        return
    kept = dict(item.split("=", 1) for item in args.on_database)
    result: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "sizes": {}}
    for scale in args.scales:
        # each size in a child of its own: Tortoise holds one backend per process, and the peak is the child's
        def child(url: str, part: str, seed: bool = False, scale: int = scale) -> dict[str, Any]:
            command = [sys.executable, "-m", "bench.scale_incremental", "--child", str(scale), url, part]
            done = subprocess.run([*command, *(["--seed"] if seed else [])], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(done.stderr[-2000:])
            return dict(json.loads(done.stdout.strip().splitlines()[-1]))

        if str(scale) in kept:
            figures = {**child(kept[str(scale)], "full"), **child(kept[str(scale)], "incremental")}
        else:
            with scratch_database("postgres") as url:
                figures = {**child(url, "full", seed=True), **child(url, "incremental")}
        result["sizes"][f"{scale}x"] = figures
        print(json.dumps(figures), flush=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
