"""Mathematical properties of the BG/NBD and Gamma-Gamma predictions, on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.clv import (
    BgNbdFit,
    GammaGammaFit,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    fit_gamma_gamma,
    next_purchase_time,
    probability_alive,
)
from insights.clv.bgnbd import _log_likelihood_terms

CDNOW_FIT = BgNbdFit(0.243, 4.414, 0.793, 2.426, -9582.4, 2357, np.eye(4) * 1e-3, True)
CDNOW_GG = GammaGammaFit(6.25, 3.74, 15.44, 0.0, 946, np.eye(3) * 1e-3, True)
MPMATH = json.loads((Path(__file__).parent / "reference" / "mpmath_expected_purchases.json").read_text())


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers observed for T ~ U(20, 40) periods, simulated from the BG/NBD story."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    big_t = rng.uniform(20, 40, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        now = 0.0
        while True:
            now += rng.exponential(1 / rate[i])
            if now > big_t[i]:
                break
            x[i], t_x[i] = x[i] + 1, now
            if rng.random() < dropout[i]:
                break
    return x, t_x, big_t


@pytest.fixture(scope="module")
def simulated() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return simulate_bgnbd(4000, r=0.5, alpha=5.0, a=0.8, b=2.5, seed=7)


def test_fit_recovers_simulation_parameters(simulated) -> None:
    fit = fit_bgnbd(*simulated)
    assert fit.converged
    z = (fit.params - np.array([0.5, 5.0, 0.8, 2.5])) / fit.standard_errors
    assert np.all(np.abs(z) < 3.5), z


def test_fit_is_deterministic(simulated) -> None:
    first, second = fit_bgnbd(*simulated), fit_bgnbd(*simulated)
    np.testing.assert_array_equal(first.params, second.params)
    np.testing.assert_array_equal(first.log_covariance, second.log_covariance)
    assert first.log_likelihood == second.log_likelihood


def test_weights_equal_repeated_rows(simulated) -> None:
    x, t_x, big_t = (v[:300] for v in simulated)
    repeats = np.arange(300) % 3 + 1
    expanded = fit_bgnbd(np.repeat(x, repeats), np.repeat(t_x, repeats), np.repeat(big_t, repeats))
    weighted = fit_bgnbd(x, t_x, big_t, weights=repeats)
    np.testing.assert_allclose(weighted.params, expanded.params, rtol=1e-6)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-10)
    assert weighted.n_customers == repeats.sum()


def test_analytic_gradient_matches_finite_differences(simulated) -> None:
    x, t_x, big_t = (v[:500] for v in simulated)
    point = np.log([0.4, 3.0, 1.3, 2.0])
    _, gradient = _log_likelihood_terms(point, x, t_x, big_t, gradient=True)
    for i in range(4):
        shift = np.zeros(4)
        shift[i] = 1e-6
        upper, _ = _log_likelihood_terms(point + shift, x, t_x, big_t, gradient=False)
        lower, _ = _log_likelihood_terms(point - shift, x, t_x, big_t, gradient=False)
        np.testing.assert_allclose(gradient[i], (upper - lower) / 2e-6, atol=1e-6)


def test_probability_alive_properties() -> None:
    x = np.array([0, 0, 1, 1, 5, 5, 5])
    t_x = np.array([0, 0, 1, 30, 10, 20, 30])
    big_t = np.array([0, 30, 30, 30, 30, 30, 30])
    alive = probability_alive(CDNOW_FIT, x, t_x, big_t)
    assert np.all((alive >= 0) & (alive <= 1))
    np.testing.assert_array_equal(alive[:2], 1.0)  # no repeat purchase: cannot have dropped out
    assert alive[2] < alive[3]  # a recent last purchase is reassuring
    assert alive[4] < alive[5] < alive[6]
    # Just bought (recency == T): only the chance of dropping out at that purchase remains.
    just_bought = probability_alive(CDNOW_FIT, [4], [30], [30])
    assert just_bought[0] == pytest.approx(1 / (1 + CDNOW_FIT.a / (CDNOW_FIT.b + 3)))


def test_expected_purchases_grow_with_time() -> None:
    horizons = np.array([0.0, 1.0, 5.0, 39.0, 100.0, 1000.0])
    grid = expected_purchases(CDNOW_FIT, horizons[:, None], [0, 2, 10], [0, 20, 35], [38, 38, 38])
    assert np.all(grid[0] == 0)
    assert np.all(np.diff(grid, axis=0) > 0)
    new = expected_purchases_new_customer(CDNOW_FIT, horizons)
    assert new[0] == 0 and np.all(np.diff(new) > 0)
    # Early on a new customer buys at the mean rate r / alpha.
    small = 1e-4
    assert expected_purchases_new_customer(CDNOW_FIT, small) / small == pytest.approx(
        CDNOW_FIT.r / CDNOW_FIT.alpha, rel=1e-3
    )
    # A brand-new customer (nothing observed yet) is the unconditional case.
    np.testing.assert_allclose(expected_purchases(CDNOW_FIT, horizons, np.zeros(6), np.zeros(6), np.zeros(6)), new)


def test_expected_purchases_match_high_precision_reference() -> None:
    for case in MPMATH["cases"]:
        fit = BgNbdFit(case["r"], case["alpha"], case["a"], case["b"], 0.0, 1, np.eye(4), True)
        # recency == T makes P(alive) a known factor, isolating the hypergeometric part.
        x, big_t = case["x"], case["T"]
        alive = probability_alive(fit, [x], [big_t if x else 0], [big_t])[0]
        value = expected_purchases(fit, case["t"], [x], [big_t if x else 0], [big_t])[0]
        assert value / alive == pytest.approx(case["expected"], rel=1e-8), case


@settings(max_examples=200, deadline=None, database=None)
@given(
    x=st.integers(0, 400),
    recency_share=st.floats(0, 1),
    big_t=st.floats(0, 500),
    t=st.floats(0, 5000),
    r=st.floats(0.01, 20),
    alpha=st.floats(0.01, 500),
    a=st.floats(0.01, 50),
    b=st.floats(0.01, 50),
)
def test_predictions_stay_finite_and_bounded(x, recency_share, big_t, t, r, alpha, a, b) -> None:
    fit = BgNbdFit(r, alpha, a, b, 0.0, 1, np.eye(4), True)
    t_x = recency_share * big_t if x > 0 else 0.0
    alive = probability_alive(fit, [x], [t_x], [big_t])[0]
    assert 0.0 <= alive <= 1.0
    purchases = expected_purchases(fit, [t, 2 * t + 1], [x, x], [t_x, t_x], [big_t, big_t])
    assert np.all(np.isfinite(purchases)) and np.all(purchases >= 0)
    assert purchases[1] >= purchases[0] * (1 - 1e-9)
    wait = next_purchase_time(fit, [x], [t_x], [big_t])[0]
    assert np.isfinite(wait) and wait > 0


def test_next_purchase_time_is_the_waiting_time_quantile() -> None:
    x, t_x, big_t = np.array([0, 3, 12]), np.array([0, 20, 37]), np.array([38, 38, 38])
    for quantile in (0.1, 0.5, 0.9):
        wait = next_purchase_time(CDNOW_FIT, x, t_x, big_t, quantile=quantile)
        scale = CDNOW_FIT.alpha + big_t
        survival = (scale / (scale + wait)) ** (CDNOW_FIT.r + x)
        np.testing.assert_allclose(survival, 1 - quantile)
    median = next_purchase_time(CDNOW_FIT, x, t_x, big_t)
    assert median[0] > median[1] > median[2]  # frequent buyers come back sooner


def test_expected_average_value_shrinks_towards_population_mean() -> None:
    population = CDNOW_GG.population_mean_value
    value = expected_average_value(CDNOW_GG, [0, 1, 1, 50], [0.0, 100.0, 5.0, 100.0])
    assert value[0] == pytest.approx(population)
    assert population < value[1] < 100 and 5 < value[2] < population
    assert abs(value[3] - 100) < abs(value[1] - 100)  # more purchases, less shrinkage


def test_gamma_gamma_recovers_simulation_parameters() -> None:
    rng = np.random.default_rng(3)
    p, q, gamma = 6.0, 4.0, 15.0
    x = rng.integers(1, 15, 3000).astype(float)
    nu = rng.gamma(q, 1 / gamma, 3000)
    spend = rng.gamma(p * x, 1 / nu) / x  # mean of x Gamma(p, nu) draws
    fit = fit_gamma_gamma(np.r_[x, np.zeros(100)], np.r_[spend, np.zeros(100)])
    assert fit.converged and fit.n_customers == 3000
    z = (fit.params - np.array([p, q, gamma])) / fit.standard_errors
    assert np.all(np.abs(z) < 3.5), z


def test_clv_with_zero_discount_is_the_undiscounted_sum() -> None:
    x, t_x, big_t, m = [0, 2, 9], [0, 20, 36], [38, 38, 38], [0.0, 30.0, 12.0]
    for horizon, step in ((52, 1), (52, 4), (10, 3), (0.5, 1)):
        clv = customer_lifetime_value(
            CDNOW_FIT, CDNOW_GG, x, t_x, big_t, m, horizon=horizon, discount_rate=0.0, step=step
        )
        undiscounted = expected_purchases(CDNOW_FIT, horizon, x, t_x, big_t) * expected_average_value(CDNOW_GG, x, m)
        np.testing.assert_allclose(clv, undiscounted, rtol=1e-12)
    rates = [0.0, 0.001, 0.01, 0.1]
    values = [
        customer_lifetime_value(CDNOW_FIT, CDNOW_GG, x, t_x, big_t, m, horizon=52, discount_rate=rate) for rate in rates
    ]
    assert np.all(np.diff(np.stack(values), axis=0) < 0)


def test_clv_discounting_by_step() -> None:
    x, t_x, big_t, m = [3], [30], [38], [20.0]
    clv = customer_lifetime_value(CDNOW_FIT, CDNOW_GG, x, t_x, big_t, m, horizon=3, discount_rate=0.05, step=1)
    cumulative = expected_purchases(CDNOW_FIT, np.array([1.0, 2.0, 3.0]), x * 3, t_x * 3, big_t * 3)
    per_step = np.diff(cumulative, prepend=0.0)
    value = expected_average_value(CDNOW_GG, x, m)[0]
    assert clv[0] == pytest.approx(value * np.sum(per_step / 1.05 ** np.array([1, 2, 3])))
