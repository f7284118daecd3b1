"""Intervals, the fit-or-fallback entry point and the heuristic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.clv import (
    MIN_CUSTOMERS_TO_FIT,
    MIN_REPEAT_BUYERS_TO_FIT,
    MODEL_BGNBD_GAMMA_GAMMA,
    MODEL_HEURISTIC,
    CustomerPredictions,
    CustomerSummary,
    Interval,
    PurchaseModel,
    assess_data,
    cdnow_summary,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    heuristic_predictions,
    next_purchase_time,
    predict_customers,
    predict_with_interval,
    probability_alive,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "data" / "cdnow_sample.txt.gz"


@pytest.fixture(scope="module")
def sample() -> CustomerSummary:
    return cdnow_summary(SAMPLE)


@pytest.fixture(scope="module")
def fits(sample: CustomerSummary):
    return (
        fit_bgnbd(sample.frequency, sample.recency, sample.T),
        fit_gamma_gamma(sample.frequency, sample.monetary_value),
    )


def assert_well_formed(interval: Interval, n: int) -> None:
    assert interval.point.shape == interval.lower.shape == interval.upper.shape == (n,)
    assert np.all(interval.lower <= interval.point)
    assert np.all(interval.point <= interval.upper)


def test_intervals_contain_point_estimates(sample, fits) -> None:
    bg, gg = fits
    x, t_x, big_t, m = sample.frequency, sample.recency, sample.T, sample.monetary_value
    n = len(sample)
    calls = [
        (probability_alive, bg, (x, t_x, big_t), {}),
        (expected_purchases, bg, (39, x, t_x, big_t), {}),
        (next_purchase_time, bg, (x, t_x, big_t), {}),
        (expected_average_value, gg, (x, m), {}),
        (
            customer_lifetime_value,
            (bg, gg),
            (x, t_x, big_t, m),
            {"horizon": 26, "discount_rate": 0.002, "step": 4},
        ),
    ]
    for predict, model, args, kwargs in calls:
        interval = predict_with_interval(predict, model, *args, n_draws=100, **kwargs)
        assert_well_formed(interval, n)
        np.testing.assert_array_equal(interval.point, predict(*np.atleast_1d(model), *args, **kwargs))
        assert interval.level == 0.9
        # Parameter uncertainty is real: every repeat buyer gets a non-degenerate interval.
        # (One-time buyers are alive with probability exactly 1 under any parameters.)
        assert np.all((interval.upper > interval.lower)[x > 0])


def test_intervals_are_seeded_and_widen_with_level(sample, fits) -> None:
    bg, _ = fits
    args = (39, sample.frequency, sample.recency, sample.T)
    first = predict_with_interval(expected_purchases, bg, *args, n_draws=50, seed=1)
    again = predict_with_interval(expected_purchases, bg, *args, n_draws=50, seed=1)
    other = predict_with_interval(expected_purchases, bg, *args, n_draws=50, seed=2)
    np.testing.assert_array_equal(first.lower, again.lower)
    assert not np.array_equal(first.lower, other.lower)
    narrow = predict_with_interval(expected_purchases, bg, *args, n_draws=200, level=0.5)
    wide = predict_with_interval(expected_purchases, bg, *args, n_draws=200, level=0.99)
    assert np.all(wide.upper - wide.lower >= narrow.upper - narrow.lower)
    generator = predict_with_interval(expected_purchases, bg, *args, n_draws=50, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(generator.upper, first.upper)


def test_predict_customers_uses_models_when_data_suffice(sample) -> None:
    result = predict_customers(
        sample.frequency,
        sample.recency,
        sample.T,
        sample.monetary_value,
        horizon=39,
        discount_rate=0.002,
        step=13,
        n_draws=50,
        model=PurchaseModel.BGNBD,
    )
    assert isinstance(result, CustomerPredictions)
    assert (result.model, result.status) == (MODEL_BGNBD_GAMMA_GAMMA, "sufficient")
    assert result.bgnbd is not None and result.gamma_gamma is not None
    for name in (
        "probability_alive",
        "expected_purchases",
        "expected_value",
        "lifetime_value",
        "next_purchase_time",
        "order_probability",
    ):
        assert_well_formed(getattr(result, name), len(sample))
    np.testing.assert_allclose(
        result.expected_purchases.point,
        expected_purchases(result.bgnbd, 39, sample.frequency, sample.recency, sample.T),
    )
    assert result.expected_purchases.point.sum() == pytest.approx(1653.4, abs=0.1)


def test_data_sufficiency() -> None:
    many_one_timers = np.zeros(MIN_CUSTOMERS_TO_FIT)
    assert assess_data(many_one_timers).status == "too_few_repeat_buyers"
    few = np.ones(MIN_CUSTOMERS_TO_FIT - 1)
    assert assess_data(few).status == "too_few_customers"
    enough = np.r_[np.ones(MIN_REPEAT_BUYERS_TO_FIT), np.zeros(MIN_CUSTOMERS_TO_FIT)]
    verdict = assess_data(enough)
    assert verdict.enough and verdict.n_repeat_buyers == MIN_REPEAT_BUYERS_TO_FIT


def test_small_store_falls_back_to_heuristic(sample) -> None:
    part = slice(0, 60)
    result = predict_customers(
        sample.frequency[part],
        sample.recency[part],
        sample.T[part],
        sample.monetary_value[part],
        horizon=39,
    )
    assert (result.model, result.status) == (MODEL_HEURISTIC, "too_few_customers")
    assert result.bgnbd is None and result.gamma_gamma is None


def test_heuristic_predictions() -> None:
    x = np.array([0, 1, 4, 4])
    t_x = np.array([0.0, 2.0, 20.0, 20.0])
    big_t = np.array([30.0, 30.0, 21.0, 40.0])
    money = np.array([0.0, 50.0, 10.0, 30.0])
    result = heuristic_predictions(x, t_x, big_t, money, horizon=10, discount_rate=0.0)
    assert result.model == MODEL_HEURISTIC and result.status == "heuristic_requested"
    for name in (
        "probability_alive",
        "expected_purchases",
        "expected_value",
        "lifetime_value",
        "next_purchase_time",
    ):
        assert_well_formed(getattr(result, name), 4)
    alive = result.probability_alive
    assert np.all((alive.lower >= 0) & (alive.upper <= 1))
    assert alive.point[2] > alive.point[3]  # same history, longer silence
    assert (alive.lower[0], alive.upper[0]) == (0.0, 1.0)  # no own history
    np.testing.assert_allclose(result.expected_purchases.point, alive.point * x / big_t * 10)
    assert result.expected_value.point[0] == pytest.approx(30.0)  # store mean of repeat spend
    np.testing.assert_allclose(
        result.lifetime_value.point, result.expected_value.point * result.expected_purchases.point
    )
    # Median over all outcomes: P(alive) (1 - exp(-w / gap)) = 1/2, with gap = 20 / 4 = 5.
    p_alive = alive.point[2]
    assert result.next_purchase_time.point[2] == pytest.approx(-5 * np.log(1 - 0.5 / p_alive))
    assert result.order_probability.point[2] == pytest.approx(p_alive * (1 - np.exp(-10 / 5)))
    assert np.isinf(result.next_purchase_time.point[np.argmin(alive.point)])
    discounted = heuristic_predictions(x, t_x, big_t, money, horizon=10, discount_rate=0.05)
    assert np.all(discounted.lifetime_value.point <= result.lifetime_value.point)


def test_heuristic_without_any_repeat_buyer() -> None:
    result = heuristic_predictions([0, 0], [0, 0], [3.0, 0.0], [0.0, 0.0], horizon=4)
    np.testing.assert_array_equal(result.probability_alive.point, [0.5, 0.5])
    np.testing.assert_array_equal(result.expected_purchases.point, [0.0, 0.0])
    assert np.all(np.isfinite(result.expected_purchases.upper))
    assert np.all(result.expected_purchases.upper > 0)


def test_unconverged_or_unbounded_fits_fall_back(sample, fits, monkeypatch) -> None:
    import dataclasses

    import insights.clv.forecast as forecast

    bg, gg = fits
    args = (sample.frequency, sample.recency, sample.T, sample.monetary_value)
    monkeypatch.setattr(forecast, "fit_bgnbd", lambda *a, **k: dataclasses.replace(bg, converged=False))
    assert predict_customers(*args, horizon=10).status == "fit_not_converged"
    monkeypatch.setattr(forecast, "fit_bgnbd", lambda *a, **k: bg)
    monkeypatch.setattr(forecast, "fit_gamma_gamma", lambda *a, **k: dataclasses.replace(gg, q=0.8))
    result = predict_customers(*args, horizon=10)
    assert (result.model, result.status) == (MODEL_HEURISTIC, "spend_mean_unbounded")


@settings(max_examples=100, deadline=None, database=None)
@given(
    histories=st.lists(
        st.tuples(st.integers(0, 50), st.floats(0, 1), st.floats(0, 200), st.floats(0.01, 1e4)),
        min_size=1,
        max_size=20,
    ),
    horizon=st.floats(0.1, 520),
)
def test_heuristic_outputs_are_well_formed(histories, horizon) -> None:
    x = np.array([h[0] for h in histories], dtype=float)
    big_t = np.array([h[2] for h in histories])
    t_x = np.where(x > 0, np.array([h[1] for h in histories]) * big_t, 0.0)
    money = np.where(x > 0, np.array([h[3] for h in histories]), 0.0)
    result = heuristic_predictions(x, t_x, big_t, money, horizon=horizon, discount_rate=0.001)
    for name in ("probability_alive", "expected_purchases", "expected_value", "lifetime_value"):
        interval = getattr(result, name)
        assert_well_formed(interval, len(x))
        assert np.all(np.isfinite(interval.point)) and np.all(interval.lower >= 0)
    assert np.all(result.probability_alive.upper <= 1)
    assert not np.any(np.isnan(result.next_purchase_time.upper))
