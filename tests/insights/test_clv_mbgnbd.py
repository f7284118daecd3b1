"""MBG/NBD: one survival model for P(alive), the churn band, the next-order date and CLV.

Reference figures come from `lifetimes` (tests/insights/reference/lifetimes_mbgnbd.py), whose
ModifiedBetaGeoFitter implements Batislam, Denizel & Filiztekin (2007).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from insights.clv import (
    MODEL_MBGNBD_GAMMA_GAMMA,
    PurchaseModel,
    cdnow_summary,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    median_next_order,
    predict_customers,
    probability_alive,
    probability_of_order_within,
)
from insights.clv.bgnbd import _log_likelihood_terms

DATA = Path(__file__).resolve().parents[2] / "sandbox" / "data"
REFERENCE = json.loads((Path(__file__).parent / "reference" / "lifetimes_mbgnbd.json").read_text())
MBG = PurchaseModel.MBGNBD


@pytest.fixture(scope="module")
def sample():
    return cdnow_summary(DATA / "cdnow_sample.txt.gz", id_column="sample")


@pytest.fixture(scope="module")
def master():
    return cdnow_summary(DATA / "cdnow_master.txt.gz")


@pytest.mark.parametrize("source", ["sample", "master"])
def test_mbgnbd_parameters_match_lifetimes_to_a_thousandth(source: str, sample, master) -> None:
    summary = sample if source == "sample" else master
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T, model=MBG)
    assert fit.converged and fit.model == MBG
    expected = REFERENCE[source]["models"]["mbgnbd"]["params"]
    for name in fit.PARAM_NAMES:
        assert getattr(fit, name) == pytest.approx(expected[name], rel=1e-3), name


def test_per_customer_predictions_match_lifetimes(sample) -> None:
    fit = fit_bgnbd(sample.frequency, sample.recency, sample.T, model=MBG)
    for customer_id, probe in REFERENCE["sample"]["probes"].items():
        i = int(np.searchsorted(sample.customer_ids, int(customer_id)))
        args = (sample.frequency[i], sample.recency[i], sample.T[i])
        assert args == (probe["frequency"], probe["recency"], probe["T"])
        assert probability_alive(fit, *args)[0] == pytest.approx(probe["probability_alive"], rel=1e-3)
        assert expected_purchases(fit, 39, *args)[0] == pytest.approx(probe["expected_purchases_39w"], rel=1e-3)


def test_one_time_buyers_can_have_left_and_the_longer_the_silence_the_likelier(sample) -> None:
    fit = fit_bgnbd(sample.frequency, sample.recency, sample.T, model=MBG)
    silence = np.array([0.0, 10.0, 39.0, 200.0, 1500.0])
    alive = probability_alive(fit, np.zeros(5), np.zeros(5), silence)
    assert np.all(alive < 1) and np.all(np.diff(alive) < 0)
    assert alive[0] == pytest.approx(fit.b / (fit.a + fit.b))  # survived no dropout chance yet
    bg = fit_bgnbd(sample.frequency, sample.recency, sample.T)
    assert np.all(probability_alive(bg, np.zeros(5), np.zeros(5), silence) == 1.0)


def test_the_gradient_is_the_derivative_of_the_likelihood(sample) -> None:
    log_params = np.log([0.4, 6.0, 0.9, 1.7])
    args = (sample.frequency, sample.recency, sample.T)
    _, gradient = _log_likelihood_terms(log_params, *args, gradient=True, k=1)
    assert gradient is not None
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-6
        up = _log_likelihood_terms(log_params + step, *args, gradient=False, k=1)[0].sum()
        down = _log_likelihood_terms(log_params - step, *args, gradient=False, k=1)[0].sum()
        assert gradient[j].sum() == pytest.approx((up - down) / 2e-6, rel=1e-5)


def test_a_new_customer_first_survives_the_first_purchase(sample) -> None:
    fit = fit_bgnbd(sample.frequency, sample.recency, sample.T, model=MBG)
    weeks = np.array([1.0, 39.0, 260.0])
    alive_then = fit.b / (fit.a + fit.b)
    at_start = expected_purchases(fit, weeks, [0], [0], [0])
    np.testing.assert_allclose(expected_purchases_new_customer(fit, weeks), at_start, rtol=1e-12)
    assert probability_alive(fit, [0], [0], [0])[0] == pytest.approx(alive_then)


def test_a_next_order_date_is_the_even_odds_point_and_only_exists_when_reachable(sample) -> None:
    fit = fit_bgnbd(sample.frequency, sample.recency, sample.T, model=MBG)
    args = (sample.frequency, sample.recency, sample.T)
    wait = median_next_order(fit, *args)
    alive = probability_alive(fit, *args)
    finite = np.isfinite(wait)
    assert np.array_equal(finite, alive > 0.5)
    at_median = probability_of_order_within(fit, *(a[finite] for a in args), 1.0)  # shape check
    assert at_median.shape == (int(finite.sum()),)
    for i in np.flatnonzero(finite)[:50]:
        p = probability_of_order_within(fit, args[0][i], args[1][i], args[2][i], float(wait[i]))[0]
        assert p == pytest.approx(0.5, abs=1e-9)


def test_on_the_cdnow_sample_dates_appear_only_when_an_order_within_the_horizon_is_likely(sample) -> None:
    result = predict_customers(
        sample.frequency, sample.recency, sample.T, sample.monetary_value, horizon=39, n_draws=20
    )
    assert result.model == MODEL_MBGNBD_GAMMA_GAMMA
    likely = result.order_probability.point >= 0.5
    dated = result.next_purchase_time.point <= 39
    assert np.array_equal(likely, dated)
    assert int(dated.sum()) == 300  # of 2,357 customers
    ordered = sample.holdout_frequency > 0
    assert ordered[dated].mean() > 0.75 and ordered[~dated].mean() < 0.25
    one_time = sample.frequency == 0
    assert np.all(result.probability_alive.point[one_time] < 1)
    assert result.order_probability.point[one_time].mean() == pytest.approx(ordered[one_time].mean(), abs=0.03)


def test_mbgnbd_forecasts_the_holdout_closer_per_customer_than_bgnbd(master) -> None:
    args = (master.frequency, master.recency, master.T)
    actual = master.holdout_frequency
    errors = {}
    for model in PurchaseModel:
        fit = fit_bgnbd(*args, model=model)
        errors[model] = float(np.abs(expected_purchases(fit, 39, *args) - actual).mean())
    assert errors[MBG] < errors[PurchaseModel.BGNBD]
    assert errors[MBG] == pytest.approx(REFERENCE["master"]["models"]["mbgnbd"]["holdout"]["mae"], rel=1e-3)
    assert errors[MBG] <= REFERENCE["master"]["models"]["pareto_nbd"]["holdout"]["mae"] * 1.01
