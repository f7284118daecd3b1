"""Predictions computed in batches of customers, with the costly expectation evaluated once per
distinct (repeat purchases, weeks observed), are the predictions of the whole population.

The alive-customer expectation is checked against the paper's formula evaluated one customer
at a time (Fader, Hardie & Lee 2005, eq. 10), and ``model_predictions`` against the public
one-quantity functions, so neither the shared evaluation nor the batching can change an answer.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from insights.clv import (
    ClvFits,
    PurchaseModel,
    cdnow_summary,
    customer_lifetime_value,
    expected_purchases,
    fit_customers,
    model_predictions,
    predict_customers,
    probability_alive,
)
from insights.clv.bgnbd import BgNbdFit, _purchases_if_alive
from insights.clv.predictions import CustomerPredictions
from tests.insights.test_clv_cdnow import MASTER

HORIZON = 365 / 7
DISCOUNT = 1.1 ** (1 / 52) - 1
QUANTITIES = (
    "probability_alive",
    "expected_purchases",
    "expected_value",
    "lifetime_value",
    "next_purchase_time",
    "order_probability",
)


def _paper_expectation(r: float, alpha: float, a: float, b: float, t: float, x: float, T: float) -> float:
    """E[purchases in (T, T+t] | alive at T] for one customer, as the paper writes it."""
    z = t / (alpha + T + t)
    c = a + b + x - 1
    return c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, c, z))


def _fit(r: float, alpha: float, a: float, b: float, model: PurchaseModel) -> BgNbdFit:
    return BgNbdFit(r, alpha, a, b, 0.0, 1.0, np.zeros((4, 4)), True, model)


@pytest.mark.parametrize("model", list(PurchaseModel))
@pytest.mark.parametrize(
    "params", [(0.24, 4.41, 0.79, 2.43), (0.55, 10.6, 3.2, 6.1), (1.7, 2.0, 0.5, 9.0), (0.9, 30.0, 4.5, 1.3)]
)
def test_the_expectation_over_a_grid_of_customers_and_horizons_is_the_papers_formula_one_customer_at_a_time(
    params: tuple[float, float, float, float], model: PurchaseModel
) -> None:
    r, alpha, a, b = params
    fit = _fit(r, alpha, a, b, model)
    x = np.array([0.0, 1, 2, 5, 12, 30])
    T = np.array([0.0, 1.5, 13, 40, 78, 150])
    t = np.array([1.0, 4, 26, 52.14])
    xs, ts = np.meshgrid(x, T, indexing="ij")
    table = _purchases_if_alive(fit, t[None, :], xs.reshape(-1, 1), ts.reshape(-1, 1))
    b_posterior = b + fit.first_purchase_dropouts  # MBG/NBD: one more dropout chance survived
    expected = np.array(
        [
            [_paper_expectation(r, alpha, a, b_posterior, h, cx, cT) for h in t]
            for cx, cT in zip(xs.ravel(), ts.ravel(), strict=True)
        ]
    )
    np.testing.assert_allclose(table, expected, rtol=1e-9)


@pytest.fixture(scope="module")
def cdnow() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    summary = cdnow_summary(MASTER)
    x, t_x, T, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    spends = (x == 0) | (m > 0)
    return x[spends], t_x[spends], T[spends], m[spends]


def _predict(customers: tuple[np.ndarray, ...], fits: ClvFits, at: np.ndarray) -> CustomerPredictions:
    x, t_x, T, m = customers
    assert fits.bgnbd is not None and fits.gamma_gamma is not None
    return model_predictions(
        fits.bgnbd,
        fits.gamma_gamma,
        x[at],
        t_x[at],
        T[at],
        m[at],
        horizon=HORIZON,
        discount_rate=DISCOUNT,
        step=4.0,
        n_draws=40,
        seed=0,
    )


@pytest.mark.parametrize("model", list(PurchaseModel))
def test_point_predictions_shared_per_repeat_count_and_weeks_observed_are_each_customers_own(
    cdnow: tuple[np.ndarray, ...], model: PurchaseModel
) -> None:
    x, t_x, T, m = cdnow
    result = predict_customers(x, t_x, T, m, horizon=HORIZON, discount_rate=DISCOUNT, step=4.0, n_draws=2, model=model)
    bg, gg = result.bgnbd, result.gamma_gamma
    assert bg is not None and gg is not None
    assert len(np.unique(np.stack([x, T], axis=1), axis=0)) < len(x) / 5  # the sharing is real
    np.testing.assert_allclose(result.probability_alive.point, probability_alive(bg, x, t_x, T), rtol=1e-12)
    np.testing.assert_allclose(result.expected_purchases.point, expected_purchases(bg, HORIZON, x, t_x, T), rtol=1e-12)
    clv = customer_lifetime_value(bg, gg, x, t_x, T, m, horizon=HORIZON, discount_rate=DISCOUNT, step=4.0)
    np.testing.assert_allclose(result.lifetime_value.point, clv, rtol=1e-12)


@pytest.mark.parametrize("model", list(PurchaseModel))
def test_a_customers_prediction_and_interval_do_not_depend_on_the_batch_they_are_computed_in(
    cdnow: tuple[np.ndarray, ...], model: PurchaseModel
) -> None:
    fits = fit_customers(*cdnow, model=model)
    whole = _predict(cdnow, fits, np.arange(len(cdnow[0])))
    order = np.lexsort((cdnow[2], cdnow[0]))
    for part in np.array_split(order, 5):
        batch = _predict(cdnow, fits, part)
        for name in QUANTITIES:
            mine, all_of = getattr(batch, name), getattr(whole, name)
            for bound in ("point", "lower", "upper"):
                np.testing.assert_allclose(getattr(mine, bound), getattr(all_of, bound)[part], rtol=1e-12, atol=0)
