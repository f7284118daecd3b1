"""What every basket-trained recommender shares: fitting, refresh, query filtering, persistence.

Subclasses only decide how a query becomes one score per item; exclusion of purchased and
unavailable items, boosts, top-k and state handling are identical for all of them, so a
baseline and a real model are compared on exactly the same footing.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any, ClassVar, Self, TypeAlias

import numpy as np

from insights.recommend.baskets import Item
from insights.recommend.counts import BasketCounts, scalar
from insights.recommend.ranking import Recommendation, check_boost, check_k, top_k, top_k_rows

History: TypeAlias = Sequence[Item] | Mapping[Item, float]
"""A shopper's purchases, oldest first, or explicit weights per item (e.g. decayed by days)."""

STATE_VERSION = 1
BATCH_CELLS = 1 << 21
"""Scores held at once by `recommend_many` (people x items): 16 MB of float64 per matrix. On
the sandbox master (11,377 items) 29,812 lists take the same 3 s of CPU at 1 << 20 .. 1 << 22,
with 63, 95 and 162 MB more peak memory."""


class BasketRecommender(ABC):
    """A model trained from baskets that answers "for you" and "bought together" queries."""

    model_name: ClassVar[str]
    uses_pairs: ClassVar[bool]

    def __init__(self) -> None:
        self._counts = self._empty_counts()

    @abstractmethod
    def _empty_counts(self) -> BasketCounts:
        """Fresh statistics configured for this model."""

    @abstractmethod
    def _scores(self, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A positive score for every known item, given the known query items and their weights."""

    @abstractmethod
    def _refresh(self) -> None:
        """Rebuild anything derived from the counts (called after every fit)."""

    def _scores_rows(self, codes: list[np.ndarray], weights: list[np.ndarray]) -> np.ndarray:
        """`_scores` of many queries, one row each; a model may do it without a loop."""
        n = len(self._counts.index)
        return np.vstack([self._scores(c, w) for c, w in zip(codes, weights, strict=True)]).reshape(len(codes), n)

    def _history_weights(self, n: int) -> np.ndarray:
        """Weights of a plain purchase sequence, oldest first."""
        return np.ones(n)

    def _config_state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _config_from_state(cls, state: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    @property
    def items(self) -> list[Item]:
        """Every item seen in training, in index order."""
        return self._counts.index.items

    @property
    def n_baskets(self) -> int:
        return self._counts.n_baskets

    def fit(self, baskets: Iterable[Iterable[Item]]) -> Self:
        """Train from scratch. Each basket is the items of one order; repeats inside it count once."""
        counts = self._empty_counts()
        counts.add(baskets)
        self._counts = counts
        self._refresh()
        return self

    def partial_fit(self, baskets: Iterable[Iterable[Item]]) -> Self:
        """Add new orders to the counts; the result equals `fit` on all baskets seen so far."""
        self._counts.add(baskets)
        self._refresh()
        return self

    def popularity(self) -> np.ndarray:
        """Share of baskets holding each item, in index order."""
        return self._counts.item_counts / max(self._counts.n_baskets, 1)

    def recommend(
        self,
        history: History,
        k: int = 10,
        *,
        exclude: Iterable[Item] = (),
        available: Collection[Item] | None = None,
        boost: Mapping[Item, float] | None = None,
    ) -> list[Recommendation]:
        """Items for a shopper, never ones already in `history` or `exclude`.

        `available` (if given) whitelists what may be shown, e.g. in-stock products.
        `boost` lifts scores by score * (1 + boost) before the cut-off, so a product the
        shopper can pay with points may enter the list, not just move within it. Fewer
        than `k` results come back only when fewer than `k` items are allowed.
        """
        k = check_k(k)
        items, weights = _split_history(history, self._history_weights)
        codes = self._counts.index.codes(items)
        known = codes >= 0
        banned = chain(items, exclude)
        return self._select(codes[known], weights[known], k, banned, available, boost)

    def recommend_many(
        self, histories: Sequence[History], k: int = 10, *, exclude: Iterable[Item] = ()
    ) -> list[list[Recommendation]]:
        """`recommend(history, k, exclude=exclude)` for every history, in order, with the same
        lists and scores: `exclude` is turned into a mask once and people are scored in
        batches of matrix rows instead of one query at a time."""
        k = check_k(k)
        codes: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        get = self._counts.index.codes
        for history in histories:
            items, history_weights = _split_history(history, self._history_weights)
            query = get(items)
            known = query >= 0
            codes.append(query[known])
            weights.append(history_weights[known])
        return self._select_many(codes, weights, k, exclude)

    def similar_many(
        self, items: Sequence[Item], k: int = 10, *, exclude: Iterable[Item] = ()
    ) -> list[list[Recommendation]]:
        """`similar_items(item, k, exclude=exclude)` for every item, in order, batched."""
        k = check_k(k)
        codes = [query[query >= 0] for query in (self._counts.index.codes([item]) for item in items)]
        return self._select_many(codes, [np.ones(len(c)) for c in codes], k, exclude)

    def _excluded(self, exclude: Iterable[Item]) -> np.ndarray:
        """A mask over the known items: True where ``exclude`` names one (unknown names are ignored)."""
        excluded = np.zeros(len(self._counts.index), dtype=bool)
        codes = self._counts.index.codes(exclude)
        excluded[codes[codes >= 0]] = True
        return excluded

    def _select_many(
        self, codes: list[np.ndarray], weights: list[np.ndarray], k: int, exclude: Iterable[Item]
    ) -> list[list[Recommendation]]:
        index = self._counts.index
        n = len(index)
        if n == 0:
            return [[] for _ in codes]
        excluded = self._excluded(exclude)
        rows = max(1, BATCH_CELLS // n)
        picked: list[list[Recommendation]] = []
        for start in range(0, len(codes), rows):
            batch = codes[start : start + rows]
            scores = self._scores_rows(batch, weights[start : start + rows])
            allowed = np.repeat(~excluded[None, :], len(batch), axis=0)
            owner = np.repeat(np.arange(len(batch)), [len(c) for c in batch])
            allowed[owner, np.concatenate(batch) if batch else np.zeros(0, dtype=np.int64)] = False
            for row, top in enumerate(top_k_rows(scores, allowed, k, self._counts.item_counts)):
                items = index.decode(top.tolist())
                picked.append([Recommendation(i, s) for i, s in zip(items, scores[row, top].tolist(), strict=True)])
        return picked

    def similar_items(
        self,
        item: Item,
        k: int = 10,
        *,
        exclude: Iterable[Item] = (),
        available: Collection[Item] | None = None,
        boost: Mapping[Item, float] | None = None,
    ) -> list[Recommendation]:
        """Items frequently bought together with `item`; popular items for an unknown one."""
        k = check_k(k)
        codes = self._counts.index.codes([item])
        codes = codes[codes >= 0]
        banned = chain([item], exclude)
        return self._select(codes, np.ones(len(codes)), k, banned, available, boost)

    def _select(
        self,
        codes: np.ndarray,
        weights: np.ndarray,
        k: int,
        banned: Iterable[Item],
        available: Collection[Item] | None,
        boost: Mapping[Item, float] | None,
    ) -> list[Recommendation]:
        index = self._counts.index
        n = len(index)
        if n == 0:
            return []
        scores = self._scores(codes, weights)
        allowed = np.ones(n, dtype=bool)
        banned_codes = index.codes(banned)
        allowed[banned_codes[banned_codes >= 0]] = False
        if available is not None:
            in_stock = np.zeros(n, dtype=bool)
            available_codes = index.codes(available)
            in_stock[available_codes[available_codes >= 0]] = True
            allowed &= in_stock
        if boost:
            check_boost(boost)
            boost_codes = index.codes(boost.keys())
            lifts = np.fromiter(boost.values(), dtype=np.float64, count=len(boost))
            known = boost_codes >= 0
            scores = scores.copy()
            scores[boost_codes[known]] *= 1.0 + lifts[known]
        picked = top_k(scores, allowed, k, self._counts.item_counts)
        return [
            Recommendation(item, float(score)) for item, score in zip(index.decode(picked), scores[picked], strict=True)
        ]

    def to_state(self) -> dict[str, Any]:
        """Flat dict of numpy arrays and scalars: `numpy.savez(f, **state)` stores it without
        pickling, and `{k: v.tolist()}` of it is valid JSON. Holds the counts, not the
        similarity matrix, because counts are what a later `partial_fit` needs."""
        return {
            "model": self.model_name,
            "version": STATE_VERSION,
            **self._config_state(),
            **self._counts.to_state(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a model saved by `to_state` (values may be numpy arrays or JSON lists)."""
        name = scalar(state.get("model", ""), str)
        if name != cls.model_name:
            raise ValueError(f"state holds a {name!r} model, not {cls.model_name!r}")
        version = scalar(state.get("version", -1), int)
        if version != STATE_VERSION:
            raise ValueError(f"unsupported model state version {version} (expected {STATE_VERSION})")
        model = cls(**cls._config_from_state(state))
        model._counts = BasketCounts.from_state(state, pairs=cls.uses_pairs)
        model._refresh()
        return model


def _split_history(history: History, sequence_weights: Callable[[int], np.ndarray]) -> tuple[list[Item], np.ndarray]:
    if isinstance(history, str | bytes):
        raise TypeError(f"history must be a collection of item ids, not {type(history).__name__}")
    if isinstance(history, Mapping):
        items = list(history)
        weights = np.array([float(history[item]) for item in items], dtype=np.float64)
        if not all(math.isfinite(w) and w >= 0 for w in weights):
            raise ValueError("history weights must be finite numbers >= 0")
        return items, weights
    items = list(history)
    return items, sequence_weights(len(items))
