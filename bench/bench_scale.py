"""One merchant at 1x and 15x in one run, so growth is a ratio on one machine (issue 23).

Each size runs in a child process of its own (Tortoise holds one backend per process; peak
memory is the child's ``ru_maxrss``) on a fresh database. The child seeds the scaled sandbox
merchant (``sandbox.dataset.scale.scaled``) with ``app.demo.seed.seed_stream``, gives every
customer its profile, applies the sample loyalty program over the whole history (points
processing), runs a full insights refresh (per step), then reads the big merchant through one
web process over HTTP: the storefront widget query for a shopper and the admin members page
(first page, and one filtered by tier), each as sequential calls with p50/p99. The figures of
each phase are written to a progress file as they come, so a size that does not finish still
reports what it measured.

The output is one JSON: both sizes, and per figure the ratio big/small and the growth exponent
``log(ratio) / log(orders ratio)`` (1 is linear, 0 flat). It is printed and written to
bench/results/scale.json.

    .venv/bin/python -m bench.bench_scale [--scales 1 15] [--source master|sample] [--quick]
        [--backend postgres|sqlite] [--calls 300]
    .venv/bin/python -m bench.bench_scale --table   # the README's table from bench/results/scale.json

``--quick`` is the sample at 1x and 3x (what ``make bench`` runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx

from bench.support import scratch_database
from sandbox.dataset import MERCHANT_NAME

RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-" + "x" * 32
AS_OF = datetime(1998, 7, 28, tzinfo=UTC)
"""After every replica's last order (the recorded history ends 1998-06-30; a replica moves up
to 27 days later): one "today" for every size, so the sizes differ in people only."""
PROFILE_CHUNK = 10_000
NOT_MEASURED = {
    "backfill_shopify": "not measured: the Shopify simulator's store is build(source, seed, ends) by_store, "
    "loaded whole into memory (ShopState.from_dataset, sandbox/shopify/state.py); it takes no scaled data set",
    "backfill_woocommerce": "not measured: the WooCommerce simulator's store is build(source, seed, ends) "
    "by_store, held whole the same way (WooState.from_dataset, sandbox/woocommerce/state.py); it takes no scaled data set",
    "webhook_intake": "not measured at 15x in this run (time); bench_shopify --intake-only measures it on the "
    "sandbox merchant",
}


def _rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _latencies(samples: list[float]) -> dict[str, Any]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"calls": len(samples), "p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2)}


def _sequential(base: str, path: str, query: str, headers: dict[str, str], calls: int) -> dict[str, Any]:
    """``calls`` requests one after another (after 5 to warm up); every answer must be data, not errors."""
    samples = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for i in range(calls + 5):
            started = time.perf_counter()
            response = client.post(path, json={"query": query})
            elapsed = time.perf_counter() - started
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"{path}: {response.status_code} {str(body)[:300]}")
            if i >= 5:
                samples.append(elapsed)
    return _latencies(samples)


class _Progress:
    """The child's figures so far, rewritten to a file after each phase."""

    def __init__(self, path: Path, scale: int) -> None:
        self.path = path
        self.figures: dict[str, Any] = {"scale": scale, "commit": _commit(), "load_at_start": _load()}

    def add(self, **figures: Any) -> None:
        self.figures.update(figures)
        self.path.write_text(json.dumps(self.figures))


async def _prepare(url: str, source: str, scale: int, progress: _Progress) -> dict[str, Any]:
    """Seed, profiles, points and refresh; returns what the reads need (keys, a shopper)."""
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from app.demo.seed import seed_stream
    from app.sample_program import install_sample_program
    from sandbox.dataset.scale import scaled
    from store import crypto
    from store.models import Customer, Merchant, Order, OrderLine
    from store.people import ensure_profiles

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        data = scaled(source, 7, scale)
        started = time.perf_counter()
        written = await seed_stream(data)
        seconds = time.perf_counter() - started
        merchant = await Merchant.get(name=data.merchant_name)
        orders = sum(written.values())
        rows = {
            "orders": await Order.filter(merchant_id=merchant.id).count(),
            "order_lines": await OrderLine.filter(order__merchant_id=merchant.id).count(),
            "customers": await Customer.filter(merchant_id=merchant.id).count(),
        }
        progress.add(
            orders=orders,
            rows=rows,
            seed={
                "seconds": round(seconds, 1),
                "rows_per_s": round(sum(rows.values()) / seconds),
                "orders_per_s": round(orders / seconds),
                "peak_rss_mib": _rss_mib(),
                "load": _load(),
            },
        )
        started = time.perf_counter()
        ids = cast(
            "list[int]", await Customer.filter(merchant_id=merchant.id).order_by("id").values_list("id", flat=True)
        )
        for start in range(0, len(ids), PROFILE_CHUNK):  # an IN list stays under the drivers' parameter limits
            await ensure_profiles(ids[start : start + PROFILE_CHUNK])
        progress.add(profiles={"seconds": round(time.perf_counter() - started, 1), "customers": len(ids)})
        started, cpu = time.perf_counter(), time.process_time()
        processed = await install_sample_program(merchant.id, now=AS_OF)
        seconds = time.perf_counter() - started
        progress.add(
            points={
                "orders": processed,
                "seconds": round(seconds, 1),
                "orders_per_s": round(processed / seconds),
                "python_cpu_seconds": round(time.process_time() - cpu, 1),
                "peak_rss_mib": _rss_mib(),
                "load": _load(),
            }
        )
        return await _refresh_and_keys(merchant.id, progress)


async def _refresh_and_keys(merchant_id: int, progress: _Progress) -> dict[str, Any]:
    """The full refresh (per step, peak RSS before and after); then an API key and a shopper's token."""
    from app.auth.api_keys import issue
    from app.auth.shopper_tokens import ShopperTokens
    from insights.refresh import refresh_merchant
    from store.models import Customer, Store

    rss_before = _rss_mib()
    started = time.perf_counter()
    result = await refresh_merchant(merchant_id, as_of=AS_OF)
    seconds = time.perf_counter() - started
    progress.add(
        refresh={
            "seconds": round(seconds, 1),
            "step_seconds": {k: round(v, 2) for k, v in result.step_seconds.items()},
            "peak_rss_before_mib": rss_before,
            "peak_rss_after_mib": _rss_mib(),
            "load": _load(),
        }
    )
    store = await Store.get(merchant_id=merchant_id, platform="shopify")
    shopper = await (
        Customer.filter(store_id=store.id, is_guest=False, orders__id__not_isnull=True)
        .distinct()
        .order_by("id")
        .first()
    )
    if shopper is None:
        raise RuntimeError("no shopper with orders on the Shopify store")
    key = await issue(merchant_id, "bench")
    token, _ = ShopperTokens(SECRET).mint(store.id, shopper.id, 3600)
    return {"store_key": store.public_key, "api_key": key.secret, "shopper_token": token}


async def _on_database(url: str, progress: _Progress) -> dict[str, Any]:
    """The refresh and what the reads need, on a database an earlier child seeded and left."""
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from store import crypto
    from store.models import Merchant, Order

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        merchant = await Merchant.get(name=MERCHANT_NAME)
        progress.add(orders=await Order.filter(merchant_id=merchant.id).count())
        return await _refresh_and_keys(merchant.id, progress)


def _reads(url: str, secrets: dict[str, Any], calls: int) -> dict[str, Any]:
    from bench.bench_graphql import MEMBERS, WIDGET, _web_process

    filtered = MEMBERS.replace("members(first: 50)", 'members(first: 50, tier: "Gold")')
    shopper = {"X-Rapport-Store-Key": secrets["store_key"], "X-Rapport-Shopper-Token": secrets["shopper_token"]}
    owner = {"Authorization": f"Bearer {secrets['api_key']}"}
    with _web_process(url) as base:
        return {
            "web_processes": 1,
            "widget": _sequential(base, "/graphql/storefront", WIDGET, shopper, calls),
            "members_first_page": _sequential(base, "/graphql/admin", MEMBERS, owner, max(calls // 3, 20)),
            "members_gold_tier_page": _sequential(base, "/graphql/admin", filtered, owner, max(calls // 3, 20)),
            "load": _load(),
        }


def _child_on(url: str, scale: int, calls: int, progress_file: Path) -> dict[str, Any]:
    """``--on-database``: the refresh and the reads only, on a seeded database that is kept."""
    progress = _Progress(progress_file, scale)
    secrets = asyncio.run(_on_database(url, progress))
    progress.add(reads=_reads(url, secrets, calls))
    progress.add(peak_rss_mib=_rss_mib())
    return progress.figures


def _child(scale: int, source: str, backend: str, calls: int, progress_file: Path) -> dict[str, Any]:
    progress = _Progress(progress_file, scale)
    with scratch_database(backend, prefix="rapport_bench_scale") as url:
        secrets = asyncio.run(_prepare(url, source, scale, progress))
        progress.add(reads=_reads(url, secrets, calls))
    progress.add(peak_rss_mib=_rss_mib())
    return progress.figures


def one_size(scale: int, source: str, backend: str, calls: int) -> dict[str, Any]:
    """One size in a child process; what it measured before failing is kept, with the failure."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-scale-") as work:
        progress = Path(work) / "progress.json"
        command = [sys.executable, "-m", "bench.bench_scale", "--child", str(scale), "--source", source]
        command += ["--backend", backend, "--calls", str(calls), "--progress", str(progress)]
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True)
        figures = json.loads(progress.read_text()) if progress.exists() else {"scale": scale}
        figures["wall_seconds"] = round(time.perf_counter() - started, 1)
        if out.returncode != 0:
            tail = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
            figures["failed"] = tail
            print(out.stderr[-3000:], file=sys.stderr)
        return figures


def _numbers(figures: Any, prefix: str = "") -> dict[str, float]:
    """Every measured number by its dotted path (load averages and counts of calls left out)."""
    out: dict[str, float] = {}
    if isinstance(figures, dict):
        for key, value in figures.items():
            if key in {"load", "load_at_start", "calls", "scale", "web_processes", "rows", "customers", "commit"}:
                continue
            out.update(_numbers(value, f"{prefix}{key}."))
    elif isinstance(figures, int | float) and not isinstance(figures, bool):
        out[prefix.rstrip(".")] = float(figures)
    return out


def growth(small: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    """Per figure both sizes share: the ratio big/small and its exponent against the orders' ratio."""
    if not small.get("orders") or not big.get("orders"):
        return {}
    orders_ratio = big["orders"] / small["orders"]
    a, b = _numbers(small), _numbers(big)
    out: dict[str, Any] = {"orders_ratio": round(orders_ratio, 3)}
    for key in a.keys() & b.keys():
        if key in {"orders", "points.orders"} or a[key] <= 0 or b[key] <= 0:
            continue
        ratio = b[key] / a[key]
        out[key] = {"ratio": round(ratio, 3), "exponent": round(math.log(ratio) / math.log(orders_ratio), 2)}
    return dict(sorted(out.items()))


ROWS = (
    ("orders", "orders"),
    ("seed (seed_stream), s", "seed.seconds"),
    ("seed, rows/s", "seed.rows_per_s"),
    ("profiles for every customer, s", "profiles.seconds"),
    ("points processing, s", "points.seconds"),
    ("points processing, orders/s", "points.orders_per_s"),
    ("full insights refresh, s", "refresh.seconds"),
    ("refresh step: identity, s", "refresh.step_seconds.identity"),
    ("refresh step: profiles, s", "refresh.step_seconds.profiles"),
    ("refresh step: segments, s", "refresh.step_seconds.segments"),
    ("refresh step: predictions, s", "refresh.step_seconds.predictions"),
    ("refresh step: recommendations, s", "refresh.step_seconds.recommendations"),
    ("peak RSS before the refresh, MiB", "refresh.peak_rss_before_mib"),
    ("peak RSS after the refresh, MiB", "refresh.peak_rss_after_mib"),
    ("widget query p50 / p99, ms", "reads.widget.p50_ms", "reads.widget.p99_ms"),
    ("members page p50 / p99, ms", "reads.members_first_page.p50_ms", "reads.members_first_page.p99_ms"),
    (
        "members page, Gold tier, p50 / p99, ms",
        "reads.members_gold_tier_page.p50_ms",
        "reads.members_gold_tier_page.p99_ms",
    ),
)


def table(result: dict[str, Any]) -> str:
    """The README's table from a saved run: the first and last size, and the growth exponent."""
    names = list(result["sizes"])
    small, big = (_numbers(result["sizes"][n]) for n in (names[0], names[-1]))
    grown = result.get(f"growth_{names[-1]}_over_{names[0]}", {})

    def cell(figures: dict[str, float], keys: tuple[str, ...]) -> str:
        return " / ".join(f"{figures[k]:,.10g}" if k in figures else "not measured" for k in keys)

    lines = [f"| figure | {names[0]} | {names[-1]} | growth exponent |", "|---|---|---|---|"]
    for label, *keys in ROWS:
        exponent = " / ".join(str(grown[k]["exponent"]) if k in grown else "-" for k in keys)
        lines.append(f"| {label.strip()} | {cell(small, tuple(keys))} | {cell(big, tuple(keys))} | {exponent} |")
    return "\n".join(lines)


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def run(
    quick: bool = False,
    scales: tuple[int, ...] | None = None,
    source: str | None = None,
    backend: str = "postgres",
    calls: int = 300,
    save: Path | None = RESULTS,
) -> dict[str, Any]:
    """Each size in turn; the JSON is saved after each, so a long run that stops keeps what it has."""
    scales = scales or ((1, 3) if quick else (1, 15))
    source = source or ("sample" if quick else "master")
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "backend": backend,
        "source": source,
        "as_of": AS_OF.date().isoformat(),
        "memory_measure": "child process peak RSS (resource.getrusage ru_maxrss), a high-water mark",
        "sizes": {},
        **NOT_MEASURED,
    }
    for scale in scales:
        print(f"bench_scale: {source} x{scale} ...", file=sys.stderr)
        result["sizes"][f"{scale}x"] = one_size(scale, source, backend, calls)
        first, last = scales[0], scale
        if last != first:
            result[f"growth_{last}x_over_{first}x"] = growth(result["sizes"][f"{first}x"], result["sizes"][f"{last}x"])
        if save is not None:
            save.parent.mkdir(exist_ok=True)
            save.write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", help="sizes to run, smallest first (default 1 15)")
    parser.add_argument("--source", choices=("sample", "master"))
    parser.add_argument("--quick", action="store_true", help="the sample at 1x and 3x")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--calls", type=int, default=300, help="sequential widget calls (members pages: a third)")
    parser.add_argument("--table", action="store_true", help="print bench/results/scale.json as the README's table")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--on-database", metavar="URL", help="with --child: refresh and reads only, on a seeded database"
    )
    parser.add_argument("--progress", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(RESULTS.read_text())))
        return
    if args.child and args.on_database:
        print(json.dumps(_child_on(args.on_database, args.child, args.calls, args.progress)))
        return
    if args.child:
        print(json.dumps(_child(args.child, args.source or "master", args.backend, args.calls, args.progress)))
        return
    scales = tuple(args.scales) if args.scales else None
    print(json.dumps(run(args.quick, scales, args.source, args.backend, args.calls), indent=2))


if __name__ == "__main__":
    main()
