"""Picking and re-ordering the final list: top-k selection and caller-supplied boosts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from insights.recommend.baskets import Item


class Recommendation(NamedTuple):
    """One suggested item. Scores order a single response; they are not comparable across calls."""

    item: Item
    score: float


def check_k(k: int) -> int:
    """Reject k <= 0 (and non-integers) up front rather than silently returning nothing."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_boost(boost: Mapping[Item, float]) -> None:
    """Boosts are relative lifts: score * (1 + boost). Negative or non-finite ones are a caller bug."""
    for item, lift in boost.items():
        if not isinstance(lift, int | float | np.integer | np.floating) or not math.isfinite(lift) or lift < 0:
            raise ValueError(f"boost for {item!r} must be a finite number >= 0, got {lift!r}")


def top_k(scores: np.ndarray, allowed: np.ndarray, k: int, tiebreak: np.ndarray) -> np.ndarray:
    """Indices of the `k` highest allowed scores, best first.

    Ties go to the higher `tiebreak` (popularity), then the lower index, so the same model
    and query always give the same list. A partition trims the candidates first so the
    full sort only sees about `k` of them.
    """
    candidates = np.flatnonzero(allowed)
    if candidates.size > k:
        values = scores[candidates]
        kth_best = np.partition(values, candidates.size - k)[candidates.size - k]
        candidates = candidates[values >= kth_best]
    order = np.lexsort((-tiebreak[candidates], -scores[candidates]))
    return candidates[order[:k]]


def top_k_rows(scores: np.ndarray, allowed: np.ndarray, k: int, tiebreak: np.ndarray) -> list[np.ndarray]:
    """`top_k` of every row of a (people x items) score matrix at once, with the same ties.

    One partition of the whole matrix finds each row's k-th best allowed score; only the
    items at or above it are sorted (by row, score, tiebreak, index), so a row holds exactly
    the list `top_k` gives for it alone.
    """
    m, n = scores.shape
    if m == 0 or n == 0:
        return [np.zeros(0, dtype=np.int64) for _ in range(m)]
    keep = min(k, n)
    masked = np.where(allowed, scores, -np.inf)
    kth_best = np.partition(masked, n - keep, axis=1)[:, n - keep]
    # a row with fewer than k allowed items has -inf there: all its allowed items qualify
    rows, cols = np.nonzero(allowed & (masked >= kth_best[:, None]))
    order = np.lexsort((cols, -tiebreak[cols], -scores[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    sizes = np.bincount(rows, minlength=m)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    return [cols[start : min(start + k, end)] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def rerank(
    candidates: Iterable[Recommendation | tuple[Item, float]], boost: Mapping[Item, float]
) -> list[Recommendation]:
    """Lift the candidates a caller cares about (e.g. products a shopper's points already cover).

    Each score becomes score * (1 + boost.get(item, 0)) and the list is re-sorted; the sort
    is stable, so candidates without a boost keep their relative order. Being
    multiplicative, a boost moves an item past neighbours of similar relevance but not past
    far stronger ones.
    """
    check_boost(boost)
    lifted = [Recommendation(item, float(score) * (1.0 + float(boost.get(item, 0.0)))) for item, score in candidates]
    return sorted(lifted, key=lambda rec: -rec.score)
