"""Per-customer prediction bundle, with intervals, from a fitted (M)BG/NBD and Gamma-Gamma model."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from insights.clv.bgnbd import (
    BgNbdFit,
    PurchaseModel,
    _median_next_order,
    _probability_alive,
    _probability_of_order_within,
    _purchases_if_alive,
)
from insights.clv.gamma_gamma import GammaGammaFit, expected_average_value
from insights.clv.intervals import (
    DEFAULT_DRAWS,
    DEFAULT_LEVEL,
    Interval,
    draw_fits,
    interval_from_draws,
)
from insights.clv.sufficiency import ClvStatus
from insights.clv.validation import FloatArray, as_float_array, customer_history, same_length
from insights.clv.value import discount_factors, step_ends


class ClvModel(StrEnum):
    """Which method produced a prediction: a BG/NBD family fit with Gamma-Gamma, or the heuristic."""

    BGNBD_GAMMA_GAMMA = f"{PurchaseModel.BGNBD}+gamma_gamma"
    MBGNBD_GAMMA_GAMMA = f"{PurchaseModel.MBGNBD}+gamma_gamma"
    HEURISTIC = "heuristic"

    @classmethod
    def fitted(cls, model: PurchaseModel) -> ClvModel:
        return cls(f"{model}+gamma_gamma")


# The names the package has always exported.
MODEL_BGNBD_GAMMA_GAMMA = ClvModel.BGNBD_GAMMA_GAMMA
MODEL_MBGNBD_GAMMA_GAMMA = ClvModel.MBGNBD_GAMMA_GAMMA
MODEL_HEURISTIC = ClvModel.HEURISTIC
# Waits are infinite for customers who probably will not order again; parameter draws carry
# them as this many time units so the percentile machinery sees finite numbers.
_NEVER = 1e12


@dataclass(frozen=True, eq=False)
class CustomerPredictions:
    """Everything the insight views show per customer, in the time unit of the input.

    ``model`` says which method produced it and ``status`` why (a
    ``insights.clv.sufficiency`` status). ``expected_purchases`` and
    ``lifetime_value`` cover the next ``horizon`` time units; ``expected_value``
    is spend per future transaction; ``order_probability`` is the chance of at least one
    order within ``horizon``; ``next_purchase_time`` is the median wait after the end of
    observation over all outcomes, dropout included: infinite when the customer more probably
    never orders again, and within ``horizon`` exactly when ``order_probability`` >= 1/2.
    """

    model: ClvModel
    status: ClvStatus
    horizon: float
    probability_alive: Interval
    expected_purchases: Interval
    expected_value: Interval
    lifetime_value: Interval
    next_purchase_time: Interval
    order_probability: Interval
    bgnbd: BgNbdFit | None = None
    gamma_gamma: GammaGammaFit | None = None


def model_predictions(
    bg_fit: BgNbdFit,
    gg_fit: GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    discount_rate: float = 0.0,
    step: float = 1.0,
    level: float = DEFAULT_LEVEL,
    n_draws: int = DEFAULT_DRAWS,
    seed: int | np.random.Generator = 0,
    status: ClvStatus = ClvStatus.SUFFICIENT,
) -> CustomerPredictions:
    """All model predictions with intervals; one set of parameter draws serves every quantity.

    The cost is the alive-customer expectation (a hypergeometric function, about 0.1 us an
    evaluation) at every discounting step for every draw. It depends on a customer only
    through (x, T), so it is evaluated once per distinct (x, T) pair: whole weeks of
    observation and counts of repeat purchases repeat across customers, more so the larger
    the store. The memory is draws x 6 x customers floats (9.4 KiB a customer at 200 draws):
    a large store passes its customers in batches with the same fits and ``seed``, which
    gives every batch the same parameter draws.
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    m = as_float_array(monetary_value, "monetary_value")
    same_length(frequency=x, monetary_value=m)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    ends = step_ends(horizon, step)  # the last end is ``horizon`` itself
    discount = discount_factors(ends, discount_rate)
    pairs, pair_of = np.unique(np.stack([x, big_t], axis=1), axis=0, return_inverse=True)
    pair_of = pair_of.ravel()
    pair_x, pair_t = pairs[:, :1], pairs[:, 1:]

    def evaluate(bg: BgNbdFit, gg: GammaGammaFit) -> FloatArray:
        alive = _probability_alive(bg, x, t_x, big_t)
        value = expected_average_value(gg, x, m)
        cumulative = _purchases_if_alive(bg, ends[None, :], pair_x, pair_t)
        discounted = np.diff(cumulative, axis=1, prepend=0.0) @ discount
        return np.stack(
            [
                alive,
                alive * cumulative[pair_of, -1],
                value,
                value * alive * discounted[pair_of],
                np.minimum(_median_next_order(bg, x, t_x, big_t), _NEVER),
                _probability_of_order_within(bg, x, t_x, big_t, float(horizon)),
            ]
        )

    point = evaluate(bg_fit, gg_fit)
    sampled = list(zip(draw_fits(bg_fit, n_draws, rng), draw_fits(gg_fit, n_draws, rng), strict=True))
    # Filled in place: draws x 6 x customers floats is the refresh's largest array (9.4 KiB a
    # customer at 200 draws); a list of draws then np.stack held it twice.
    stacked = np.full((len(sampled), *point.shape), np.nan)
    for d, (bg, gg) in enumerate(sampled):
        try:
            stacked[d] = evaluate(bg, gg)
        except (ValueError, FloatingPointError):
            pass  # a draw the model cannot evaluate stays NaN and is left out of the interval
    alive, purchases, value, clv, wait, order = (
        interval_from_draws(point[i], stacked[:, i], level) for i in range(point.shape[0])
    )
    wait = Interval(
        point=np.where(wait.point >= _NEVER, np.inf, wait.point),
        lower=np.where(wait.lower >= _NEVER, np.inf, wait.lower),
        upper=np.where(wait.upper >= _NEVER, np.inf, wait.upper),
        level=wait.level,
    )
    return CustomerPredictions(
        model=ClvModel.fitted(bg_fit.model),
        status=status,
        horizon=float(horizon),
        probability_alive=alive,
        expected_purchases=purchases,
        expected_value=value,
        lifetime_value=clv,
        next_purchase_time=wait,
        order_probability=order,
        bgnbd=bg_fit,
        gamma_gamma=gg_fit,
    )
