"""One call for the insight views: fit both models when the data allow it, else use the heuristic."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from insights.clv.bgnbd import PurchaseModel, fit_bgnbd
from insights.clv.gamma_gamma import fit_gamma_gamma
from insights.clv.heuristic import heuristic_predictions
from insights.clv.intervals import DEFAULT_DRAWS, DEFAULT_LEVEL
from insights.clv.predictions import CustomerPredictions, model_predictions
from insights.clv.sufficiency import ClvStatus, assess_data


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

    The heuristic is used when ``assess_data`` finds too few customers or repeat
    buyers, when either fit does not converge, or when the Gamma-Gamma fit has
    q <= 1 (no finite mean spend); ``status`` on the result says which. Invalid
    input (including repeat buyers with a non-positive mean spend) raises ValueError
    rather than falling back: it needs fixing upstream.
    """
    options = {"horizon": horizon, "discount_rate": discount_rate, "step": step, "level": level}
    sufficiency = assess_data(frequency)
    if not sufficiency.enough:
        return heuristic_predictions(frequency, recency, T, monetary_value, status=sufficiency.status, **options)
    bg_fit = fit_bgnbd(frequency, recency, T, model=model)
    gg_fit = fit_gamma_gamma(frequency, monetary_value)
    if not (bg_fit.converged and gg_fit.converged):
        return heuristic_predictions(
            frequency, recency, T, monetary_value, status=ClvStatus.FIT_NOT_CONVERGED, **options
        )
    if gg_fit.q <= 1:
        return heuristic_predictions(
            frequency, recency, T, monetary_value, status=ClvStatus.SPEND_MEAN_UNBOUNDED, **options
        )
    return model_predictions(
        bg_fit,
        gg_fit,
        frequency,
        recency,
        T,
        monetary_value,
        n_draws=n_draws,
        seed=seed,
        status=sufficiency.status,
        **options,
    )
