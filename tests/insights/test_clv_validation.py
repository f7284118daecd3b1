"""Bad input fails early with a ValueError that names the problem."""

from __future__ import annotations

import numpy as np
import pytest

from insights.clv import (
    BgNbdFit,
    GammaGammaFit,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    fit_gamma_gamma,
    heuristic_predictions,
    next_purchase_time,
    predict_with_interval,
    probability_alive,
    summary_from_transactions,
)

FIT = BgNbdFit(0.243, 4.414, 0.793, 2.426, -9582.4, 2357, np.eye(4) * 1e-3, True)
GG = GammaGammaFit(6.25, 3.74, 15.44, 0.0, 946, np.eye(3) * 1e-3, True)
GOOD = ([0, 2, 5], [0.0, 10.0, 30.0], [20.0, 30.0, 38.0])


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([0, -1], [0, 0], [5, 5], "frequency must be non-negative"),
        ([0, 1.5], [0, 1], [5, 5], "whole numbers"),
        ([0, 1], [0, -1], [5, 5], "recency must be non-negative"),
        ([0, 1], [0, 1], [5, -5], "T must be non-negative"),
        ([0, 1], [0, 6], [5, 5], r"recency must not exceed T \(customer index 1"),
        ([0, 1], [2, 1], [5, 5], "recency must be 0 for customers with frequency 0"),
        ([0, 1, 2], [0, 1], [5, 5], "same length"),
        ([0, 1], [0, 1], [5], "same length"),
        ([], [], [], "frequency is empty"),
        ([0, np.nan], [0, 1], [5, 5], "NaN or infinite"),
        ([0, 1], [0, np.inf], [5, 5], "NaN or infinite"),
        ([[0, 1]], [[0, 1]], [[5, 5]], "one-dimensional"),
        (["a", "b"], [0, 1], [5, 5], "frequency must be numeric"),
    ],
)
def test_customer_history_errors(frequency, recency, T, message) -> None:
    for call in (
        lambda: fit_bgnbd(frequency, recency, T),
        lambda: probability_alive(FIT, frequency, recency, T),
        lambda: expected_purchases(FIT, 10, frequency, recency, T),
        lambda: next_purchase_time(FIT, frequency, recency, T),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_weights_errors() -> None:
    with pytest.raises(ValueError, match="one entry per customer"):
        fit_bgnbd(*GOOD, weights=[1, 2])
    with pytest.raises(ValueError, match="non-negative and not all zero"):
        fit_bgnbd(*GOOD, weights=[1, -1, 1])
    with pytest.raises(ValueError, match="non-negative and not all zero"):
        fit_bgnbd(*GOOD, weights=[0, 0, 0])


def test_horizon_errors() -> None:
    with pytest.raises(ValueError, match="t must be finite and non-negative"):
        expected_purchases(FIT, -1, *GOOD)
    with pytest.raises(ValueError, match="t must be finite and non-negative"):
        expected_purchases_new_customer(FIT, np.nan)
    with pytest.raises(ValueError, match="quantile"):
        next_purchase_time(FIT, *GOOD, quantile=1.0)


def test_gamma_gamma_errors() -> None:
    with pytest.raises(ValueError, match="at least one customer with frequency > 0"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="monetary_value must be positive"):
        fit_gamma_gamma([1, 2], [10.0, 0.0])
    with pytest.raises(ValueError, match="monetary_value must be positive"):
        expected_average_value(GG, [1], [-5.0])
    with pytest.raises(ValueError, match="same length"):
        fit_gamma_gamma([1, 2], [10.0])
    with pytest.raises(ValueError, match="frequency is empty"):
        fit_gamma_gamma([], [])
    unbounded = GammaGammaFit(6.25, 0.9, 15.44, 0.0, 946, np.eye(3), True)
    with pytest.raises(ValueError, match="no finite mean"):
        expected_average_value(unbounded, [1], [5.0])


def test_lifetime_value_errors() -> None:
    money = [0.0, 10.0, 20.0]
    with pytest.raises(ValueError, match="horizon must be a positive"):
        customer_lifetime_value(FIT, GG, *GOOD, money, horizon=0, discount_rate=0.0)
    with pytest.raises(ValueError, match="step must be a positive"):
        customer_lifetime_value(FIT, GG, *GOOD, money, horizon=5, discount_rate=0.0, step=0)
    with pytest.raises(ValueError, match="discount_rate must be a non-negative"):
        customer_lifetime_value(FIT, GG, *GOOD, money, horizon=5, discount_rate=-0.1)
    with pytest.raises(ValueError, match="same length"):
        customer_lifetime_value(FIT, GG, *GOOD, [1.0], horizon=5, discount_rate=0.0)


def test_interval_errors() -> None:
    with pytest.raises(ValueError, match="level must be strictly between"):
        predict_with_interval(probability_alive, FIT, *GOOD, level=1.5)
    with pytest.raises(ValueError, match="n_draws must be at least 1"):
        predict_with_interval(probability_alive, FIT, *GOOD, n_draws=0)
    flat = BgNbdFit(0.2, 4.0, 0.8, 2.4, 0.0, 10, np.full((4, 4), np.nan), False)
    with pytest.raises(ValueError, match="no usable covariance"):
        predict_with_interval(probability_alive, flat, *GOOD)
    with pytest.raises(ValueError, match="level must be strictly between"):
        heuristic_predictions(*GOOD, [0.0, 1.0, 2.0], horizon=10, level=0)


def test_summary_errors() -> None:
    ids, dates, values = ["a", "b"], ["2025-01-01", "2025-01-02"], [1.0, 2.0]
    with pytest.raises(ValueError, match="same length"):
        summary_from_transactions(ids, dates, [1.0], calibration_end="2025-02-01")
    with pytest.raises(ValueError, match="customer_ids is empty"):
        summary_from_transactions([], np.array([], dtype="datetime64[D]"), [], calibration_end="2025-02-01")
    with pytest.raises(ValueError, match="dates must be dates"):
        summary_from_transactions(ids, ["2025-01-01", "yesterday"], values, calibration_end="2025-02-01")
    with pytest.raises(ValueError, match="missing values"):
        summary_from_transactions(ids, ["2025-01-01", "NaT"], values, calibration_end="2025-02-01")
    with pytest.raises(ValueError, match="calibration_end is not a date"):
        summary_from_transactions(ids, dates, values, calibration_end="soon")
    with pytest.raises(ValueError, match="observation_end must be after"):
        summary_from_transactions(ids, dates, values, calibration_end="2025-02-01", observation_end="2025-01-15")
    with pytest.raises(ValueError, match="NaN or infinite"):
        summary_from_transactions(ids, dates, [1.0, np.nan], calibration_end="2025-02-01")
    with pytest.raises(ValueError, match="unit_days must be positive"):
        summary_from_transactions(ids, dates, values, calibration_end="2025-02-01", unit_days=0)
