"""One merchant at 1x and 15x in one run, so growth is a ratio on one machine (issue 23).

Each size runs in a child process of its own (Tortoise holds one backend per process; peak
memory is the child's ``VmHWM``, ``bench.support.peak_rss_mib``) on a fresh database. The child seeds the scaled sandbox
merchant (``sandbox.dataset.scale.scaled``) with ``app.demo.seed.seed_stream``, gives every
customer its profile, applies the sample loyalty program over the whole history (points
processing), runs a full insights refresh (per step), then reads the big merchant through one
web process over HTTP: the storefront widget query for a shopper and the admin members page
(first page, and one filtered by tier), each as sequential calls with p50/p99; then webhook
intake on that database (``bench_shopify``'s raw sender, 32 in flight, to the big merchant's
Shopify store). The figures of each phase are written to a progress file as they come, so a
size that does not finish still reports what it measured.

Then, per size, the backfill: both simulators serve the scaled merchant (``--scale``, loaded
from the scaled streams) in processes of their own, and each connector backfills it through
real HTTP into a fresh database in a child (``bench_shopify`` / ``bench_woocommerce
--child-backfill``): seconds, orders/s, the child's peak memory, and the simulator's own start
time and peak. Last, the workers: two merchants, each a WooCommerce site of ``--workers-scale``
times the source, each backfilled then refreshed by arq workers on Redis, with one worker and
with two sharded by merchant (a queue each), on PostgreSQL: the wall time of both merchants'
jobs, and the speed-up (aim >= 1.7).

The output is one JSON: both sizes, and per figure the ratio big/small and the growth exponent
``log(ratio) / log(orders ratio)`` (1 is linear, 0 flat). It is printed and written to
bench/results/scale.json.

    .venv/bin/python -m bench.bench_scale [--scales 1 15] [--source master|sample] [--quick]
        [--backend postgres|sqlite] [--calls 300] [--phases main intake backfill workers]
        [--workers-scale 1] [--save-as KEY]
    .venv/bin/python -m bench.bench_scale --table   # the README's table from bench/results/scale.json

``--quick`` is the sample at 1x and 3x (what ``make bench`` runs). ``--phases`` picks what runs
(``intake`` needs ``main``: it uses that size's database). ``--save-as KEY`` keeps the saved
run and writes this one under ``KEY`` in it: a backfill measured apart, e.g. when a 15x master
backfill does not fit the time (``--phases backfill --source sample --scales 1 15 --save-as
backfill_sample``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any, cast

import httpx

from bench.support import free_port, memory_measure, peak_rss_mib, scratch_database
from sandbox.dataset import MERCHANT_NAME

RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-" + "x" * 32
AS_OF = datetime(1998, 7, 28, tzinfo=UTC)
"""After every replica's last order (the recorded history ends 1998-06-30; a replica moves up
to 27 days later): one "today" for every size, so the sizes differ in people only."""
PROFILE_CHUNK = 10_000
PHASES = ("main", "intake", "backfill", "workers")
WHERE = {
    "backfill_shopify": (
        "backfill",
        "sizes.<N>x.backfill.shopify: the Shopify connector's backfill (bulk operations) from the simulator "
        "serving the scaled merchant (ShopState.from_scaled), in a child process on a fresh database",
    ),
    "backfill_woocommerce": (
        "backfill",
        "sizes.<N>x.backfill.woocommerce: the WooCommerce connector's backfill (REST pages over HTTPS) from the "
        "simulator serving the scaled merchant (WooState.from_scaled), in a child process on a fresh database",
    ),
    "webhook_intake": (
        "intake",
        "sizes.<N>x.intake: Shopify webhook intake (bench_shopify's raw sender, 32 in flight, embedded queue) "
        "on that size's database, to the big merchant's store",
    ),
}
INTAKE_DELIVERIES = {"quick": 2000, "full": 10000}
REDIS = "redis://127.0.0.1:6379/12"


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
                "peak_rss_mib": peak_rss_mib(),
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
                "peak_rss_mib": peak_rss_mib(),
                "load": _load(),
            }
        )
        return await _refresh_and_keys(merchant.id, progress)


async def _refresh_and_keys(merchant_id: int, progress: _Progress) -> dict[str, Any]:
    """The full refresh (per step, peak RSS before and after); then an API key and a shopper's token."""
    from app.auth.api_keys import issue
    from app.auth.shopper_tokens import ShopperTokens
    from bench.scale_incremental import incremental_after
    from insights.refresh import refresh_merchant
    from store.models import Customer, Store

    rss_before = peak_rss_mib()
    started = time.perf_counter()
    result = await refresh_merchant(merchant_id, as_of=AS_OF)
    seconds = time.perf_counter() - started
    progress.add(
        refresh={
            "seconds": round(seconds, 1),
            "step_seconds": {k: round(v, 2) for k, v in result.step_seconds.items()},
            "peak_rss_before_mib": rss_before,
            "peak_rss_after_mib": peak_rss_mib(),
            "load": _load(),
        }
    )
    # the next day: 1,000 new orders, then the incremental run that takes them in
    progress.add(incremental={**await incremental_after(merchant_id, AS_OF), "load": _load()})
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
    """The widget and the members pages through two web processes (``bench.scale_reads``)."""
    from bench.scale_reads import reads

    return reads(url, secrets, calls)


def _intake(url: str, deliveries: int) -> dict[str, Any]:
    """Webhook intake to the big merchant's Shopify store, on the database just measured."""
    from bench.bench_shopify import _intake

    figures = asyncio.run(_intake(url, deliveries, 32, "raw", secret_key=SECRET, existing=True))
    keep = ("deliveries", "concurrent_senders", "sender", "queue", "deliveries_per_s", "p50_ms", "p99_ms")
    return {**{k: figures[k] for k in keep}, "statuses": figures["statuses"], "load": _load()}


def _child_on(url: str, scale: int, calls: int, progress_file: Path, phases: tuple[str, ...]) -> dict[str, Any]:
    """``--on-database``: the refresh, the reads and the intake only, on a seeded database that is kept."""
    progress = _Progress(progress_file, scale)
    keys = asyncio.run(_on_database(url, progress))
    progress.add(reads=_reads(url, keys, calls))
    if "intake" in phases:
        progress.add(intake=_intake(url, INTAKE_DELIVERIES["full"]))
    progress.add(peak_rss_mib=peak_rss_mib())
    return progress.figures


def _child(
    scale: int, source: str, backend: str, calls: int, progress_file: Path, phases: tuple[str, ...]
) -> dict[str, Any]:
    progress = _Progress(progress_file, scale)
    with scratch_database(backend, prefix="rapport_bench_scale") as url:
        keys = asyncio.run(_prepare(url, source, scale, progress))
        progress.add(reads=_reads(url, keys, calls))
        progress.add(peak_rss_mib=peak_rss_mib())  # the main phases' peak; the intake's is its own below
        if "intake" in phases:
            progress.add(intake=_intake(url, INTAKE_DELIVERIES["quick" if source == "sample" else "full"]))
    return progress.figures


def one_size(scale: int, source: str, backend: str, calls: int, phases: tuple[str, ...] = PHASES) -> dict[str, Any]:
    """One size in a child process; what it measured before failing is kept, with the failure."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-scale-") as work:
        progress = Path(work) / "progress.json"
        command = [sys.executable, "-m", "bench.bench_scale", "--child", str(scale), "--source", source]
        command += ["--backend", backend, "--calls", str(calls), "--progress", str(progress)]
        command += ["--phases", *phases]
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True)
        figures = json.loads(progress.read_text()) if progress.exists() else {"scale": scale}
        figures["wall_seconds"] = round(time.perf_counter() - started, 1)
        if out.returncode != 0:
            figures["failed"] = _failure(out)
        return figures


def _failure(out: subprocess.CompletedProcess[str]) -> str:
    print(out.stderr[-3000:], file=sys.stderr)
    return out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"


def _json_of(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """A child's one JSON answer (its last line), or what failed."""
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return {"failed": _failure(out)}
    return cast("dict[str, Any]", json.loads(out.stdout.strip().splitlines()[-1]))


def _status_mib(pid: int, field: str = "VmHWM") -> float | None:
    """Another process's memory from /proc (None where there is none)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_seconds(pid: int) -> float | None:
    """CPU (user + system) another process has used so far, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def _stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()  # a simulator busy in a bulk query holds the GIL and may not hear it
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def backfill(scale: int, source: str, backend: str) -> dict[str, Any]:
    """Both connectors' full backfill of the scaled merchant from its simulators, each simulator in
    a process of its own and each backfill in a child on a fresh database (its peak is the child's)."""
    from bench import bench_shopify as shopify
    from bench import bench_woocommerce as woo

    out: dict[str, Any] = {}
    started = time.perf_counter()
    sim, sim_url, token = shopify._simulator(source, scale)
    try:
        sim_ready = time.perf_counter() - started
        with scratch_database(backend, prefix="rapport_bench_scale_shopify") as url:
            figures = _json_of([sys.executable, "-m", "bench.bench_shopify", "--child-backfill", url, sim_url, token])
        sim_peak = _status_mib(sim.pid)
    finally:
        _stop(sim)
    if "failed" in figures:
        out["shopify"] = figures
    else:
        out["shopify"] = {
            "orders": figures["orders"],
            "seconds": figures["total_seconds"],
            "orders_per_s": round(figures["orders"] / figures["total_seconds"]),
            "orders_phase_per_s": figures["orders_per_s"],
            "records_per_s": figures["records_per_s_overall"],
            "requests": figures["requests"],
            "peak_rss_mib": figures["peak_rss_mib"],
            "simulator_start_seconds": round(sim_ready, 1),
            "simulator_peak_rss_mib": sim_peak,
            "load": _load(),
        }
    key, secret = "ck_" + token_hex(20), "cs_" + token_hex(20)
    port = free_port()
    started = time.perf_counter()
    with woo._process(woo.simulator(port, source, key, secret, scale), port, woo._env(), limit=3600) as site:
        sim_ready = time.perf_counter() - started
        with scratch_database(backend, prefix="rapport_bench_scale_woo") as url:
            site_url = f"https://127.0.0.1:{port}"
            command = [sys.executable, "-m", "bench.bench_woocommerce", "--child-backfill", url, site_url, key, secret]
            figures = _json_of(command, woo._env())
        sim_peak = _status_mib(site.pid)
    if "failed" in figures:
        out["woocommerce"] = figures
    else:
        orders = figures["records"]["orders"]
        out["woocommerce"] = {
            "orders": orders,
            "seconds": figures["seconds_total"],
            "orders_per_s": round(orders / figures["seconds_total"]),
            "orders_phase_per_s": figures["orders_per_s"],
            "records_per_s": figures["records_per_s_overall"],
            "requests": figures["requests"],
            "peak_rss_mib": figures["peak_rss_mib"],
            "simulator_start_seconds": round(sim_ready, 1),
            "simulator_peak_rss_mib": sim_peak,
            "load": _load(),
        }
    return out


# -- workers: two merchants' jobs on one arq worker and on two ------------------------------------


def workers(source: str, scale: int) -> dict[str, Any]:
    """Two merchants, a WooCommerce site each (a simulator each, over HTTPS); each merchant's
    backfill then its insights refresh, run by one arq worker, then by two sharded by merchant
    (a queue each, as a deployment would shard: merchant i on queue i mod M), on a fresh
    PostgreSQL database each time. The speed-up is the wall time of both merchants' jobs (and of
    the reactions the backfill queues) with one worker over that with two."""
    from bench import bench_woocommerce as woo

    sites, sims = [], []
    runs: dict[str, Any] = {}
    with ExitStack() as stack:
        started = time.perf_counter()
        for _ in range(2):
            port = free_port()
            key, secret = "ck_" + token_hex(20), "cs_" + token_hex(20)
            command = woo.simulator(port, source, key, secret, scale)
            sims.append(stack.enter_context(woo._process(command, port, woo._env(), 3600)))
            sites.append([f"https://127.0.0.1:{port}", key, secret])
        sims_ready = round(time.perf_counter() - started, 1)
        for count in (1, 2):
            before = [_cpu_seconds(sim.pid) or 0.0 for sim in sims]
            with scratch_database("postgres", prefix="rapport_bench_scale_workers") as url:
                command = [sys.executable, "-m", "bench.bench_scale", "--child-workers", str(count), url]
                runs[f"workers_{count}"] = figures = _json_of([*command, json.dumps(sites)], woo._env())
            after = [_cpu_seconds(sim.pid) or 0.0 for sim in sims]
            figures["simulators_cpu_seconds"] = round(sum(after) - sum(before), 1)
    out: dict[str, Any] = {
        "source": source,
        "scale": scale,
        "merchants": 2,
        "jobs": "per merchant: backfill_store (WooCommerce, REST over HTTPS), then insights_refresh; "
        "and the orders_changed/accounts_changed jobs the backfill queues",
        "queue": "arq on Redis; `rapport worker` processes (app.cli), one queue per worker, merchant i on queue i mod M",
        "simulators_start_seconds": sims_ready,
        **runs,
        "aim_speedup": 1.7,
    }
    one, two = runs["workers_1"], runs["workers_2"]
    if "failed" not in one and "failed" not in two:
        out["speedup"] = round(one["seconds"] / two["seconds"], 2)  # the figure the aim is about
        out["speedup_of_the_backfills"] = round(one["both_backfilled_seconds"] / two["both_backfilled_seconds"], 2)
    return out


async def _on_workers(count: int, url: str, sites: list[list[str]]) -> dict[str, Any]:
    """``--child-workers``: the two merchants' jobs on ``count`` worker processes; wall times."""
    from arq import create_pool
    from arq.connections import RedisSettings
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from bench.bench_woocommerce import SECRET as WOO_SECRET
    from bench.bench_woocommerce import _env
    from store import crypto
    from store.models import InstallState, Merchant, Order, Platform, Store

    crypto.configure(WOO_SECRET)
    load_at_start = _load()
    pairs = []
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        for i, (site, key, secret) in enumerate(sites):
            merchant = await Merchant.create(name=f"Bench merchant {i + 1}")
            store = await Store.create(
                merchant=merchant,
                platform=Platform.WOOCOMMERCE,
                domain=site,
                public_key=f"pk_bench_{i + 1}",
                consumer_key=key,
                consumer_secret=secret,
                webhook_secret=token_hex(16),
                install_state=InstallState.INSTALLED,
            )
            pairs.append((merchant.id, store.id))
    run = uuid.uuid4().hex[:8]
    queues = [f"arq:bench-scale-{run}-{n}" for n in range(count)]
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": REDIS,
        "SCHEDULER": "false",
        "WOOCOMMERCE_VERIFY_TLS": "false",
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",
    }
    logs = [tempfile.TemporaryFile() for _ in queues]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "worker",
            cwd=ROOT,
            env=_env(**env, ARQ_QUEUE=queue),
            stdout=log,
            stderr=log,
        )
        for queue, log in zip(queues, logs, strict=True)
    ]
    pool = await create_pool(RedisSettings.from_dsn(REDIS))
    try:
        deadline = time.monotonic() + 120
        while not all([await pool.exists(f"{q}:health-check") for q in queues]):
            if time.monotonic() > deadline or any(p.returncode is not None for p in procs):
                raise RuntimeError("a worker did not start: " + _tail(logs))
            await asyncio.sleep(0.1)

        async def merchant_jobs(n: int, merchant_id: int, store_id: int) -> dict[str, float]:
            """One merchant's backfill then refresh; seconds each, and when each was done."""
            queue = queues[n % count]
            began = time.perf_counter()
            job = await pool.enqueue_job("backfill_store", store_id, _queue_name=queue)
            if job is None or not await job.result(timeout=7200, poll_delay=0.2):
                raise RuntimeError(f"backfill of store {store_id} failed: " + _tail(logs))
            backfilled = time.perf_counter()
            job = await pool.enqueue_job("insights_refresh", merchant_id, AS_OF.isoformat(), _queue_name=queue)
            if job is None or not await job.result(timeout=7200, poll_delay=0.2):
                raise RuntimeError(f"refresh of merchant {merchant_id} failed: " + _tail(logs))
            done = time.perf_counter()
            return {
                "backfill_s": backfilled - began,
                "refresh_s": done - backfilled,
                "backfill_done_at_s": backfilled - started,
                "refresh_done_at_s": done - started,
            }

        started = time.perf_counter()
        jobs = await asyncio.gather(*(merchant_jobs(n, m, s) for n, (m, s) in enumerate(pairs)))
        for _ in range(36_000):  # the reactions the backfills queued, until both queues are empty
            if not any([await pool.zcard(q) for q in queues]):
                break
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - started
        peaks = [_status_mib(p.pid) for p in procs]
        cpu = [_cpu_seconds(p.pid) for p in procs]
    finally:
        for proc in procs:
            proc.terminate()  # the worker finishes its running jobs, then exits
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await pool.aclose()
        for log in logs:
            log.close()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        orders = [await Order.filter(merchant_id=m).count() for m, _ in pairs]
    return {
        "workers": count,
        "orders_per_merchant": orders,
        "seconds": round(seconds, 1),
        "both_backfilled_seconds": round(max(j["backfill_done_at_s"] for j in jobs), 1),
        "both_refreshed_seconds": round(max(j["refresh_done_at_s"] for j in jobs), 1),
        "per_merchant": [{k: round(v, 1) for k, v in j.items()} for j in jobs],
        "worker_peak_rss_mib": peaks,
        "worker_cpu_seconds": cpu,
        # CPU over wall time per worker: near 1, the workers are the bottleneck and a second one
        # can nearly halve the time; far under 1, the jobs wait on something else (the sites, the
        # database, or other processes' load on the cores) that a second worker does not add
        "worker_busy_share": round(sum(c or 0.0 for c in cpu) / (seconds * count), 2),
        "load_at_start": load_at_start,
        "load": _load(),
    }


def _tail(logs: list[Any]) -> str:
    text = ""
    for log in logs:
        log.seek(0)
        text += log.read()[-1500:].decode(errors="replace")
    return text


def _numbers(figures: Any, prefix: str = "") -> dict[str, float]:
    """Every measured number by its dotted path (load averages and counts of calls left out)."""
    out: dict[str, float] = {}
    if isinstance(figures, dict):
        for key, value in figures.items():
            if key in {
                "load",
                "load_at_start",
                "calls",
                "scale",
                "web_processes",
                "rows",
                "customers",
                "commit",
                "statuses",
            }:
                continue
            out.update(_numbers(value, f"{prefix}{key}."))
    elif isinstance(figures, int | float) and not isinstance(figures, bool):
        out[prefix.rstrip(".")] = float(figures)
    return out


def growth(small: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    """Per figure both sizes share: the ratio big/small and its exponent against the orders' ratio
    (a run without the seeding, a backfill alone, has the scales' ratio: N times the people is N
    times the orders)."""
    if small.get("orders") and big.get("orders"):
        orders_ratio = big["orders"] / small["orders"]
    elif small.get("scale") and big.get("scale") and big["scale"] != small["scale"]:
        orders_ratio = big["scale"] / small["scale"]
    else:
        return {}
    a, b = _numbers(small), _numbers(big)
    out: dict[str, Any] = {"orders_ratio": round(orders_ratio, 3)}
    for key in a.keys() & b.keys():
        if key in {"orders", "points.orders"} or key.endswith(".orders") or a[key] <= 0 or b[key] <= 0:
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
    ("incremental refresh after 1,000 new orders, s", "incremental.seconds"),
    ("incremental refresh: people recomputed", "incremental.counts.profiles_changed"),
    ("widget query p50 / p99, ms", "reads.widget_sequential.p50_ms", "reads.widget_sequential.p99_ms"),
    ("widget at 200 req/s, two web processes: answered req/s", "reads.widget_at_rate.answered_rps"),
    ("widget at 200 req/s p50 / p99, ms", "reads.widget_at_rate.p50_ms", "reads.widget_at_rate.p99_ms"),
    ("widget, web CPU per request, ms", "reads.widget_at_rate.web_cpu_ms_per_request"),
    ("members page p50 / p99, ms", "reads.members_first_page.p50_ms", "reads.members_first_page.p99_ms"),
    (
        "members page, Gold tier, p50 / p99, ms",
        "reads.members_gold_tier_page.p50_ms",
        "reads.members_gold_tier_page.p99_ms",
    ),
    ("webhook intake, deliveries/s", "intake.deliveries_per_s"),
    ("webhook intake p50 / p99, ms", "intake.p50_ms", "intake.p99_ms"),
    ("backfill, Shopify, s", "backfill.shopify.seconds"),
    ("backfill, Shopify, orders/s", "backfill.shopify.orders_per_s"),
    ("backfill, Shopify, peak RSS of Rapport's process, MiB", "backfill.shopify.peak_rss_mib"),
    ("backfill, WooCommerce, s", "backfill.woocommerce.seconds"),
    ("backfill, WooCommerce, orders/s", "backfill.woocommerce.orders_per_s"),
    ("backfill, WooCommerce, peak RSS of Rapport's process, MiB", "backfill.woocommerce.peak_rss_mib"),
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
    phases: tuple[str, ...] = PHASES,
    workers_scale: int = 1,
    save_as: str | None = None,
) -> dict[str, Any]:
    """Each size in turn, then the workers; the JSON is saved after each step, so a long run that
    stops keeps what it has (under ``save_as`` in the saved run, when given, rather than over it)."""
    scales = scales or ((1, 3) if quick else (1, 15))
    source = source or ("sample" if quick else "master")
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "backend": backend,
        "source": source,
        "as_of": AS_OF.date().isoformat(),
        "phases": list(phases),
        "memory_measure": f"peak resident set of each child process: {memory_measure()}",
        "sizes": {},
    }
    for key, (phase, where) in WHERE.items():
        result[key] = f"measured: {where}" if phase in phases else f"not measured in this run (--phases {phase})"

    def saved() -> None:
        if save is None:
            return
        save.parent.mkdir(exist_ok=True)
        whole = result
        if save_as:
            whole = json.loads(save.read_text()) if save.exists() else {}
            whole[save_as] = result
            for key, (phase, where) in WHERE.items():  # the saved run's own note says where these are
                if phase in phases and not str(whole.get(key, "")).startswith("measured:"):
                    sizes = " and ".join(f"{n}x" for n in scales)
                    whole[key] = f"measured in a run of its own, {source} at {sizes}: {save_as}.{where}"
        save.write_text(json.dumps(whole, indent=2) + "\n")

    for scale in scales:
        name = f"{scale}x"
        if "main" in phases:
            print(f"bench_scale: {source} x{scale} ...", file=sys.stderr)
            result["sizes"][name] = one_size(scale, source, backend, calls, phases)
        if "backfill" in phases:
            print(f"bench_scale: backfill of {source} x{scale} ...", file=sys.stderr)
            result["sizes"].setdefault(name, {"scale": scale})["backfill"] = backfill(scale, source, backend)
        first = f"{scales[0]}x"
        if name != first and first in result["sizes"] and name in result["sizes"]:  # a workers-only run has none
            result[f"growth_{name}_over_{first}"] = growth(result["sizes"][first], result["sizes"][name])
        saved()
    if "workers" in phases:
        print(f"bench_scale: workers, {source} x{workers_scale} per merchant ...", file=sys.stderr)
        result["workers"] = workers(source, workers_scale)
        saved()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", help="sizes to run, smallest first (default 1 15)")
    parser.add_argument("--source", choices=("sample", "master"))
    parser.add_argument("--quick", action="store_true", help="the sample at 1x and 3x")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--calls", type=int, default=300, help="sequential widget calls (members pages: a third)")
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES), help="what to run (default all)")
    parser.add_argument("--workers-scale", type=int, default=1, help="each merchant's size in the workers phase")
    parser.add_argument("--save-as", metavar="KEY", help="keep the saved run and write this one under KEY in it")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON is saved (default %(default)s)")
    parser.add_argument("--table", action="store_true", help="print bench/results/scale.json as the README's table")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--on-database", metavar="URL", help="with --child: refresh, reads and intake only, on a seeded database"
    )
    parser.add_argument("--progress", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", nargs=3, metavar=("COUNT", "URL", "SITES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    phases = tuple(p for p in PHASES if p in args.phases)
    if args.table:
        print(table(json.loads(RESULTS.read_text())))
        return
    if args.child_workers:
        count, url, sites = args.child_workers
        print(json.dumps(asyncio.run(_on_workers(int(count), url, json.loads(sites)))))
        return
    if args.child and args.on_database:
        print(json.dumps(_child_on(args.on_database, args.child, args.calls, args.progress, phases)))
        return
    if args.child:
        figures = _child(args.child, args.source or "master", args.backend, args.calls, args.progress, phases)
        print(json.dumps(figures))
        return
    scales = tuple(args.scales) if args.scales else None
    result = run(
        args.quick,
        scales,
        args.source,
        args.backend,
        args.calls,
        save=args.out,
        phases=phases,
        workers_scale=args.workers_scale,
        save_as=args.save_as,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
