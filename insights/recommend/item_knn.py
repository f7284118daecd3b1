"""Item-kNN over co-purchase counts: "frequently bought together" and "for you"."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from insights.recommend.counts import BasketCounts, BasketWeighting, scalar
from insights.recommend.recommender import BasketRecommender
from insights.recommend.similarity import Similarity


class ItemKNN(BasketRecommender):
    """Scores each item by its summed similarity to the items in the query.

    The defaults (asymmetric cosine, alpha 0.75, size-weighted baskets) won the offline
    evaluation on the retail baskets; see `insights.recommend.evaluate`. Items the query
    gives no evidence for (new shopper, unknown products, too short a history) are ranked
    after every scored item, by popularity, so a list is filled up to `k` whenever enough
    items are allowed.
    """

    model_name = "item_knn"
    uses_pairs = True

    def __init__(
        self,
        similarity: Similarity = Similarity(),
        *,
        weighting: BasketWeighting = "inverse_size",
        recency_half_life: float | None = None,
    ) -> None:
        """`recency_half_life`: in purchases; with 3, the item bought three purchases before
        the latest counts half as much. Only applies to plain sequences; a mapping history
        carries its own weights."""
        if recency_half_life is not None and not (math.isfinite(recency_half_life) and recency_half_life > 0):
            raise ValueError(f"recency_half_life must be a positive number or None, got {recency_half_life!r}")
        self.similarity = similarity
        self.weighting: BasketWeighting = weighting
        self.recency_half_life = recency_half_life
        self._similar = sparse.csr_array((0, 0), dtype=np.float64)
        super().__init__()

    def _empty_counts(self) -> BasketCounts:
        return BasketCounts(pairs=True, weighting=self.weighting)

    def _refresh(self) -> None:
        assert self._counts.pair_counts is not None
        self._similar = self.similarity.matrix(self._counts.pair_counts, self._counts.n_baskets)

    def _history_weights(self, n: int) -> np.ndarray:
        if self.recency_half_life is None:
            return np.ones(n)
        age = np.arange(n - 1, -1, -1, dtype=np.float64)
        return 0.5 ** (age / self.recency_half_life)

    def _scores(self, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        popularity = self.popularity()
        if codes.size == 0:
            return popularity
        evidence = self._row_sums(codes, weights)
        scored = evidence > 0
        if not scored.any():
            return popularity
        # fallback items sit strictly below the weakest scored one, still ordered by popularity
        floor = evidence[scored].min()
        return np.where(scored, evidence, 0.5 * floor * popularity)

    def _row_sums(self, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """sum_i w_i * S[i, :] by gathering the CSR rows directly (no sparse slicing overhead)."""
        similar = self._similar
        starts = similar.indptr[codes]
        lengths = similar.indptr[codes + 1] - starts
        total = int(lengths.sum())
        n = similar.shape[0]
        if total == 0:
            return np.zeros(n)
        ends = np.cumsum(lengths)
        positions = np.arange(total) + np.repeat(starts - (ends - lengths), lengths)
        contributions = similar.data[positions] * np.repeat(weights, lengths)
        return np.bincount(similar.indices[positions], weights=contributions, minlength=n)

    def _config_state(self) -> dict[str, Any]:
        # 0 stands for "off" so every value stays a plain number (no None in savez/JSON)
        return {
            "similarity": self.similarity.kind,
            "alpha": float(self.similarity.alpha),
            "shrink": float(self.similarity.shrink),
            "neighbours": int(self.similarity.neighbours or 0),
            "recency_half_life": float(self.recency_half_life or 0.0),
        }

    @classmethod
    def _config_from_state(cls, state: Mapping[str, Any]) -> dict[str, Any]:
        neighbours = scalar(state["neighbours"], int)
        half_life = scalar(state["recency_half_life"], float)
        similarity = Similarity(
            kind=scalar(state["similarity"], str),
            alpha=scalar(state["alpha"], float),
            shrink=scalar(state["shrink"], float),
            neighbours=neighbours or None,
        )
        return {
            "similarity": similarity,
            "weighting": scalar(state["weighting"], str),
            "recency_half_life": half_life or None,
        }
