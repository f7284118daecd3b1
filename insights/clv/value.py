"""Customer lifetime value: BG/NBD purchase forecast times Gamma-Gamma spend, discounted."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from insights.clv.bgnbd import BgNbdFit, _probability_alive, _purchases_if_alive
from insights.clv.gamma_gamma import GammaGammaFit, expected_average_value
from insights.clv.validation import FloatArray, as_float_array, customer_history, same_length


def step_ends(horizon: float, step: float) -> FloatArray:
    """End times of the discounting steps: step, 2 step, ..., with a final partial step to ``horizon``."""
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError("horizon must be a positive number of time units")
    if not (np.isfinite(step) and step > 0):
        raise ValueError("step must be a positive number of time units")
    full = step * np.arange(1, int(np.ceil(horizon / step)) + 1)
    return np.append(full[full < horizon * (1 - 1e-12)], horizon)


def discount_factors(ends: FloatArray, discount_rate: float) -> FloatArray:
    """(1 + d)^-t at each step end; ``discount_rate`` is per time unit of the fit."""
    if not (np.isfinite(discount_rate) and discount_rate >= 0):
        raise ValueError("discount_rate must be a non-negative rate per time unit")
    return (1.0 + discount_rate) ** -ends


def customer_lifetime_value(
    bg_fit: BgNbdFit,
    gg_fit: GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
) -> FloatArray:
    """Discounted expected spend over the next ``horizon`` time units.

    Time units are those of the fit (weeks if frequency/recency/T are in weeks):
    ``horizon`` and ``step`` are in that unit and ``discount_rate`` is the rate *per
    unit* (a 10 % yearly rate is 1.1**(1/52) - 1 ~ 0.00183 per week). The horizon is
    cut into steps; the purchases expected within each step are valued at the
    Gamma-Gamma expected spend and discounted from the step's end, as
    sum_k value * (E[Y(t_k)] - E[Y(t_(k-1))]) / (1 + d)^t_k. With a zero rate this
    is exactly value * E[Y(horizon)].
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    m = as_float_array(monetary_value, "monetary_value")
    same_length(frequency=x, monetary_value=m)
    ends = step_ends(horizon, step)
    discount = discount_factors(ends, discount_rate)
    value = expected_average_value(gg_fit, x, m)
    cumulative = _purchases_if_alive(bg_fit, ends[None, :], x[:, None], big_t[:, None])
    per_step = np.diff(cumulative, axis=1, prepend=0.0)
    return value * _probability_alive(bg_fit, x, t_x, big_t) * (per_step @ discount)
