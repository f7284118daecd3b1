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


def score_cuts(values: ArrayLike) -> list[float | None]:
    """The values to beat for scores 2, 3, 4 and 5 as ``quintile_scores`` gives them (higher is
    better): the cut for score k is the population's ``floor((k - 1) n / 5)``-th smallest value, None
    when every value reaches it. ``scores_from_cuts`` then scores anyone without the population.

    With ties ranked "min", a value's score is ceil(5 (c + 1) / n) for the c values strictly
    below it, so it reaches k exactly when c >= floor((k - 1) n / 5).
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    cuts: list[float | None] = []
    for k in range(2, 6):
        below = (k - 1) * n // 5
        cuts.append(None if below == 0 else float(x[below - 1]))
    return cuts


def scores_from_cuts(values: ArrayLike, cuts: list[float | None]) -> NDArray[np.int64]:
    """Scores 1-5 of ``values`` against ``score_cuts`` of a population (higher is better)."""
    x = np.asarray(values, dtype=np.float64)
    out = np.ones(x.shape, dtype=np.int64)
    for cut in cuts:
        out += np.ones(x.shape, dtype=np.int64) if cut is None else (x > cut)
    return out


def top_share_cut(values: ArrayLike, share: float) -> float | None:
    """The value to beat for ``top_share`` to be within ``share`` (0 <= share <= 1), None when every
    value is: the top share of a value is (n - c) / n for the c values strictly below it."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n == 0:
        return None
    within = (n - np.arange(n + 1)) / n <= share
    below = int(np.argmax(within)) if within.any() else n
    return None if below == 0 else float(x[below - 1])
