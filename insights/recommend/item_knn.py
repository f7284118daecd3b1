"""Item-kNN over co-purchase counts: "frequently bought together" and "for you"."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

import numpy as np
from scipy import sparse

from insights.recommend import recommender as base
from insights.recommend.baskets import Item
from insights.recommend.counts import BasketCounts, BasketWeighting, scalar
from insights.recommend.ranking import Recommendation
from insights.recommend.recommender import BasketRecommender
from insights.recommend.similarity import Similarity

BLOCK = 64
"""Items per block when a batch looks for each row's k-th best score (see `_select_many`)."""
SMALLEST = np.nextafter(0.0, 1.0)
"""The least positive float: ``x >= SMALLEST`` is ``x > 0``."""


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

    def _select_many(
        self, codes: list[np.ndarray], weights: list[np.ndarray], k: int, exclude: Iterable[Item]
    ) -> list[list[Recommendation]]:
        """The batched `_select`, touching only each query's scored items.

        Scored items (evidence > 0) always outrank the popularity fallback, and the fallback
        keeps popularity order (ties: more baskets, then lower index, as in `top_k`), so a
        list is its best scored items followed, when short, by the store's best-sellers it
        may still show: no dense row of every item has to be ranked.
        """
        index = self._counts.index
        n = len(index)
        if n == 0:
            return [[] for _ in codes]
        excluded = self._excluded(exclude)
        popularity = self.popularity()
        tiebreak = self._counts.item_counts
        by_popularity = np.lexsort((np.arange(n), -tiebreak))
        best_sellers = by_popularity[~excluded[by_popularity]].tolist()
        items = index.items
        rows = max(1, base.BATCH_CELLS // n)
        block_starts = np.arange(0, n, BLOCK)
        picked: list[list[Recommendation]] = []
        for start in range(0, len(codes), rows):
            batch, batch_weights = codes[start : start + rows], weights[start : start + rows]
            m = len(batch)
            owner = np.repeat(np.arange(m), [len(c) for c in batch])
            flat = np.concatenate(batch) if batch else np.zeros(0, dtype=np.int64)
            evidence = self._row_sums(flat, np.concatenate(batch_weights) if batch else np.zeros(0), owner, m)
            evidence = evidence.reshape(m, n)
            # Banned items drop to -1 (their scores kept aside: a short list's floor counts them).
            # The k-th best of a row's block maxima is at most its k-th best allowed score (k
            # blocks hold k items at least that high), so the items at or above it hold the
            # whole top k, ties included, and only they are sorted.
            hidden_excluded, hidden_bought = evidence[:, excluded], evidence[owner, flat]
            evidence[:, excluded] = -1.0
            evidence[owner, flat] = -1.0
            if len(block_starts) >= k:
                maxima = np.maximum.reduceat(evidence, block_starts, axis=1)
                floor_k = np.partition(maxima, len(block_starts) - k, axis=1)[:, len(block_starts) - k]
                cells = np.flatnonzero(evidence >= np.maximum(floor_k, SMALLEST)[:, None])
            else:
                cells = np.flatnonzero(evidence > 0)
            bought_ends = np.cumsum([len(c) for c in batch]).tolist()
            values = evidence.ravel()[cells]
            cell_rows, cell_cols = np.divmod(cells, n)
            order = np.lexsort((cell_cols, -tiebreak[cell_cols], -values, cell_rows))
            cell_rows, cell_cols, values = cell_rows[order], cell_cols[order], values[order]
            sizes = np.bincount(cell_rows, minlength=m)
            ends = np.cumsum(sizes).tolist()
            cols_list, values_list = cell_cols.tolist(), values.tolist()
            for row, end in enumerate(ends):
                begin = end - int(sizes[row])
                top = end if end - begin <= k else begin + k
                recs = [
                    Recommendation(items[c], v)
                    for c, v in zip(cols_list[begin:top], values_list[begin:top], strict=True)
                ]
                if len(recs) < k:
                    taken = set(cols_list[begin:end]) | set(batch[row].tolist())
                    row_scores = np.concatenate(
                        (
                            evidence[row],
                            hidden_excluded[row],
                            hidden_bought[bought_ends[row] - len(batch[row]) : bought_ends[row]],
                        )
                    )
                    scored = row_scores[row_scores > 0]
                    # fallback items sit just below the weakest scored one, as in `_scores`
                    scale = 0.5 * scored.min() if scored.size else None
                    rest = islice((c for c in best_sellers if c not in taken), k - len(recs))
                    recs.extend(
                        Recommendation(items[c], float(popularity[c] if scale is None else scale * popularity[c]))
                        for c in rest
                    )
                picked.append(recs)
        return picked

    def _row_sums(
        self, codes: np.ndarray, weights: np.ndarray, owner: np.ndarray | None = None, rows: int = 1
    ) -> np.ndarray:
        """sum_i w_i * S[i, :] by gathering the CSR rows directly (no sparse slicing overhead).

        With `owner` (the query each code belongs to, ascending), the sums of `rows` queries
        side by side, flattened (query q's item j at q * n + j).
        """
        similar = self._similar
        starts = similar.indptr[codes]
        lengths = similar.indptr[codes + 1] - starts
        total = int(lengths.sum())
        n = similar.shape[0]
        if total == 0:
            return np.zeros(rows * n)
        ends = np.cumsum(lengths)
        positions = np.arange(total) + np.repeat(starts - (ends - lengths), lengths)
        contributions = similar.data[positions]
        if not (weights == 1.0).all():  # x * 1.0 is x: plain histories skip the product
            contributions = contributions * np.repeat(weights, lengths)
        target = similar.indices[positions].astype(np.int64, copy=False)
        if owner is not None:
            target += np.repeat(owner, lengths) * n
        return np.bincount(target, weights=contributions, minlength=rows * n)

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
