"""summary_from_transactions on small hand-made logs."""

from __future__ import annotations

import numpy as np
import pytest

from insights.clv import summary_from_transactions

LOG = [
    # customer, date, value
    ("ann", "2025-01-01", 10.0),
    ("ann", "2025-01-01", 5.0),  # same day: merged into one 15.0 transaction
    ("ann", "2025-01-15", 20.0),
    ("ann", "2025-01-29", 40.0),
    ("ann", "2025-02-12", 7.0),  # holdout
    ("bob", "2025-01-08", 99.0),  # one-time buyer
    ("cat", "2025-01-29", 12.0),  # first purchase on the calibration end: T = 0
    ("dan", "2025-02-05", 30.0),  # first purchase after the calibration end: left out
    ("ann", "2025-03-30", 1.0),  # after the observation end: ignored
]


def summarise(**options):
    ids, dates, values = zip(*LOG, strict=True)
    return summary_from_transactions(ids, dates, values, calibration_end="2025-01-29", **options)


def test_weekly_summary() -> None:
    summary = summarise(observation_end="2025-02-26")
    assert summary.customer_ids.tolist() == ["ann", "bob", "cat"]
    np.testing.assert_array_equal(summary.frequency, [2, 0, 0])
    np.testing.assert_allclose(summary.recency, [4, 0, 0])
    np.testing.assert_allclose(summary.T, [4, 3, 0])
    np.testing.assert_allclose(summary.monetary_value, [30.0, 0.0, 0.0])  # mean of 20 and 40
    assert summary.holdout_frequency is not None
    np.testing.assert_array_equal(summary.holdout_frequency, [1, 0, 0])
    assert summary.holdout_length == 4
    assert len(summary) == 3 and summary.unit_days == 7


def test_daily_units_and_no_holdout() -> None:
    summary = summarise(unit_days=1)
    np.testing.assert_allclose(summary.recency, [28, 0, 0])
    np.testing.assert_allclose(summary.T, [28, 21, 0])
    assert summary.holdout_frequency is None and summary.holdout_length is None


def test_accepts_datetimes_and_numeric_ids() -> None:
    ids = np.array([7, 7, 3])
    dates = np.array(["2025-01-01T09:00", "2025-01-01T17:30", "2025-01-02"], dtype="datetime64[m]")
    summary = summary_from_transactions(ids, dates, [1.0, 2.0, 3.0], calibration_end="2025-01-10")
    assert summary.customer_ids.tolist() == [3, 7]
    np.testing.assert_array_equal(summary.frequency, [0, 0])  # two orders on one day
    np.testing.assert_allclose(summary.T, [8 / 7, 9 / 7])


def test_order_of_rows_does_not_matter() -> None:
    rng = np.random.default_rng(0)
    ids, dates, values = (np.array(column) for column in zip(*LOG, strict=True))
    order = rng.permutation(len(LOG))
    shuffled = summary_from_transactions(
        ids[order],
        dates[order],
        values[order].astype(float),
        calibration_end="2025-01-29",
        observation_end="2025-02-26",
    )
    reference = summarise(observation_end="2025-02-26")
    for field in ("frequency", "recency", "T", "monetary_value", "holdout_frequency"):
        np.testing.assert_array_equal(getattr(shuffled, field), getattr(reference, field))


def test_everything_after_calibration_end_leaves_nobody() -> None:
    summary = summary_from_transactions(["a"], ["2025-03-01"], [1.0], calibration_end="2025-01-01")
    assert len(summary) == 0
    with pytest.raises(ValueError, match="frequency is empty"):
        from insights.clv import fit_bgnbd

        fit_bgnbd(summary.frequency, summary.recency, summary.T)
