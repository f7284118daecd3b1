"""Offline benchmark of the product recommenders on the full retail basket file.

Hides one item from each of 5,000 sampled baskets and prints HR@10, NDCG@10, training time
and per-request latency for every method as JSON:

    .venv/bin/python bench/bench_recs.py [BASKETS_FILE] [--seed N] [--sample N] [--k N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from insights.recommend.evaluate import evaluate_baskets_file

RETAIL = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "retail.dat.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baskets", nargs="?", type=Path, default=RETAIL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    report = evaluate_baskets_file(args.baskets, seed=args.seed, sample=args.sample, k=args.k)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
