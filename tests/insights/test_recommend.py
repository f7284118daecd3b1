"""Product recommendations: behaviour on hand-made baskets, plus one check on real retail data."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest

from insights.recommend import (
    ItemKNN,
    Popularity,
    Recommendation,
    Similarity,
    evaluate_baskets_file,
    read_baskets,
    rerank,
)
from insights.recommend.evaluate import METHODS, hold_out

RETAIL = Path(__file__).resolve().parents[2] / "sandbox" / "data" / "retail.dat.gz"


def groceries() -> list[tuple[str, ...]]:
    """Milk is in most orders; pasta is bought with milk more often than with sauce in raw
    counts (8 vs 6), yet sauce is the real companion: milk is bought with everything."""
    return (
        [("pasta", "sauce", "milk")] * 5
        + [("pasta", "sauce")] * 1
        + [("pasta", "milk")] * 3
        + [("milk", "bread")] * 30
        + [("milk", "eggs")] * 20
        + [("milk",)] * 20
        + [("bread", "eggs")] * 5
    )


def items(recs: list[Recommendation]) -> list[object]:
    return [rec.item for rec in recs]


KINDS = [
    Similarity("cosine"),
    Similarity("asymmetric", alpha=0.75),
    Similarity("jaccard"),
    Similarity("lift", shrink=1.0),
]


@pytest.mark.parametrize("weighting", ["uniform", "inverse_size"])
@pytest.mark.parametrize("similarity", KINDS, ids=lambda s: s.kind)
def test_bought_together_ranks_companion_above_bestseller(similarity: Similarity, weighting: str) -> None:
    model = ItemKNN(similarity, weighting=weighting).fit(groceries())
    together = items(model.similar_items("pasta", 2))
    assert together[0] == "sauce"
    assert "pasta" not in together


def test_baseline_and_raw_counts_are_swamped_by_bestseller() -> None:
    model = Popularity().fit(groceries())
    assert items(model.similar_items("pasta", 2)) == ["milk", "bread"]
    assert items(model.recommend([], 5)) == ["milk", "bread", "eggs", "pasta", "sauce"]
    # alpha=1 is plain confidence P(j | pasta): for one query item it ranks by raw counts
    confidence = ItemKNN(Similarity("asymmetric", alpha=1.0), weighting="uniform")
    assert items(confidence.fit(groceries()).similar_items("pasta", 1)) == ["milk"]


def test_recommend_skips_purchased_excluded_and_unavailable_items() -> None:
    model = ItemKNN().fit(groceries())
    assert items(model.recommend(["pasta"], 1)) == ["sauce"]

    in_stock = {"pasta", "milk", "bread", "eggs"}
    recs = items(model.recommend(["pasta"], 10, available=in_stock))
    assert "pasta" not in recs and "sauce" not in recs
    assert set(recs) == {"milk", "bread", "eggs"}

    recs = items(model.recommend(["pasta"], 10, exclude=["milk"]))
    assert "milk" not in recs and "pasta" not in recs
    assert recs[0] == "sauce"

    assert model.recommend(["pasta"], 3, available=set()) == []


def test_cold_start_falls_back_to_popularity() -> None:
    baskets = groceries()
    model = ItemKNN().fit(baskets)
    popular = items(Popularity().fit(baskets).recommend([], 5))
    assert items(model.recommend([], 5)) == popular
    assert items(model.recommend(["never-sold-sku"], 5)) == popular
    assert items(model.similar_items("never-sold-sku", 3)) == popular[:3]


def test_short_lists_are_filled_up_by_popularity_below_scored_items() -> None:
    baskets = [("tent", "stove")] * 2 + [("lamp", "book")] * 5 + [("book",)] * 10
    model = ItemKNN().fit(baskets)
    recs = model.recommend(["tent"], 3)
    assert items(recs) == ["stove", "book", "lamp"]  # stove is the only scored one
    scores = [rec.score for rec in recs]
    assert scores == sorted(scores, reverse=True)
    assert len(model.recommend(["tent"], 50)) == 3  # never more than there is to show


def test_recency_weighting_favours_the_latest_purchase() -> None:
    baskets = [("tent", "stove")] * 3 + [("book", "lamp")] * 3
    model = ItemKNN(recency_half_life=1.0).fit(baskets)
    assert items(model.recommend(["tent", "book"], 2)) == ["lamp", "stove"]
    assert items(model.recommend(["book", "tent"], 2)) == ["stove", "lamp"]
    assert items(model.recommend({"tent": 3.0, "book": 1.0}, 2)) == ["stove", "lamp"]


def test_partial_fit_equals_full_fit_on_the_union() -> None:
    first = groceries()
    second = [
        ("pasta", "parmesan"),
        ("parmesan", "sauce", "pasta"),
        ("bread", "butter"),
        ("milk", "milk"),
    ]
    for fresh in (ItemKNN, Popularity):
        incremental = fresh().fit(first).partial_fit(second)
        full = fresh().fit(first + second)
        assert_same_state(incremental.to_state(), full.to_state())
        for query in (["pasta"], ["bread"], ["parmesan", "milk"], []):
            assert_same_recs(incremental.recommend(query, 4), full.recommend(query, 4))


def test_state_round_trips_through_savez_and_json() -> None:
    baskets = [(1, 2, 3), (1, 2), (2, 4), (3, 4, 5), (1, 5)] * 3
    model = ItemKNN(Similarity("cosine", shrink=0.5, neighbours=3), recency_half_life=2.0)
    state = model.fit(baskets).to_state()

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **state)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as stored:
        from_npz = ItemKNN.from_state(dict(stored))
    as_json = json.dumps(state, default=lambda value: value.tolist())
    from_json = ItemKNN.from_state(json.loads(as_json))

    for restored in (from_npz, from_json):
        assert restored.similarity == model.similarity
        assert restored.recency_half_life == model.recency_half_life
        assert restored.items == [1, 2, 3, 4, 5] and all(type(i) is int for i in restored.items)
        assert restored.recommend([1, 3], 3) == model.recommend([1, 3], 3)
        assert restored.similar_items(4, 2) == model.similar_items(4, 2)
        # a restored model keeps learning exactly like one that never left memory
        more = [(5, 6), (6, 2)]
        assert_same_state(
            restored.partial_fit(more).to_state(),
            ItemKNN().fit(baskets + more).to_state(),
            config=False,
        )

    popularity = Popularity().fit([("a", "b"), ("b",)])
    restored_popularity = Popularity.from_state(popularity.to_state())
    assert restored_popularity.recommend([], 2) == popularity.recommend([], 2)
    with pytest.raises(ValueError, match="popularity"):
        ItemKNN.from_state(popularity.to_state())


def test_boost_lifts_covered_products() -> None:
    model = ItemKNN().fit(groceries())
    plain = model.recommend(["pasta"], 3)
    assert items(plain)[0] == "sauce"

    # a reward covers bread: it moves up, and can enter a list it was not in
    assert items(model.recommend(["pasta"], 3, boost={"bread": 100.0}))[0] == "bread"
    assert "bread" not in items(model.recommend(["pasta"], 1))
    assert items(model.recommend(["pasta"], 1, boost={"bread": 100.0})) == ["bread"]
    assert model.recommend(["pasta"], 3, boost={"unknown": 5.0}) == plain

    candidates = [
        Recommendation("a", 4.0),
        Recommendation("b", 3.0),
        Recommendation("c", 2.0),
        ("d", 1.0),
    ]
    assert items(rerank(candidates, {"c": 1.0})) == ["a", "c", "b", "d"]
    assert items(rerank(candidates, {})) == ["a", "b", "c", "d"]
    assert rerank(candidates, {"d": 9.0})[0] == Recommendation("d", 10.0)


@pytest.mark.parametrize("k", [0, -1, 1.5, True, "10"])
def test_bad_k_is_rejected(k: object) -> None:
    model = ItemKNN().fit(groceries())
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.recommend(["pasta"], k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.similar_items("pasta", k)  # type: ignore[arg-type]


def test_bad_configuration_and_input_are_rejected() -> None:
    model = ItemKNN().fit(groceries())
    with pytest.raises(ValueError, match="boost"):
        model.recommend(["pasta"], 3, boost={"milk": -0.5})
    with pytest.raises(ValueError, match="boost"):
        rerank([("a", 1.0)], {"a": float("nan")})
    with pytest.raises(ValueError, match="history weights"):
        model.recommend({"pasta": -1.0}, 3)
    with pytest.raises(TypeError, match="history"):
        model.recommend("pasta", 3)
    with pytest.raises(TypeError, match="basket"):
        ItemKNN().fit(["pasta sauce"])
    with pytest.raises(ValueError, match="kind"):
        Similarity("pearson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alpha"):
        Similarity("asymmetric", alpha=1.5)
    with pytest.raises(ValueError, match="neighbours"):
        Similarity(neighbours=0)
    with pytest.raises(ValueError, match="weighting"):
        ItemKNN(weighting="by-price")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="recency_half_life"):
        ItemKNN(recency_half_life=0)
    with pytest.raises(ValueError, match="only 1 baskets"):
        hold_out([("a", "b"), ("c",)], sample=2, rng=np.random.default_rng(0))


def test_untrained_model_recommends_nothing() -> None:
    assert ItemKNN().recommend(["pasta"], 3) == []
    assert Popularity().fit([]).recommend([], 3) == []
    assert ItemKNN().fit([(), ()]).similar_items("pasta", 3) == []


def test_read_baskets_plain_and_gzipped(tmp_path: Path) -> None:
    text = "1 2 3 \n\n   \n4 4 5\n3\n"
    plain = tmp_path / "baskets.dat"
    plain.write_text(text)
    zipped = tmp_path / "baskets.dat.gz"
    with gzip.open(zipped, "wt") as out:
        out.write(text)
    expected = [("1", "2", "3"), ("4", "5"), ("3",)]
    assert read_baskets(plain) == expected
    assert read_baskets(str(zipped)) == expected


def test_hold_out_hides_one_item_per_sampled_basket() -> None:
    baskets = [("a", "b", "c"), ("d",), ("e", "f"), ("g", "h", "h"), ("i",)]
    split = hold_out(baskets, sample=3, rng=np.random.default_rng(7))
    again = hold_out(baskets, sample=3, rng=np.random.default_rng(7))
    assert split == again
    assert len(split.queries) == len(split.targets) == 3
    for query, target in zip(split.queries, split.targets, strict=True):
        assert target not in query and len(query) >= 1
        assert query in split.train
        original = next(b for b in baskets if set(query) < set(b))
        assert set(query) | {target} == set(original)
    assert sum(map(len, split.train)) == sum(len(set(b)) for b in baskets) - 3


def test_evaluation_report_shape_and_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    lines = [" ".join(map(str, rng.choice(30, size=rng.integers(1, 6), replace=False))) for _ in range(400)]
    path = tmp_path / "baskets.dat"
    path.write_text("\n".join(lines) + "\n")
    report = evaluate_baskets_file(path, seed=1, sample=50, k=5)
    assert report["k"] == 5 and report["baskets"] == 50
    assert set(report["methods"]) == set(METHODS)
    for figures in report["methods"].values():
        assert set(figures) == {"hr", "ndcg", "train_s", "p50_ms", "p99_ms"}
        assert 0.0 <= figures["ndcg"] <= figures["hr"] <= 1.0
        assert figures["p50_ms"] <= figures["p99_ms"]
    assert json.loads(json.dumps(report)) == report
    rerun = evaluate_baskets_file(path, seed=1, sample=50, k=5)
    assert rerun["methods"]["cosine"]["hr"] == report["methods"]["cosine"]["hr"]
    with pytest.raises(ValueError, match="k must be"):
        evaluate_baskets_file(path, k=0)


@pytest.mark.skipif(not RETAIL.exists(), reason="retail sample data not present")
def test_item_knn_beats_popularity_on_real_retail_baskets() -> None:
    chosen = {name: METHODS[name] for name in ("popularity", "asymmetric_cosine_sized")}
    report = evaluate_baskets_file(RETAIL, seed=0, sample=2000, k=10, methods=chosen)
    popularity = report["methods"]["popularity"]
    ours = report["methods"]["asymmetric_cosine_sized"]
    # leave-one-out on these baskets is dominated by two items found in half of all
    # orders, so popularity is a strong baseline; item-kNN is ~1.2-1.3x ahead across seeds
    assert ours["hr"] >= 1.15 * popularity["hr"]
    assert ours["ndcg"] >= 1.1 * popularity["ndcg"]


def assert_same_state(left: dict, right: dict, *, config: bool = True) -> None:
    """Same arrays; `config=False` compares only the learned counts, not model settings."""
    assert set(left) == set(right)
    learned = {"items", "item_counts", "n_baskets", "pair_indptr", "pair_indices", "pair_counts"}
    for key in set(left) if config else learned & set(left):
        a, b = np.asarray(left[key]), np.asarray(right[key])
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=key)
        else:
            np.testing.assert_array_equal(a, b, err_msg=key)


def assert_same_recs(left: list[Recommendation], right: list[Recommendation]) -> None:
    assert items(left) == items(right)
    np.testing.assert_allclose([r.score for r in left], [r.score for r in right], rtol=1e-12)
