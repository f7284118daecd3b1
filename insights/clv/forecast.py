"""One call for the insight views: fit both models when the data allow it, else use the heuristic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from insights.clv.bgnbd import BgNbdFit, PurchaseModel, fit_bgnbd
from insights.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma
from insights.clv.heuristic import HeuristicPool, heuristic_predictions
from insights.clv.intervals import DEFAULT_DRAWS, DEFAULT_LEVEL
from insights.clv.predictions import CustomerPredictions, model_predictions
from insights.clv.sufficiency import ClvStatus, assess_data


@dataclass(frozen=True)
class ClvFits:
    """What ``predict_customers`` predicts with: both fits when the data allow them (``fitted``),
    else none and the ``status`` that sends every customer to the heuristic.

    Fitting once and predicting many times lets a large store predict its customers in batches
    with the same parameters (and the same parameter draws, from the same seed)."""

    status: ClvStatus
    bgnbd: BgNbdFit | None = None
    gamma_gamma: GammaGammaFit | None = None
    pool: HeuristicPool | None = None
    """The heuristic's store-wide figures, kept when later people must be predicted as if among these."""

    @property
    def fitted(self) -> bool:
        return self.bgnbd is not None and self.gamma_gamma is not None


def fit_customers(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    model: PurchaseModel = PurchaseModel.MBGNBD,
) -> ClvFits:
    """MBG/NBD (or ``model``) and Gamma-Gamma fits, or the reason the heuristic must be used.

    The heuristic is used when ``assess_data`` finds too few customers or repeat
    buyers, when either fit does not converge, or when the Gamma-Gamma fit has
    q <= 1 (no finite mean spend).
    """
    sufficiency = assess_data(frequency)
    if not sufficiency.enough:
        return ClvFits(sufficiency.status)
    bg_fit = fit_bgnbd(frequency, recency, T, model=model)
    gg_fit = fit_gamma_gamma(frequency, monetary_value)
    if not (bg_fit.converged and gg_fit.converged):
        return ClvFits(ClvStatus.FIT_NOT_CONVERGED)
    if gg_fit.q <= 1:
        return ClvFits(ClvStatus.SPEND_MEAN_UNBOUNDED)
    return ClvFits(sufficiency.status, bg_fit, gg_fit)


def predict_customers(
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
    model: PurchaseModel = PurchaseModel.MBGNBD,
) -> CustomerPredictions:
    """MBG/NBD (or ``model``) + Gamma-Gamma predictions, or the heuristic when the data are thin.

    MBG/NBD is the default because it lets a one-time buyer drop out, so P(alive), the churn
    band, the next-order date and CLV all come from one survival model; it was chosen over
    BG/NBD and Pareto/NBD on the CDNOW holdout (``bench/bench_clv_models.py``, README).

    When the heuristic is used, ``status`` on the result says why (``fit_customers``). Invalid
    input (including repeat buyers with a non-positive mean spend) raises ValueError
    rather than falling back: it needs fixing upstream.
    """
    fits = fit_customers(frequency, recency, T, monetary_value, model=model)
    options: dict[str, Any] = {"horizon": horizon, "discount_rate": discount_rate, "step": step, "level": level}
    if fits.bgnbd is None or fits.gamma_gamma is None:
        return heuristic_predictions(frequency, recency, T, monetary_value, status=fits.status, **options)
    return model_predictions(
        fits.bgnbd,
        fits.gamma_gamma,
        frequency,
        recency,
        T,
        monetary_value,
        n_draws=n_draws,
        seed=seed,
        status=fits.status,
        **options,
    )
