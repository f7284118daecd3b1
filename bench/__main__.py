"""``make bench``: every benchmark, printed as JSON and saved to bench/results/latest.json."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_clv import bench_clv
from insights.recommend.evaluate import evaluate_baskets_file

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
BASKETS = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "retail.dat.gz"


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def upsert(backend: str) -> dict:
    """Each backend in its own process: Tortoise caches SQL per model for one dialect."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_upsert", "--backend", backend], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


SUITES = (
    "bench_clv_models",
    "bench_shopify",
    "bench_woocommerce",
    "bench_loyalty",
    "bench_insights",
    "bench_graphql",
    "bench_widget",
    "bench_campaigns",
    "bench_measure",
    "bench_scale",
)
"""Each runs its database work in subprocesses of its own, one backend per process."""

AT_SIZE: dict[str, dict] = {"bench_scale": {"quick": True, "save": None}}
"""Suites run at a fixed size here: the scale bench's 1x and 15x of the master set take tens of
minutes and GiB, so ``make bench`` runs the sample at 1x and 3x and keeps bench/results/scale.json
for the full run (``python -m bench.bench_scale``)."""


def suite(name: str, quick: bool) -> dict:
    """One suite's figures; a suite that fails is reported as failed, never silently left out."""
    try:
        return importlib.import_module(f"bench.{name}").run(**AT_SIZE.get(name, {"quick": quick}))
    except Exception as exc:  # the other suites still run and the failure is in the results
        return {"failed": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark and save the figures.")
    parser.add_argument("--quick", action="store_true", help="the sample data set and shorter runs")
    parser.add_argument("--only", nargs="*", help="run only these suites (e.g. upsert bench_loyalty)")
    args = parser.parse_args()
    wanted = set(args.only or ())
    results: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    if not wanted or "upsert" in wanted:
        print("upsert: SQLite ...", file=sys.stderr)
        results["upsert_sqlite"] = upsert("sqlite")
        if postgres_up():
            print("upsert: PostgreSQL ...", file=sys.stderr)
            results["upsert_postgres"] = upsert("postgres")
        else:
            results["upsert_postgres"] = "skipped: PostgreSQL at 127.0.0.1:5432 is not reachable"
    if not wanted or "clv" in wanted:
        print("clv fits ...", file=sys.stderr)
        results["clv"] = bench_clv()
    if not wanted or "recommendations" in wanted:
        print("recommendations ...", file=sys.stderr)
        results["recommendations"] = evaluate_baskets_file(BASKETS, seed=0, sample=5000, k=10)
    for name in SUITES:
        if wanted and name not in wanted:
            continue
        print(f"{name} ...", file=sys.stderr)
        results[name.removeprefix("bench_")] = suite(name, args.quick)
    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() and wanted else {}
    RESULTS.write_text(json.dumps({**previous, **results}, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
