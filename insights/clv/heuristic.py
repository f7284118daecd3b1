"""Rule-of-thumb predictions for stores without enough data to fit the models.

Each customer is treated as a Poisson buyer at their own historical rate; nothing is
pooled across customers except, where a customer has no history of their own, the
store-wide average. Intervals come from exact (Garwood) Poisson bounds on the rates
and are deliberately wide: they cover the rate uncertainty of a single customer's
short history, which is large.

* rate: x / T repeat purchases per time unit (T floored at one time unit);
* probability alive: exp(-silence / gap), the chance that a buyer who purchases on
  average every ``gap = recency / x`` would have stayed silent for the
  ``silence = T - recency`` since their last purchase. One-time buyers use the
  store's pooled gap and get the uninformative interval [0, 1];
* expected purchases: P(alive) x rate x horizon;
* expected value: the customer's mean repeat spend (store mean for one-time buyers),
  with the central ``level`` range of all repeat buyers' mean spends as interval;
* lifetime value: value x P(alive) x rate, discounted per step like the model;
* order within the horizon: P(alive) x (1 - exp(-horizon / gap));
* next purchase: the median wait over all outcomes, -gap x ln(1 - 1/(2 P(alive))), infinite
  when P(alive) <= 1/2 (more probably no order at all).

With no repeat buyer in the data at all there is no gap to go on: P(alive) is 0.5
in [0, 1] and the next purchase time is infinite (unknown).

The store-wide figures (pooled gap, mean repeat spend and its range) are a ``HeuristicPool``:
an incremental refresh passes the pool of the last full run, so a few people predicted on
their own get exactly what they got among everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2

from insights.clv.intervals import DEFAULT_LEVEL, Interval
from insights.clv.predictions import ClvModel, CustomerPredictions
from insights.clv.sufficiency import ClvStatus
from insights.clv.validation import FloatArray, as_float_array, customer_history, same_length
from insights.clv.value import discount_factors, step_ends

_SHORTEST_GAP = 1e-9


@dataclass(frozen=True)
class HeuristicPool:
    """What the heuristic pools over a store's customers; everything else is per customer."""

    gap: float
    """Repeat purchase time over repeat purchases of all repeat buyers; NaN without any."""
    mean_spend: float
    """Mean of the repeat buyers' mean spends (0 without any): a one-time buyer's expected value."""
    spend_low: float
    spend_high: float
    """The central ``level`` range of the repeat buyers' mean spends."""
    level: float = DEFAULT_LEVEL


def heuristic_pool(
    frequency: ArrayLike, recency: ArrayLike, monetary_value: ArrayLike, *, level: float = DEFAULT_LEVEL
) -> HeuristicPool:
    """The pooled figures of these customers, as ``heuristic_predictions`` computes them."""
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    m = as_float_array(monetary_value, "monetary_value")
    same_length(frequency=x, recency=t_x, monetary_value=m)
    repeat = x > 0
    gap = float(t_x[repeat].sum() / x[repeat].sum()) if np.any(repeat) else float("nan")
    spends = m[repeat]
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(spends, [tail, 100 - tail]) if spends.size else (0.0, 0.0)
    return HeuristicPool(gap, float(spends.mean()) if spends.size else 0.0, float(low), float(high), level)


def _poisson_rate_bounds(events: FloatArray, exposure: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Exact two-sided Poisson (Garwood) bounds on events / exposure."""
    tail = (1 - level) / 2
    lower = np.where(events > 0, chi2.ppf(tail, 2 * np.maximum(events, 1)) / 2, 0.0)
    upper = chi2.ppf(1 - tail, 2 * events + 2) / 2
    return lower / exposure, upper / exposure


def heuristic_predictions(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    discount_rate: float = 0.0,
    step: float = 1.0,
    level: float = DEFAULT_LEVEL,
    status: ClvStatus = ClvStatus.HEURISTIC_REQUESTED,
    pool: HeuristicPool | None = None,
) -> CustomerPredictions:
    """Per-customer predictions without a fitted model (rules in the module docstring); ``pool``
    (at the same ``level``) stands for the store-wide figures, else they come from these customers."""
    if not 0.0 < level < 1.0:
        raise ValueError("level must be strictly between 0 and 1")
    x, t_x, big_t = customer_history(frequency, recency, T)
    m = as_float_array(monetary_value, "monetary_value")
    same_length(frequency=x, monetary_value=m)
    if pool is None:
        pool = heuristic_pool(x, t_x, m, level=level)
    elif pool.level != level:
        raise ValueError(f"the pool's spend range is at level {pool.level}, not {level}")
    repeat = x > 0
    exposure = np.maximum(big_t, 1.0)
    rate = x / exposure
    rate_low, rate_high = _poisson_rate_bounds(x, exposure, level)

    silence = big_t - t_x
    pooled_gap = pool.gap
    # Floored so that repeat purchases all at the first instant (t_x = 0) do not divide by 0.
    gap = np.maximum(np.where(repeat, t_x / np.where(repeat, x, 1.0), pooled_gap), _SHORTEST_GAP)
    gap_rate_low, gap_rate_high = _poisson_rate_bounds(x, np.maximum(t_x, _SHORTEST_GAP), level)
    if np.isfinite(pooled_gap):
        alive = np.exp(-silence / gap)
    else:
        alive = np.full_like(x, 0.5)
    alive_low = np.where(repeat, np.exp(-silence * gap_rate_high), 0.0)
    alive_high = np.where(repeat, np.exp(-silence * gap_rate_low), 1.0)

    value = np.where(repeat, m, pool.mean_spend)
    spend_low, spend_high = pool.spend_low, pool.spend_high
    value_low, value_high = np.minimum(value, spend_low), np.maximum(value, spend_high)

    ends = step_ends(horizon, step)
    discounted_time = float(np.diff(ends, prepend=0.0) @ discount_factors(ends, discount_rate))

    def median_wait(p_alive: FloatArray, mean_gap: FloatArray) -> FloatArray:
        reachable = (p_alive > 0.5) & np.isfinite(mean_gap)
        remaining = np.where(reachable, 1.0 - 0.5 / np.where(reachable, p_alive, 1.0), 1.0)
        return np.where(reachable, -np.where(reachable, mean_gap, 0.0) * np.log(remaining), np.inf)

    with np.errstate(divide="ignore"):
        gap_low = np.where(repeat, 1.0 / gap_rate_high, 0.0)
        gap_high = np.where(repeat, 1.0 / gap_rate_low, np.inf)
    wait = median_wait(alive, gap)
    wait_low = median_wait(alive_high, gap_low)
    wait_high = median_wait(alive_low, gap_high)
    never = np.isnan(gap)
    order = np.where(never, 0.0, alive * -np.expm1(-horizon / np.where(never, 1.0, gap)))
    order_low = np.where(repeat, alive_low * -np.expm1(-horizon * gap_rate_low), 0.0)
    order_high = np.where(repeat, alive_high * -np.expm1(-horizon * gap_rate_high), 1.0)

    def interval(point: FloatArray, low: FloatArray, high: FloatArray) -> Interval:
        return Interval(point=point, lower=np.minimum(low, point), upper=np.maximum(high, point), level=level)

    return CustomerPredictions(
        model=ClvModel.HEURISTIC,
        status=status,
        horizon=float(horizon),
        probability_alive=interval(alive, alive_low, alive_high),
        expected_purchases=interval(
            alive * rate * horizon, alive_low * rate_low * horizon, alive_high * rate_high * horizon
        ),
        expected_value=interval(value, value_low, value_high),
        lifetime_value=interval(
            value * alive * rate * discounted_time,
            value_low * alive_low * rate_low * discounted_time,
            value_high * alive_high * rate_high * discounted_time,
        ),
        next_purchase_time=interval(wait, wait_low, wait_high),
        order_probability=interval(order, order_low, order_high),
    )
