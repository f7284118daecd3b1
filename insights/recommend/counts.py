"""Additive basket statistics: the only thing a model has to keep to be refreshed later."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
from scipy import sparse

from insights.recommend.baskets import Item
from insights.recommend.items import ItemIndex

BasketWeighting: TypeAlias = Literal["uniform", "inverse_size"]
"""How much one basket adds to each of its item pairs.

`uniform` adds 1 per pair. `inverse_size` adds 1/(size-1): every item spreads one unit of
co-purchase evidence over its partners, so a 60-item stock-up order does not tie its 1,770
pairs together as strongly as a 2-item order ties its one pair.
"""


class BasketCounts:
    """Item frequencies plus (optionally) a sparse symmetric item-item co-occurrence matrix.

    Everything here is a sum over baskets, so adding a batch is the same as refitting on the
    union. `pair_counts[i, i]` is the weighted frequency of `i`, which is the natural
    normaliser for the off-diagonal counts; `item_counts` is the plain number of baskets
    holding an item and drives popularity.
    """

    def __init__(self, *, pairs: bool = True, weighting: BasketWeighting = "uniform") -> None:
        if weighting not in get_args(BasketWeighting):
            raise ValueError(f"weighting must be one of {get_args(BasketWeighting)}, got {weighting!r}")
        self.weighting: BasketWeighting = weighting
        self.index = ItemIndex()
        self.n_baskets = 0
        self.item_counts = np.zeros(0, dtype=np.int64)
        self.pair_counts: sparse.csr_array | None = sparse.csr_array((0, 0), dtype=np.float64) if pairs else None

    @property
    def n_items(self) -> int:
        return len(self.index)

    def add(self, baskets: Iterable[Iterable[Item]]) -> None:
        """Fold a batch of baskets into the counts. Empty baskets carry no evidence and are skipped."""
        indptr, codes = self.index.encode_baskets(baskets)
        sizes = np.diff(indptr)
        n = self.n_items
        self.n_baskets += int(np.count_nonzero(sizes))
        self.item_counts = _grown(self.item_counts, n) + np.bincount(codes, minlength=n)
        if self.pair_counts is None:
            return
        if self.weighting == "inverse_size":
            weights = 1.0 / np.maximum(sizes - 1, 1)
        else:
            weights = np.ones(len(sizes))
        shape = (len(sizes), n)
        present = sparse.csr_array((np.ones(len(codes)), codes, indptr), shape=shape)
        weighted = sparse.csr_array((np.repeat(weights, sizes), codes, indptr), shape=shape)
        batch = sparse.csr_array(present.T @ weighted)
        previous = self.pair_counts
        previous.resize((n, n))
        merged = sparse.csr_array(previous + batch)
        merged.sum_duplicates()
        merged.sort_indices()
        self.pair_counts = merged

    def to_state(self) -> dict[str, Any]:
        """Flat dict of arrays and scalars; pairs are kept as the upper triangle (half the bytes)."""
        state: dict[str, Any] = {
            "items": self.index.to_array(),
            "item_counts": self.item_counts.copy(),
            "n_baskets": self.n_baskets,
            "weighting": self.weighting,
        }
        if self.pair_counts is not None:
            upper = sparse.csr_array(sparse.triu(self.pair_counts, format="csr"))
            upper.sort_indices()
            state["pair_indptr"] = upper.indptr.astype(np.int64)
            state["pair_indices"] = upper.indices.astype(np.int32)
            state["pair_counts"] = upper.data.astype(np.float64)
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, pairs: bool) -> BasketCounts:
        counts = cls(pairs=pairs, weighting=scalar(state["weighting"], str))
        counts.index = ItemIndex.from_array(state["items"])
        counts.n_baskets = scalar(state["n_baskets"], int)
        counts.item_counts = np.asarray(state["item_counts"], dtype=np.int64).copy()
        n = counts.n_items
        if counts.item_counts.shape != (n,):
            raise ValueError("model state is inconsistent: item_counts does not match items")
        if pairs:
            upper = sparse.csr_array(
                (
                    np.asarray(state["pair_counts"], dtype=np.float64),
                    np.asarray(state["pair_indices"], dtype=np.int64),
                    np.asarray(state["pair_indptr"], dtype=np.int64),
                ),
                shape=(n, n),
            )
            full = sparse.csr_array(upper + upper.T - sparse.diags_array(upper.diagonal()))
            full.eliminate_zeros()
            full.sort_indices()
            counts.pair_counts = full
        return counts


def scalar(value: Any, kind: type) -> Any:
    """Read back a scalar that `numpy.load` returns as a 0-d array and JSON as a plain value."""
    return kind(np.asarray(value).item())


def _grown(values: np.ndarray, n: int) -> np.ndarray:
    """Pad a per-item array with zeros for items first seen in the current batch."""
    return np.concatenate([values, np.zeros(n - len(values), dtype=values.dtype)])
