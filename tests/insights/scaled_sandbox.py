"""The scaled sandbox merchant in the store, and a refresh of it in a process of its own.

``seed_scaled`` writes ``build(source, seed, scale=N)`` page by page from its streams
(``app.demo.seed.seed_stream``: nothing held per order), so the tests of issue 23 can load 3x
the sample without holding it. Run as a module it is the memory test's child:

    python -m tests.insights.scaled_sandbox seed URL sample|master SCALE
    python -m tests.insights.scaled_sandbox refresh URL MERCHANT_ID AS_OF [--profile FILE] [--tracemalloc]

``seed`` loads the scaled merchant into the empty database at ``URL``; ``refresh`` refreshes
one merchant already in it and prints one JSON line with its resident set size just before
``refresh_merchant`` and its peak during it (per step too; ``--tracemalloc`` adds each step's
peak of Python allocations and the largest live ones). The seeding happens
in another process, so the refresh's growth is its own.

The peak is the kernel's high-water mark of this process's memory (``VmHWM``), reset just
before the refresh (``/proc/self/clear_refs``), not ``getrusage``'s ``ru_maxrss``: Python
starts a child with ``vfork``, so the child's ``ru_maxrss`` starts at its parent's peak (a
pytest process of 220 MiB hides a refresh that stays below that). Both are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import resource
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

from app.demo.seed import seed_stream
from sandbox.dataset.scale import ScaledData, scaled
from store.models import Merchant


async def seed_scaled(data: ScaledData) -> tuple[int, int]:
    """Load every store of the scaled merchant (``app.demo.seed.seed_stream``); returns (merchant
    id, orders written)."""
    written = await seed_stream(data)
    merchant = await Merchant.get(name=data.merchant_name)
    return merchant.id, sum(written.values())


def peak_rss_mib() -> float:
    """``getrusage``'s peak resident set size so far (Linux reports KiB); see the module docstring."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since start or the last reset) from /proc, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


class _Steps:
    """Per refresh step: seconds, the peak RSS above the RSS at the refresh's start, and with
    tracemalloc the step's peak of Python allocations and the largest live ones at its end."""

    def __init__(self, start_rss: float, traced: bool) -> None:
        self.start_rss, self.traced = start_rss, traced
        self.step: str | None = None
        self.started = time.perf_counter()
        self.out: dict[str, dict[str, Any]] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.step is not None:
            row: dict[str, Any] = {
                "s": round(time.perf_counter() - self.started, 2),
                "peak_growth_mib": round(_status_mib("VmHWM") - self.start_rss, 1),
            }
            if self.traced:
                current, peak = tracemalloc.get_traced_memory()
                row |= {"traced_peak_mib": round(peak / 2**20, 1), "traced_live_mib": round(current / 2**20, 1)}
                top = tracemalloc.take_snapshot().statistics("lineno")[:6]
                row["largest_live"] = [
                    f"{t.traceback[0].filename.split('/work/main/')[-1]}:{t.traceback[0].lineno} {t.size / 2**20:.1f} MiB"
                    for t in top
                ]
                tracemalloc.reset_peak()
            self.out[self.step] = row
        self.step, self.started = step, time.perf_counter()


async def _refresh(
    url: str, merchant_id: int, as_of: datetime, profile: str = "", traced: bool = False
) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from insights.refresh import refresh_merchant
    from store.models import Order

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        orders = await Order.filter(merchant_id=merchant_id).count()
        gc.collect()
        maxrss_before = peak_rss_mib()
        _reset_peak()
        before = _status_mib("VmRSS")
        steps = _Steps(before, traced)
        profiler = cProfile.Profile() if profile else None
        if traced:
            tracemalloc.start()
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        result = await refresh_merchant(merchant_id, steps, as_of=as_of)
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        peak = _status_mib("VmHWM")
    return {
        "orders": orders,
        "rss_before_mib": round(before, 1),
        "peak_rss_mib": round(peak, 1),
        "growth_mib": round(peak - before, 1),
        "ru_maxrss_before_mib": round(maxrss_before, 1),
        "ru_maxrss_after_mib": round(peak_rss_mib(), 1),
        "refresh_s": round(seconds, 2),
        "step_s": result.step_seconds,
        "steps": steps.out,
    }


async def _seed(url: str, source: str, scale: int) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        started = time.perf_counter()
        merchant_id, written = await seed_scaled(scaled(source, 7, scale))
    return {"merchant_id": merchant_id, "orders": written, "seed_s": round(time.perf_counter() - started, 1)}


def main(argv: list[str]) -> None:
    from store import crypto
    from tests.support.servers import SECRET

    parser = argparse.ArgumentParser(
        prog="python -m tests.insights.scaled_sandbox", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="an empty database at URL: the scaled merchant in it")
    seed.add_argument("url")
    seed.add_argument("source", choices=("sample", "master"))
    seed.add_argument("scale", type=int)
    refresh = commands.add_parser("refresh", help="one full refresh with its memory (and profile)")
    refresh.add_argument("url")
    refresh.add_argument("merchant_id", type=int)
    refresh.add_argument("as_of", type=datetime.fromisoformat)
    refresh.add_argument("--profile", default="", help="write cProfile stats of the refresh to this file")
    refresh.add_argument("--tracemalloc", action="store_true", help="per step: Python allocations (slower)")
    args = parser.parse_args(argv)
    crypto.configure(SECRET)
    if args.command == "seed":
        report = asyncio.run(_seed(args.url, args.source, args.scale))
    else:
        report = asyncio.run(_refresh(args.url, args.merchant_id, args.as_of, args.profile, args.tracemalloc))
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
