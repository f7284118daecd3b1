"""RFM quintile scores: each profile ranked against the merchant's other profiles."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata


def quintile_scores(values: ArrayLike, *, higher_is_better: bool = True) -> NDArray[np.int64]:
    """Scores 1-5 by rank, the best fifth getting 5; equal values always get equal scores.

    Ties take their lowest rank, so the long tail of one-order shoppers all score 1 on
    frequency rather than being spread over several scores by arbitrary order.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    ranks = rankdata(x if higher_is_better else -x, method="min")
    return np.clip(np.ceil(5 * ranks / x.size), 1, 5).astype(np.int64)


def top_share(values: ArrayLike) -> NDArray[np.float64]:
    """For each value, the share of values at least as large (0 < share <= 1; the top is smallest)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return np.zeros(0)
    return rankdata(-x, method="max") / x.size
