"""Input checks shared by the models.

Every public function funnels its per-customer arrays through here so that bad
data fails early with a message naming the offending argument, instead of
surfacing later as a NaN log-likelihood or a silent broadcast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """A 1-D float copy of ``values``; rejects empty, multi-dimensional and non-finite data."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: at least one customer is needed")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def same_length(**arrays: FloatArray) -> None:
    """Reject arrays of different lengths (numpy would broadcast a length-1 array silently)."""
    lengths = {name: array.shape[0] for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"per-customer arrays must have the same length, got {described}")


def customer_history(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (frequency, recency, T) arrays in the BG/NBD convention.

    frequency counts *repeat* purchases (whole numbers), recency is the time of the
    last purchase measured from the first one, and T the time from the first
    purchase to the end of the observation window, so ``0 <= recency <= T`` and a
    customer without repeat purchases has recency 0.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    big_t = as_float_array(T, "T")
    same_length(frequency=x, recency=t_x, T=big_t)
    if np.any(x < 0):
        raise ValueError("frequency must be non-negative (it counts repeat purchases)")
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers of repeat purchases")
    if np.any(t_x < 0):
        raise ValueError("recency must be non-negative")
    if np.any(big_t < 0):
        raise ValueError("T must be non-negative")
    if np.any(t_x > big_t):
        worst = int(np.argmax(t_x - big_t))
        raise ValueError(
            f"recency must not exceed T (customer index {worst}: recency={t_x[worst]:g} > T={big_t[worst]:g})"
        )
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 for customers with frequency 0 (no repeat purchase)")
    return x, t_x, big_t


def weights_for(weights: ArrayLike | None, n: int) -> FloatArray:
    """Per-row multiplicities; lets callers fit on de-duplicated (x, t_x, T) rows."""
    if weights is None:
        return np.ones(n)
    w = as_float_array(weights, "weights")
    if w.shape[0] != n:
        raise ValueError(f"weights must have one entry per customer ({n}), got {w.shape[0]}")
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("weights must be non-negative and not all zero")
    return w


def horizon_time(t: ArrayLike, name: str = "t") -> FloatArray:
    """A non-negative forecast horizon (scalar or array, broadcast against customers)."""
    array = np.asarray(t, dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{name} must be finite and non-negative")
    return array
