"""``make bench``: every benchmark, printed as JSON and saved to bench/results/latest.json."""

from __future__ import annotations

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
    out = subprocess.run([sys.executable, "-m", "bench.bench_upsert", "--backend", backend],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    results: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    print("upsert: SQLite ...", file=sys.stderr)
    results["upsert_sqlite"] = upsert("sqlite")
    if postgres_up():
        print("upsert: PostgreSQL ...", file=sys.stderr)
        results["upsert_postgres"] = upsert("postgres")
    else:
        results["upsert_postgres"] = "skipped: PostgreSQL at 127.0.0.1:5432 is not reachable"
    print("clv fits ...", file=sys.stderr)
    results["clv"] = bench_clv()
    print("recommendations ...", file=sys.stderr)
    results["recommendations"] = evaluate_baskets_file(BASKETS, seed=0, sample=5000, k=10)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
