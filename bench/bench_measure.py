"""Measurement at scale: the members CSV streamed with flat memory, and the analytics queries' times.

Three parts, each on a fresh PostgreSQL database (``--backend sqlite`` for the first two):

- ``members_csv``: a merchant with ``--members`` members (an account, value tier, last order,
  CLV and revenue each, written in bulk as an insights refresh leaves them) served by one web
  process; this process downloads ``/admin/exports/members.csv`` over HTTP and samples the
  server's resident set (``VmRSS`` in ``/proc/<pid>/status``) every 20 ms during the stream.
  Figures: rows, bytes, rows/s, RSS before and peak during, the growth, and the same for a
  tenth of the rows (the ``valueTier=REGULAR`` filter): flat memory means the growth does not
  grow with the rows.
- ``sandbox``: the sandbox data set (``--source master``: 69,659 orders; ``sample`` with
  ``--quick``) seeded, refreshed (insights) and the sample loyalty program applied; then
  ``refresh_measurement`` timed as in ``scale`` below, and each analytics query (``measure.*``,
  what the admin API and the CSV exports call) timed ``--runs`` times after one warm-up: median
  and slowest, in seconds.
- ``scale`` (PostgreSQL): a synthetic merchant with ``--orders`` orders (1,000,000 by default)
  generated in the database with ``generate_series`` (the scale issue's ``build(scale=N)`` does
  not exist yet): ``--orders / 5`` people, one account each on one of two stores and one in ten on
  both, orders skewed towards the heavy buyers over three years, a CLV prediction and a segment
  per person, two in five of them loyalty members. Then the refresh runs as the product runs it
  (``measure.refresh.refresh_measurement``: retention, cohorts and CLV statements, value tiers,
  and the program-impact reports where the refresh keeps them), timed in total and per step, with
  this process's peak resident set (``ru_maxrss``); then every read a dashboard load makes of the
  kept rows, timed; and, as a separate ``live`` group, the statements the refresh runs (what a
  report runs before a merchant's first refresh).

    .venv/bin/python -m bench.bench_measure [--quick] [--members 100000] [--orders 1000000]
        [--source master|sample] [--runs 5] [--only members_csv sandbox scale] [--backend postgres|sqlite]
        [--profile refresh.pstats]

The figures are printed as JSON with the machine's load average before and after each part
(the benchmark machine is shared: read the figures with it).

``BENCH_MEASURE_SKIP=program,cohorts`` leaves out the queries whose names hold those words.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import inspect
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import httpx

from bench.support import free_port, scratch_database, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-" + "x" * 40
AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
"""The day after the sandbox's CDNOW history ends."""
SCALE_END = datetime(2026, 1, 1, tzinfo=UTC)
"""The synthetic merchant's orders run over the three years before this day."""


# -- the web process and its memory -------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


@contextlib.contextmanager
def _web_process(url: str) -> Iterator[tuple[str, int]]:
    """One web process (no jobs, no scheduler) on ``url``'s database; yields its base URL and pid."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING", SCHEDULER="false")
    port = free_port()
    log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import uvicorn; from app.settings import load_settings; from app.web import create_app; "
            f"uvicorn.run(create_app(load_settings(), run_jobs=False), host='127.0.0.1', port={port}, "
            "log_level='warning', access_log=False)",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 30)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


class _Sampler:
    """The server's RSS every ``every`` seconds on a thread of its own, while a download runs."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every = pid, every
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(_status_kib(self.pid, "VmRSS"))
            self._stop.wait(self.every)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _download(base: str, pid: int, key: str, params: dict[str, str]) -> dict[str, Any]:
    """One members CSV over HTTP, the server's RSS sampled during it."""
    before = _status_kib(pid, "VmRSS")
    rows = size = 0
    started = time.perf_counter()
    first_byte = None
    with _Sampler(pid) as sampler:
        with httpx.stream(
            "GET",
            f"{base}/admin/exports/members.csv",
            params=params,
            headers={"Authorization": f"Bearer {key}"},
            timeout=600,
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                rows += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    peak = max(sampler.samples + [before])
    return {
        "rows": rows - 1,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_s": round((rows - 1) / seconds),
        "first_byte_s": round(first_byte or 0.0, 3),
        "server_rss_before_mib": round(before / 1024, 1),
        "server_rss_peak_during_mib": round(peak / 1024, 1),
        "server_rss_growth_mib": round((peak - before) / 1024, 1),
        "samples": len(sampler.samples),
    }


async def _members_merchant(url: str, members: int) -> str:
    """The schema, a merchant with ``members`` members and their insights; its API key."""
    from tortoise.context import TortoiseContext

    from app.auth.api_keys import issue
    from app.db import tortoise_config
    from bench.bench_campaigns import NOW, _insert, _members
    from insights.models import ClvPrediction, ProfileRevenue
    from store import crypto
    from store.models import Merchant, Profile, Store
    from store.sql import dialect_of

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        merchant = await Merchant.create(name="Export Records")
        store = await Store.create(
            merchant=merchant, platform="shopify", domain="export.myshopify.com", name="Export", currency="USD",
            public_key="pk_bench_export", install_state="installed",
        )  # fmt: skip
        await _members(merchant.id, store.id, members, tag="x")
        people = await Profile.filter(merchant_id=merchant.id).order_by("id").values_list("id", flat=True)
        await _insert(
            ClvPrediction,
            [
                {
                    "merchant_id": merchant.id, "profile_id": pid, "currency": "USD", "model": "heuristic",
                    "status": "bench", "horizon_days": 365, "interval_level": 0.9, "probability_alive": 0.5,
                    "probability_alive_low": 0.4, "probability_alive_high": 0.6, "expected_orders": 1.0,
                    "expected_orders_low": 0.5, "expected_orders_high": 1.5, "expected_order_value": Decimal("60"),
                    "clv": Decimal(str(50 + i % 400)), "clv_low": Decimal("10"), "clv_high": Decimal("900"),
                    "churn_risk": ("low", "medium", "high")[i % 3], "as_of": NOW,
                }
                for i, pid in enumerate(people)
            ],
            NOW,
        )  # fmt: skip
        await _insert(
            ProfileRevenue,
            [
                {
                    "merchant_id": merchant.id, "profile_id": pid, "store_id": store.id, "platform": "shopify",
                    "currency": "USD", "orders": 4, "revenue": Decimal("240.00"),
                    "first_order_at": NOW - timedelta(days=700), "last_order_at": NOW - timedelta(days=120),
                }
                for pid in people
            ],
            NOW,
        )  # fmt: skip
        conn = Profile._meta.db
        await dialect_of(conn).analyze(conn, ["profiles", "customers", "loyalty_members", "insights_profile_segments",
                                              "insights_profile_stats", "insights_clv_predictions", "insights_profile_revenue"])  # fmt: skip
        return (await issue(merchant.id, "bench")).secret


def members_csv(backend: str, members: int) -> dict[str, Any]:
    with scratch_database(backend, prefix="rapport_bench_export") as url:
        started = time.perf_counter()
        key = asyncio.run(_members_merchant(url, members))
        out: dict[str, Any] = {
            "backend": backend,
            "members": members,
            "setup_s": round(time.perf_counter() - started, 1),
        }
        with _web_process(url) as (base, pid):
            warm = httpx.get(
                f"{base}/admin/exports/members.csv",
                params={"valueTier": "LOST"},
                headers={"Authorization": f"Bearer {key}"},
            )
            warm.raise_for_status()
            out["tenth"] = _download(base, pid, key, {"valueTier": "REGULAR"})
            out["all"] = _download(base, pid, key, {})
            out["server_peak_rss_lifetime_mib"] = round(_status_kib(pid, "VmHWM") / 1024, 1)
    return out


# -- the analytics queries --------------------------------------------------------------------


SLOW_S = 10.0
"""A call whose warm-up takes longer than this is timed once more, not ``--runs`` times."""


async def _timed(call: Callable[[], Awaitable[Any]], runs: int) -> dict[str, Any]:
    started = time.perf_counter()
    await call()  # warm: statement caches, connections
    if time.perf_counter() - started > SLOW_S:
        runs = 1
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4), "runs": runs}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _peak_rss_mib() -> float:
    """This process's peak resident set so far (``ru_maxrss`` is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextlib.contextmanager
def _step_times(targets: list[tuple[Any, str, str]]) -> Iterator[dict[str, float]]:
    """Seconds spent in each ``module.name`` called while the block runs (looked up by name at each
    call, so wrapping the module's attribute times the product's own calls), summed per label."""
    steps: dict[str, float] = {}
    saved = []

    def wrap(original: Callable[..., Any], label: str) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(original):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    steps[label] = steps.get(label, 0.0) + time.perf_counter() - started

            return timed_async

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                steps[label] = steps.get(label, 0.0) + time.perf_counter() - started

        return timed

    for module, name, label in targets:
        original = getattr(module, name, None)
        if original is not None:
            saved.append((module, name, original))
            setattr(module, name, wrap(original, label))
    try:
        yield steps
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


async def _refresh(merchant_id: int, as_of: datetime, profile: str | None = None) -> dict[str, Any]:
    """``refresh_measurement`` as the insights refresh job runs it: total, per step, peak RSS;
    under cProfile when ``profile`` names a file for the stats (the top 30 are printed too)."""
    import measure.refresh as refresh
    import measure.value as value

    targets = [
        (refresh, "month_activity", "retention statements"),
        (refresh, "median_gap_days", "retention statements"),
        (refresh, "cohort_cells", "cohort statements"),
        (refresh, "clv_groups", "clv statements"),
        (refresh, "kept_impact_rows", "program impact (every period preset)"),
        (refresh, "value_tier_rows", "value tiers (all)"),
        (value, "load_history", "value tiers: load the history"),
        (value, "value_tiers_at", "value tiers: rank everyone at each month end"),
        (refresh, "write_value_tiers", "value tiers: write the rows"),
    ]
    rss_before = _peak_rss_mib()
    load_before = _load()
    profiler = cProfile.Profile() if profile else None
    with _step_times(targets) as steps:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        rows = await refresh.refresh_measurement(merchant_id, as_of)
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    out = {
        "total_s": round(total, 1),
        "steps_s": {label: round(seconds, 2) for label, seconds in steps.items()},
        "rows": rows,
        "peak_rss_before_mib": rss_before,
        "peak_rss_mib": _peak_rss_mib(),
        "load_before": load_before,
        "load_after": _load(),
    }
    print(f"  refresh_measurement: {out}", file=sys.stderr, flush=True)
    return out


async def _run_calls(calls: dict[str, Callable[[], Awaitable[Any]]], runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    skip = tuple(w for w in os.environ.get("BENCH_MEASURE_SKIP", "").split(",") if w)
    for name, call in calls.items():
        if any(word in name for word in skip):
            continue
        try:
            out[name] = await _timed(call, runs)
        except Exception as exc:  # one query failing is reported, the others still run
            out[name] = {"failed": f"{type(exc).__name__}: {exc}"}
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


async def _live(merchant_id: int, store_id: int, runs: int, now: datetime) -> dict[str, Any]:
    """The statements a report runs before the merchant's first refresh (and the refresh runs once)."""
    from tortoise import connections

    from insights.models import ClvPrediction
    from measure.impact import program_impact
    from measure.money import report_money
    from store.sql.measurement import Scope, clv_groups, cohort_cells, median_gap_days, month_activity

    conn = connections.get("default")
    rates = (await report_money(merchant_id, now)).rates
    every, one = Scope(merchant_id, None, rates), Scope(merchant_id, store_id, rates)
    table = ClvPrediction._meta.db_table
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "live retention (across stores)": lambda: month_activity(conn, every),
        "live retention gaps (across stores)": lambda: median_gap_days(conn, every),
        "live retention (one store)": lambda: month_activity(conn, one),
        "live cohorts (across stores)": lambda: cohort_cells(conn, every),
        "live cohorts (one store)": lambda: cohort_cells(conn, one),
        "live clv by cohort": lambda: clv_groups(conn, merchant_id, table, "cohort"),
        "live clv by store": lambda: clv_groups(conn, merchant_id, table, "store"),
        "live clv by platform": lambda: clv_groups(conn, merchant_id, table, "platform"),
        "live program impact (all time)": lambda: program_impact(merchant_id, now=now),
    }
    return await _run_calls(calls, runs)


async def _queries(merchant_id: int, store_id: int, runs: int, now: datetime) -> dict[str, Any]:
    """Every analytics query of the merchant, timed; what the admin API and the CSV exports run."""
    from loyalty.models import Member
    from measure.cohorts import cohorts
    from measure.exports import member_pages, member_rows, segment_rows
    from measure.retention import retention
    from measure.value import ClvDimension, clv_breakdown, value_tier_flows, value_tier_revenue

    async def first_members_page() -> None:
        members = Member.filter(merchant_id=merchant_id, merged_into_id=None)
        async for page in member_pages(members):
            await member_rows(merchant_id, page, lambda kind, pk: f"{kind}/{pk}")
            return

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "retention (across stores)": lambda: retention(merchant_id),
        "retention (one store)": lambda: retention(merchant_id, store_id),
        "cohorts (across stores)": lambda: cohorts(merchant_id),
        "cohorts (one store)": lambda: cohorts(merchant_id, store_id),
        "clv by cohort": lambda: clv_breakdown(merchant_id, ClvDimension.COHORT),
        "clv by store": lambda: clv_breakdown(merchant_id, ClvDimension.STORE),
        "clv by platform": lambda: clv_breakdown(merchant_id, ClvDimension.PLATFORM),
        "value-tier revenue (kept)": lambda: value_tier_revenue(merchant_id),
        "value-tier flows (kept)": lambda: value_tier_flows(merchant_id),
        "segments (export)": lambda: segment_rows(merchant_id),
        "members CSV, first page of 1,000": first_members_page,
    }
    try:  # the report kept per period preset at the refresh, what the dashboard reads
        from measure.impact_kept import ImpactPeriod, period_impact
    except ImportError:  # not kept: the dashboard computes it live
        from measure.impact import program_impact

        calls["program impact (live: no kept report)"] = lambda: program_impact(merchant_id, now=now)
    else:
        for period in ImpactPeriod:
            calls[f"program impact (kept, {period.name.lower()})"] = lambda p=period: period_impact(  # type: ignore[misc]
                merchant_id, p, now=now
            )
    return await _run_calls(calls, runs)


async def _sandbox(url: str, source: str, runs: int) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from app.demo.seed import seed
    from app.sample_program import install_sample_program
    from insights.refresh import refresh_merchant
    from sandbox.dataset import build
    from store import crypto
    from store.models import Customer, Order, Store
    from store.people import ensure_profiles

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        started = time.perf_counter()
        await seed(build(source, 7))
        store = await Store.get(platform="shopify")
        await ensure_profiles(cast("list[int]", await Customer.all().values_list("id", flat=True)))
        await refresh_merchant(store.merchant_id, as_of=AS_OF)
        await install_sample_program(store.merchant_id, now=AS_OF)
        setup = time.perf_counter() - started
        return {
            "source": source,
            "orders": await Order.filter(merchant_id=store.merchant_id).count(),
            "customers": await Customer.filter(merchant_id=store.merchant_id).count(),
            "setup_s": round(setup, 1),
            "refresh": await _refresh(store.merchant_id, AS_OF),  # what the insights refresh job runs next
            "queries": await _queries(store.merchant_id, store.id, runs, AS_OF),
            "load_after_queries": _load(),
        }


def _scale_sql(merchant_id: int, stores: tuple[int, int], orders: int) -> list[tuple[str, list[Any]]]:
    """Statements that write the synthetic merchant (PostgreSQL only; ids are contiguous in a new database)."""
    people = max(orders // 5, 10)
    shop, woo = stores
    end = SCALE_END
    return [
        (
            "INSERT INTO profiles (merchant_id, created_at, updated_at) SELECT $1, $2, $2 FROM generate_series(1, $3)",
            [merchant_id, end, people],
        ),
        # one account per person, two in three on the Shopify store; one in ten also on the other
        (
            "INSERT INTO customers (merchant_id, store_id, platform_id, profile_id, owner_id, is_guest, email, "
            "verified_email, first_name, last_name, accepts_marketing, tags, platform_updated_at, content_hash, "
            "created_at, updated_at) "
            "SELECT $1, CASE WHEN p.n % 3 = 0 THEN $3::int ELSE $2::int END, 'c' || p.id, p.id, p.id, false, "
            "'p' || p.id || '@example.org', true, 'Person', 'No ' || p.id, p.n % 20 <> 0, '', $4, 'bench', $4, $4 "
            "FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM profiles WHERE merchant_id = $1) p",
            [merchant_id, shop, woo, end],
        ),
        (
            "INSERT INTO customers (merchant_id, store_id, platform_id, profile_id, owner_id, is_guest, email, "
            "verified_email, first_name, last_name, accepts_marketing, tags, platform_updated_at, content_hash, "
            "created_at, updated_at) "
            "SELECT $1, CASE WHEN c.store_id = $2::int THEN $3::int ELSE $2::int END, 'd' || c.profile_id, c.profile_id, "
            "c.profile_id, false, c.email, true, c.first_name, c.last_name, c.accepts_marketing, '', $4, 'bench', $4, $4 "
            "FROM customers c WHERE c.merchant_id = $1 AND c.profile_id % 10 = 0",
            [merchant_id, shop, woo, end],
        ),
        # orders skewed to the heavy buyers (the square of a uniform draw), over three years
        (
            "WITH c AS (SELECT id, store_id, row_number() OVER (ORDER BY id) - 1 AS n FROM customers "
            "WHERE merchant_id = $1), k AS (SELECT COUNT(*) AS total FROM c), "
            "g AS (SELECT g AS i, floor(power(random(), 2) * (SELECT total FROM k))::bigint AS pick, "
            "random() AS r FROM generate_series(1, $2) g) "
            "INSERT INTO orders (merchant_id, store_id, customer_id, platform_id, name, currency, subtotal, "
            "total_discount, shipping, tax, total, total_refunded, financial_status, discount_codes, test, "
            "platform_created_at, platform_updated_at, content_hash, created_at, updated_at, cancelled_at) "
            "SELECT $1, c.store_id, c.id, 'o' || g.i, '#' || g.i, 'USD', round((20 + g.r * 180)::numeric, 2), 0, 0, 0, "
            "round((20 + g.r * 180)::numeric, 2), CASE WHEN g.i % 25 = 0 THEN round((20 + g.r * 180)::numeric, 2) "
            "ELSE 0 END, 'paid', '[]'::jsonb, g.i % 500 = 0, "
            "$3::timestamptz - (random() * interval '1095 days'), $3, 'bench', $3, $3, "
            "CASE WHEN g.i % 100 = 0 THEN $3::timestamptz ELSE NULL END "
            "FROM g JOIN c ON c.n = g.pick",
            [merchant_id, orders, end],
        ),
        (
            "INSERT INTO insights_clv_predictions (merchant_id, profile_id, currency, model, status, horizon_days, "
            "interval_level, probability_alive, probability_alive_low, probability_alive_high, expected_orders, "
            "expected_orders_low, expected_orders_high, expected_order_value, clv, clv_low, clv_high, churn_risk, "
            "why, as_of) "
            "SELECT $1, id, 'USD', 'heuristic', 'bench', 365, 0.9, 0.5, 0.4, 0.6, 1, 0.5, 1.5, 60, "
            "round((random() * 500)::numeric, 2), 0, 1000, (ARRAY['low', 'medium', 'high'])[1 + id % 3], '', $2 "
            "FROM profiles WHERE merchant_id = $1",
            [merchant_id, end],
        ),
        (
            "INSERT INTO insights_profile_segments (merchant_id, profile_id, currency, recency_days, frequency, "
            "monetary, r_score, f_score, m_score, segment, tier, why, as_of) "
            "SELECT $1, id, 'USD', id % 700, 1 + id % 9, round((random() * 900)::numeric, 2), 1 + id % 5, "
            "1 + (id / 5) % 5, 1 + (id / 25) % 5, "
            "(ARRAY['champions', 'loyal', 'at_risk', 'hibernating', 'new'])[1 + id % 5], "
            "(ARRAY['vip', 'regular', 'at_risk', 'lost'])[1 + id % 4], '', $2 "
            "FROM profiles WHERE merchant_id = $1",
            [merchant_id, end],
        ),
        # two in five people are members, joined at a random day of the three years
        (
            "INSERT INTO loyalty_members (merchant_id, profile_id, available, pending, lifetime, referral_code, "
            "created_at, updated_at) "
            "SELECT $1, id, 100, 0, 100, 'R' || id, $2::timestamptz - (random() * interval '1095 days'), $2 "
            "FROM profiles WHERE merchant_id = $1 AND id % 5 < 2",
            [merchant_id, end],
        ),
    ]


async def _scale(url: str, orders: int, runs: int, profile: str | None = None) -> dict[str, Any]:
    from tortoise.context import TortoiseContext

    from app.db import tortoise_config
    from store import crypto
    from store.models import Customer, Merchant, Order, Store

    crypto.configure(SECRET)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        merchant = await Merchant.create(name="Scale Records")
        stores = []
        for platform, domain in (("shopify", "scale.myshopify.com"), ("woocommerce", "https://scale.example")):
            store = await Store.create(
                merchant=merchant, platform=platform, domain=domain, name=f"Scale {platform}", currency="USD",
                public_key=f"pk_bench_{platform}", install_state="installed",
            )  # fmt: skip
            stores.append(store.id)
        conn = Order._meta.db
        started = time.perf_counter()
        for sql, args in _scale_sql(merchant.id, (stores[0], stores[1]), orders):
            await conn.execute_query(sql, args)
        await conn.execute_script("ANALYZE")
        generated = time.perf_counter() - started
        out: dict[str, Any] = {
            "orders": await Order.filter(merchant_id=merchant.id).count(),
            "customers": await Customer.filter(merchant_id=merchant.id).count(),
            "generate_s": round(generated, 1),
            "load_after_generating": _load(),
        }
        print(f"  generated: {out}", file=sys.stderr, flush=True)
        out["refresh"] = await _refresh(merchant.id, SCALE_END, profile)
        if profile:
            out["refresh"]["profiled"] = profile  # cProfile slows the Python steps: time without it
        out["queries"] = await _queries(merchant.id, stores[0], runs, SCALE_END)
        out["load_after_queries"] = _load()
        out["live"] = await _live(merchant.id, stores[0], runs, SCALE_END)
        out["load_after_live"] = _load()
        return out


# -- running --------------------------------------------------------------------------------


def run(
    quick: bool = False,
    *,
    members: int | None = None,
    orders: int | None = None,
    source: str | None = None,
    runs: int = 5,
    only: tuple[str, ...] = (),
    backend: str = "postgres",
    profile: str | None = None,
) -> dict[str, Any]:
    members = members or (20_000 if quick else 100_000)
    orders = orders or (100_000 if quick else 1_000_000)
    source = source or ("sample" if quick else "master")
    out: dict[str, Any] = {}
    if not only or "members_csv" in only:
        print(f"members CSV, {members:,} members ({backend}) ...", file=sys.stderr)
        out["members_csv"] = members_csv(backend, members)
    if not only or "sandbox" in only:
        print(f"analytics on the sandbox {source} set ({backend}) ...", file=sys.stderr)
        with scratch_database(backend, prefix="rapport_bench_measure") as url:
            out["sandbox"] = {"backend": backend, **asyncio.run(_sandbox(url, source, runs))}
    if (not only or "scale" in only) and backend == "postgres":
        print(f"analytics on a synthetic merchant with {orders:,} orders (postgres) ...", file=sys.stderr)
        with scratch_database("postgres", prefix="rapport_bench_scale") as url:
            out["scale"] = {"backend": "postgres", **asyncio.run(_scale(url, orders, runs, profile))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 members, the sample set, 100,000 orders")
    parser.add_argument("--members", type=int)
    parser.add_argument("--orders", type=int)
    parser.add_argument("--source", choices=("sample", "master"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=(), choices=("members_csv", "sandbox", "scale"))
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--profile", metavar="FILE", help="run the scale part's refresh under cProfile, stats to FILE")
    args = parser.parse_args()
    result = run(
        args.quick,
        members=args.members,
        orders=args.orders,
        source=args.source,
        runs=args.runs,
        only=tuple(args.only),
        backend=args.backend,
        profile=args.profile,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
