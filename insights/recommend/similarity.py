"""Turning co-purchase counts into item-to-item similarity.

Raw counts rank best-sellers next to everything (an item in half of all orders co-occurs
with almost anything), so each kind divides the count by the items' frequencies in a
different way. `S[i, j]` is read as "how strongly buying `i` suggests `j`"; a query sums the
rows of the items it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

import numpy as np
from scipy import sparse

SimilarityKind: TypeAlias = Literal["cosine", "asymmetric", "jaccard", "lift"]


@dataclass(frozen=True, slots=True)
class Similarity:
    """A normalisation of co-occurrence counts `c_ij` by item frequencies `f_i`, `f_j`.

    - `cosine`: c / sqrt(f_i f_j), symmetric.
    - `asymmetric`: c / (f_i**alpha * f_j**(1 - alpha)). alpha=0.5 is cosine, alpha=1 is the
      confidence P(j | i). Moving alpha above 0.5 divides less by the candidate's own
      frequency, letting popular but genuinely related items through, while rare
      history items still weigh more than common ones when rows are summed.
    - `jaccard`: c / (f_i + f_j - c).
    - `lift`: c * N / (f_i f_j), how much more often than chance; favours rare pairs.

    `shrink` multiplies by c / (c + shrink) to damp pairs seen only a handful of times.
    `neighbours` keeps only the strongest entries of each row, trading a little recall
    for a smaller matrix and faster queries.
    """

    kind: SimilarityKind = "asymmetric"
    alpha: float = 0.75
    shrink: float = 0.0
    neighbours: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in get_args(SimilarityKind):
            raise ValueError(f"similarity kind must be one of {get_args(SimilarityKind)}, got {self.kind!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be within [0, 1], got {self.alpha!r}")
        if not (np.isfinite(self.shrink) and self.shrink >= 0):
            raise ValueError(f"shrink must be a finite number >= 0, got {self.shrink!r}")
        if self.neighbours is not None and self.neighbours <= 0:
            raise ValueError(f"neighbours must be a positive integer or None, got {self.neighbours!r}")

    def matrix(self, pair_counts: sparse.csr_array, n_baskets: int) -> sparse.csr_array:
        """Similarity with the diagonal removed (an item never recommends itself)."""
        n = pair_counts.shape[0]
        counts = sparse.csr_array(pair_counts)
        counts.sort_indices()
        frequency = counts.diagonal()
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        cols = counts.indices
        off_diagonal = rows != cols
        rows, cols, c = rows[off_diagonal], cols[off_diagonal], counts.data[off_diagonal]
        f_row, f_col = frequency[rows], frequency[cols]
        match self.kind:
            case "cosine":
                values = c / np.sqrt(f_row * f_col)
            case "asymmetric":
                values = c / (f_row**self.alpha * f_col ** (1.0 - self.alpha))
            case "jaccard":
                values = c / (f_row + f_col - c)
            case "lift":
                values = c * max(n_baskets, 1) / (f_row * f_col)
        if self.shrink:
            values = values * (c / (c + self.shrink))
        if self.neighbours is not None:
            keep = _strongest_per_row(rows, values, self.neighbours)
            rows, cols, values = rows[keep], cols[keep], values[keep]
        # entries are still grouped by row in ascending column order, so CSR can be built directly
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return sparse.csr_array((values.astype(np.float64), cols, indptr), shape=(n, n))


def _strongest_per_row(rows: np.ndarray, values: np.ndarray, m: int) -> np.ndarray:
    """Boolean mask of each row's `m` largest values, in one sort instead of a loop over rows."""
    order = np.lexsort((-values, rows))
    starts = np.searchsorted(rows[order], rows[order], side="left")
    rank = np.arange(len(order)) - starts
    keep = np.zeros(len(rows), dtype=bool)
    keep[order[rank < m]] = True
    return keep
