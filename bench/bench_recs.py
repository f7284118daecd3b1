"""Benchmarks of the product recommenders.

Offline (the default): hides one item from each of 5,000 sampled baskets of the full retail
basket file and prints HR@10, NDCG@10, training time and per-request latency for every method
as JSON:

    .venv/bin/python bench/bench_recs.py [BASKETS_FILE] [--seed N] [--sample N] [--k N]

Incremental (``--incremental URL``): the recommendations step of the insights refresh on the
sandbox merchant in the database at URL (seeded there first, at ``--source``/``--scale``, when
the database is empty; every customer gets a profile). Times the full step (training, every
list, and keeping the model), then an incremental step for ``--people`` profiles drawn at
random (their "for you" lists from the kept model), checks that those lists equal the full
run's, and prints the stored model's size and its write/read times, plus the size and read
time of the alternatives it was chosen over (compressed, or the similarity rows themselves):

    .venv/bin/python -m bench.bench_recs --incremental sqlite:///tmp/master.sqlite3 \\
        [--source master] [--scale 1] [--people 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from insights.recommend.evaluate import evaluate_baskets_file

RETAIL = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "retail.dat.gz"
K = 10


def _median_s(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


def _read_npz(payload: bytes) -> float:
    """Seconds to read every array of an ``.npz`` held in memory."""
    started = time.perf_counter()
    with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
        {name: arrays[name] for name in arrays.files}
    return time.perf_counter() - started


def _alternatives(model: Any) -> dict[str, Any]:
    """What else could be kept: the same state uncompressed, or the similarity rows (CSR) that
    a query reads, which would spare rebuilding them but are larger."""
    state = model.to_state()
    plain = io.BytesIO()
    started = time.perf_counter()
    np.savez(plain, **state)
    plain_s = time.perf_counter() - started
    compressed = io.BytesIO()
    started = time.perf_counter()
    np.savez_compressed(compressed, **state)
    compress_s = time.perf_counter() - started
    similar = model._similar
    rows = io.BytesIO()
    np.savez(
        rows,
        items=state["items"],
        item_counts=state["item_counts"],
        indptr=similar.indptr.astype(np.int64),
        indices=similar.indices.astype(np.int32),
        data=similar.data,
    )
    return {
        "counts_bytes": len(plain.getvalue()),
        "counts_write_s": round(plain_s, 4),
        "counts_read_s": round(_read_npz(plain.getvalue()), 4),
        "counts_compressed_bytes": len(compressed.getvalue()),
        "counts_compress_s": round(compress_s, 4),
        "counts_decompress_s": round(_read_npz(compressed.getvalue()), 4),
        "similarity_rows_bytes": len(rows.getvalue()),
        "similarity_rows_read_s": round(_read_npz(rows.getvalue()), 4),
        "similarity_nonzeros": int(similar.nnz),
        "pair_count_nonzeros_upper": int(len(state["pair_counts"])),
    }


async def _incremental(url: str, source: str, scale: int, people: int, repeat: int, seed: int) -> dict[str, Any]:
    from tortoise.context import TortoiseContext
    from tortoise.transactions import in_transaction

    from app.db import tortoise_config
    from app.demo.seed import seed_stream
    from insights.history import load_history
    from insights.models import ProfileRecommendation
    from insights.recommend.stored import dump_model, load_model
    from insights.recommendations import MerchantRecommender, refresh_recommendations, stored_model
    from sandbox.dataset.scale import scaled
    from store import crypto
    from store.models import Customer, Merchant
    from store.people import ensure_profiles

    crypto.configure("bench-secret-" + "x" * 40)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas(safe=True)
        if not await Merchant.exists():
            await seed_stream(scaled(source, 7, scale))
        merchant_id = cast("int", await Merchant.first().values_list("id", flat=True))
        bare = cast(
            "list[int]", await Customer.filter(merchant_id=merchant_id, profile_id=None).values_list("id", flat=True)
        )
        for start in range(0, len(bare), 5000):
            await ensure_profiles(bare[start : start + 5000])
        history = await load_history(merchant_id)
        now = datetime.now(UTC)

        full_s = []
        for _ in range(repeat):
            started = time.perf_counter()
            async with in_transaction() as conn:
                full_counts = await refresh_recommendations(conn, history, K, now)
            full_s.append(time.perf_counter() - started)
        full_rows = {
            r["profile_id"]: r
            for r in await ProfileRecommendation.filter(merchant_id=merchant_id).values(
                "profile_id", "store_id", "model", "items"
            )
        }

        chosen = set(random.Random(seed).sample(sorted(history.home_store), min(people, len(history.home_store))))
        orders = [o for o in history.orders if o.profile_id in chosen]
        part = replace(
            history,
            orders=orders,
            lines={o.id: history.lines[o.id] for o in orders if o.id in history.lines},
            home_store={p: s for p, s in history.home_store.items() if p in chosen},
            profiles=frozenset(chosen),
        )
        incremental_s = []
        for _ in range(repeat):
            started = time.perf_counter()
            async with in_transaction() as conn:
                part_counts = await refresh_recommendations(conn, part, K, now)
            incremental_s.append(time.perf_counter() - started)

        again = {
            r["profile_id"]: r
            for r in await ProfileRecommendation.filter(merchant_id=merchant_id, profile_id__in=sorted(chosen)).values(
                "profile_id", "store_id", "model", "items"
            )
        }
        same_lists = again.keys() == chosen and all(
            (a["store_id"], a["model"], [i["product_id"] for i in a["items"]])
            == (full_rows[p]["store_id"], full_rows[p]["model"], [i["product_id"] for i in full_rows[p]["items"]])
            for p, a in again.items()
        )
        score_gap = max(
            (
                abs(x["score"] - y["score"])
                for p, a in again.items()
                for x, y in zip(a["items"], full_rows[p]["items"], strict=same_lists)
            ),
            default=0.0,
        )

        async with in_transaction() as conn:
            started = time.perf_counter()
            model = await stored_model(conn, merchant_id)
            read_s = time.perf_counter() - started
        train_started = time.perf_counter()
        trained = MerchantRecommender.train(history).model
        train_s = time.perf_counter() - train_started
        started = time.perf_counter()
        payload = dump_model(trained)
        dump_s = time.perf_counter() - started
        started = time.perf_counter()
        load_model(payload, type(trained))
        load_s = time.perf_counter() - started
        return {
            "url": url.split("://")[0],
            "orders": len(history.orders),
            "profiles": len(history.home_store),
            "items": len(model.items),
            "full_step_s": _median_s(full_s),
            "full_step_runs_s": [round(s, 3) for s in full_s],
            "full_counts": full_counts,
            "incremental_people": len(chosen),
            "incremental_step_s": _median_s(incremental_s),
            "incremental_step_runs_s": [round(s, 3) for s in incremental_s],
            "incremental_counts": part_counts,
            "speedup": round(statistics.median(full_s) / statistics.median(incremental_s), 1),
            "incremental_lists_equal_full": same_lists,
            "max_score_difference": score_gap,
            "stored_model": {
                "bytes": len(payload),
                "train_s": round(train_s, 3),
                "dump_s": round(dump_s, 4),
                "load_s": round(load_s, 4),
                "read_from_database_and_load_s": round(read_s, 4),
                "alternatives": _alternatives(trained),
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baskets", nargs="?", type=Path, default=RETAIL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--incremental", metavar="URL", help="time the refresh step on the merchant in this database")
    parser.add_argument("--source", choices=("sample", "master"), default="master")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.incremental:
        report = asyncio.run(
            _incremental(args.incremental, args.source, args.scale, args.people, args.repeat, args.seed)
        )
    else:
        report = evaluate_baskets_file(args.baskets, seed=args.seed, sample=args.sample, k=args.k)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
