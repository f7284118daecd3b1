"""Offline evaluation: hide one item of real baskets and check who puts it back in the top k.

Leave-one-out on baskets mirrors the "you may also need" slot at checkout: the shopper has
the rest of the basket, the hidden item is what they were actually going to buy. HR@k says
how often it shows up at all, NDCG@k also rewards showing it near the top.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from insights.recommend.baskets import Item, distinct, read_baskets
from insights.recommend.item_knn import ItemKNN
from insights.recommend.popularity import Popularity
from insights.recommend.ranking import check_k
from insights.recommend.recommender import BasketRecommender
from insights.recommend.similarity import Similarity

MethodFactory = Callable[[], BasketRecommender]

METHODS: dict[str, MethodFactory] = {
    "popularity": Popularity,
    "cosine": lambda: ItemKNN(Similarity("cosine"), weighting="uniform"),
    "jaccard": lambda: ItemKNN(Similarity("jaccard"), weighting="uniform"),
    "lift": lambda: ItemKNN(Similarity("lift", shrink=20.0), weighting="uniform"),
    "asymmetric_cosine": lambda: ItemKNN(Similarity("asymmetric", alpha=0.75), weighting="uniform"),
    "asymmetric_cosine_sized": ItemKNN,
}
"""Every method is trained from scratch on the same split; the last one is `ItemKNN()`'s default."""


@dataclass(frozen=True, slots=True)
class HoldOut:
    """Training baskets with one item hidden from each sampled basket."""

    train: list[tuple[Item, ...]]
    queries: list[tuple[Item, ...]]
    targets: list[Item]


def hold_out(baskets: Sequence[Sequence[Item]], *, sample: int, rng: np.random.Generator) -> HoldOut:
    """Sample `sample` baskets of 2+ items and hide one item of each, both drawn from `rng`.

    The rest of a sampled basket stays in training (the shopper's cart is known), and is the
    query; only the hidden item is withheld, so no method sees the answer.
    """
    if isinstance(sample, bool) or not isinstance(sample, int) or sample <= 0:
        raise ValueError(f"sample must be a positive integer, got {sample!r}")
    train = [distinct(basket) for basket in baskets]
    sizes = np.fromiter(map(len, train), dtype=np.int64, count=len(train))
    eligible = np.flatnonzero(sizes >= 2)
    if sample > eligible.size:
        raise ValueError(f"sample={sample} but only {eligible.size} baskets have 2 or more items")
    chosen = rng.choice(eligible, size=sample, replace=False)
    hidden = rng.integers(0, sizes[chosen])
    queries: list[tuple[Item, ...]] = []
    targets: list[Item] = []
    for basket_no, position in zip(chosen.tolist(), hidden.tolist(), strict=True):
        basket = train[basket_no]
        rest = basket[:position] + basket[position + 1 :]
        train[basket_no] = rest
        queries.append(rest)
        targets.append(basket[position])
    return HoldOut(train=train, queries=queries, targets=targets)


def evaluate_method(factory: MethodFactory, split: HoldOut, k: int) -> dict[str, float]:
    """Train once, then time one `recommend` call per query (per-request latency)."""
    k = check_k(k)
    started = time.perf_counter()
    model = factory().fit(split.train)
    train_s = time.perf_counter() - started

    latency_ms = np.empty(len(split.queries))
    gain = np.zeros(len(split.queries))
    for n, (query, target) in enumerate(zip(split.queries, split.targets, strict=True)):
        started = time.perf_counter()
        recommended = model.recommend(query, k)
        latency_ms[n] = (time.perf_counter() - started) * 1000.0
        for rank, rec in enumerate(recommended, start=1):
            if rec.item == target:
                gain[n] = 1.0 / math.log2(rank + 1)
                break
    p50, p99 = np.percentile(latency_ms, [50, 99])
    return {
        "hr": round(float(np.mean(gain > 0)), 4),
        "ndcg": round(float(np.mean(gain)), 4),
        "train_s": round(train_s, 3),
        "p50_ms": round(float(p50), 3),
        "p99_ms": round(float(p99), 3),
    }


def evaluate_baskets_file(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    sample: int = 2000,
    k: int = 10,
    methods: Mapping[str, MethodFactory] | None = None,
) -> dict[str, Any]:
    """HR@k, NDCG@k, training time and latency per method on a basket file.

    Returns plain JSON-ready data:
    `{"k": 10, "baskets": N, "methods": {"popularity": {"hr", "ndcg", "train_s", "p50_ms", "p99_ms"}, ...}}`.
    """
    k = check_k(k)
    split = hold_out(read_baskets(path), sample=sample, rng=np.random.default_rng(seed))
    chosen = METHODS if methods is None else methods
    return {
        "k": k,
        "baskets": sample,
        "methods": {name: evaluate_method(factory, split, k) for name, factory in chosen.items()},
    }
