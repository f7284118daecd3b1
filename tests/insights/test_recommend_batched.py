"""Batched ranking (a store's people or products at once) gives exactly the lists of the one
query at a time path it replaced: same items, same order, same scores, same labels."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.history import MerchantHistory, load_history
from insights.recommend import ItemKNN, Popularity, Recommendation, Similarity, read_baskets
from insights.recommend import recommender as recommender_module
from insights.recommend.ranking import top_k, top_k_rows
from insights.recommendations import (
    CANDIDATES_FOR_RERANK,
    MODEL_POPULARITY,
    MerchantRecommender,
    for_you_rows,
    pairing_rows,
)
from store.models import Customer
from store.people import ensure_profiles
from tests.insights.sandbox_store import load_sandbox
from tests.support.servers import scratch_database

RETAIL = Path(__file__).resolve().parents[2] / "sandbox" / "data" / "retail.dat.gz"
K = 10
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _retail(n: int = 3000) -> list[list[str]]:
    return [list(b) for b in islice(read_baskets(RETAIL), n)]


def _histories(model: ItemKNN | Popularity, seed: int) -> list[list[Any]]:
    """Empty, unknown-only, one-item, long and repeated histories, in random order."""
    rng = random.Random(seed)
    known = model.items
    out: list[list[Any]] = [[], ["nobody-bought-this"], [known[0]], [known[-1], known[0], known[-1]]]
    for _ in range(300):
        out.append(rng.sample(known, rng.randint(1, 25)) + ([-1] if rng.random() < 0.2 else []))
    rng.shuffle(out)
    return out


def _same(got: Sequence[Recommendation], want: Sequence[Recommendation]) -> None:
    assert [r.item for r in got] == [r.item for r in want]
    assert [r.score for r in got] == [r.score for r in want]  # bit for bit, not approximately


@pytest.mark.parametrize(
    "model",
    [
        ItemKNN(),
        ItemKNN(Similarity("cosine", neighbours=20), weighting="uniform", recency_half_life=3.0),
        ItemKNN(Similarity("lift", shrink=1.0)),
        Popularity(),
    ],
    ids=["default", "cosine-recency", "lift", "popularity"],
)
def test_recommend_many_equals_recommend_one_history_at_a_time(model: ItemKNN | Popularity, monkeypatch) -> None:
    model.fit(_retail())
    exclude = random.Random(1).sample(model.items, 200)
    histories = _histories(model, seed=2)
    monkeypatch.setattr(recommender_module, "BATCH_CELLS", 37 * len(model.items))  # several batches
    for k in (1, 10, 30):
        batched = model.recommend_many(histories, k, exclude=exclude)
        assert len(batched) == len(histories)
        for history, got in zip(histories, batched, strict=True):
            _same(got, model.recommend(history, k, exclude=exclude))


def test_a_short_list_is_filled_below_the_weakest_score_even_when_that_item_was_bought() -> None:
    # for a shopper of a and b, b scores lowest (a rarely comes with b) but is bought: the
    # best-sellers that fill the list still sit at half of b's score, as one query at a time
    model = ItemKNN().fit([["a", "b"], ["a", "c"], ["a", "c"], ["c", "d"], ["e"], ["e"], ["e"]])
    histories: list[list[str]] = [["a", "b"], ["b"], ["d"], ["a"], ["zzz"], []]
    for k in (1, 2, 4, 9):
        for history, got in zip(histories, model.recommend_many(histories, k, exclude=["e"]), strict=True):
            _same(got, model.recommend(history, k, exclude=["e"]))


def test_similar_many_equals_similar_items() -> None:
    model = ItemKNN().fit(_retail())
    items = [*model.items[:400], "unknown"]
    exclude = model.items[::7]
    for got, item in zip(model.similar_many(items, K, exclude=exclude), items, strict=True):
        _same(got, model.similar_items(item, K, exclude=exclude))


def test_top_k_rows_breaks_ties_like_top_k() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(60, 50)).astype(np.float64)  # many ties
    allowed = rng.random((60, 50)) < 0.7
    allowed[0] = False  # nothing allowed
    allowed[1, 5:] = False  # fewer allowed than k
    tiebreak = rng.integers(0, 3, size=50).astype(np.float64)
    for k in (1, 7, 50, 80):
        for row, got in enumerate(top_k_rows(scores, allowed, k, tiebreak)):
            assert got.tolist() == top_k(scores[row], allowed[row], k, tiebreak).tolist()


def test_an_untrained_model_recommends_nothing_to_anyone() -> None:
    assert ItemKNN().recommend_many([["a"], []], K) == [[], []]
    assert ItemKNN().fit([["a", "b"]]).recommend_many([], K) == []


@pytest_asyncio.fixture(scope="module")
async def history(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MerchantHistory]:
    """The sandbox merchant with one profile per customer."""
    async with scratch_database(tmp_path_factory.mktemp("batched_recs")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        ids = cast("list[int]", await Customer.filter(merchant_id=sandbox.merchant_id).values_list("id", flat=True))
        await ensure_profiles(ids)
        whole = await load_history(sandbox.merchant_id)
        # two people who never bought (one per store) get best-sellers: the popularity lists
        newcomers = {max(whole.home_store) + 1 + i: store_id for i, store_id in enumerate(sorted(whole.platforms))}
        yield replace(whole, home_store=whole.home_store | newcomers)


def _per_person(recommender: MerchantRecommender, history: MerchantHistory, k: int) -> dict[int, tuple[Any, ...]]:
    """The lists as the full run made them before batching: one ``for_you`` per person."""
    bought: dict[int, list[int]] = {}
    store_orders: dict[int, Counter[int]] = {}
    for order in history.orders:
        if order.profile_id is None:
            continue
        store_orders.setdefault(order.profile_id, Counter())[order.store_id] += 1
        bought.setdefault(order.profile_id, []).extend(
            line.product_id for line in history.lines.get(order.id, ()) if line.product_id is not None
        )
    out = {}
    for profile_id, home in sorted(history.home_store.items()):
        counts = store_orders.get(profile_id)
        store_id = max(counts, key=lambda s: (counts[s], -s)) if counts else home
        model, recs = recommender.for_you(bought.get(profile_id, []), store_id, k)
        out[profile_id] = (store_id, model, [(int(cast("int", r.item)), r.score) for r in recs])
    return out


@pytest.mark.db
async def test_the_full_runs_lists_equal_the_per_person_path_on_the_sandbox(history: MerchantHistory) -> None:
    recommender = MerchantRecommender.train(history)
    assert any(recommender.unavailable.values())  # the store exclusions are exercised
    want = _per_person(recommender, history, K)

    rows = await for_you_rows(recommender, history, K, NOW)

    assert [row["profile_id"] for row in rows] == list(want)
    labels = Counter(row["model"] for row in rows)
    assert labels[MODEL_POPULARITY] == 2 and len(labels) == 2  # both kinds of list are compared
    for row in rows:
        got = (row["store_id"], row["model"], [(i["product_id"], i["score"]) for i in row["items"]])
        assert got == want[row["profile_id"]]


@pytest.mark.db
async def test_a_rerank_hook_sees_the_per_person_candidates_in_profile_order(history: MerchantHistory) -> None:
    recommender = MerchantRecommender.train(history)
    want = _per_person(recommender, history, K * CANDIDATES_FOR_RERANK)
    seen: list[tuple[int, list[tuple[int, float]]]] = []

    async def reverse(profile_id: int, candidates: list[Recommendation]) -> list[Recommendation]:
        seen.append((profile_id, [(int(cast("int", r.item)), r.score) for r in candidates]))
        return candidates[::-1]

    rows = await for_you_rows(recommender, history, K, NOW, reverse)

    assert seen == [(p, recs) for p, (_, _, recs) in want.items()]
    for row in rows:
        reversed_top = want[row["profile_id"]][2][::-1][:K]
        assert [(i["product_id"], i["score"]) for i in row["items"]] == reversed_top


@pytest.mark.db
async def test_pairings_equal_one_bought_together_per_product(history: MerchantHistory) -> None:
    recommender = MerchantRecommender.train(history)

    rows = pairing_rows(recommender, history, K, NOW)

    assert [row["product_id"] for row in rows] == sorted(history.products)
    for row in rows:
        product = history.products[row["product_id"]]
        if product.item not in recommender.known:
            continue  # the best-sellers fallback is unchanged
        model, recs = recommender.bought_together(row["product_id"], product.store_id, K)
        assert row["model"] == model
        assert [(i["product_id"], i["score"]) for i in row["items"]] == [(r.item, r.score) for r in recs]
