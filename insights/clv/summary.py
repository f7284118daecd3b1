"""Turn a transaction log into the per-customer summary the models are fitted on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from insights.clv.validation import FloatArray, as_float_array, same_length


@dataclass(frozen=True, eq=False)
class CustomerSummary:
    """Calibration-period summary, one entry per customer, times in units of ``unit_days`` days.

    ``frequency`` counts repeat transaction days, ``recency`` is the time from the
    first to the last transaction day, ``T`` the time from the first transaction day
    to the calibration end, and ``monetary_value`` the mean value of the *repeat*
    transaction days (0 for customers without one). ``holdout_frequency`` counts
    transaction days after the calibration end up to the observation end, over a
    window of ``holdout_length`` time units; both are None without an observation end.
    """

    customer_ids: NDArray[np.generic]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    unit_days: float
    holdout_frequency: FloatArray | None = None
    holdout_length: float | None = None

    def __len__(self) -> int:
        return int(self.frequency.shape[0])


def _as_day(value: object, name: str) -> np.datetime64:
    try:
        day = np.datetime64(cast(Any, value), "D")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a date: {value!r}") from exc
    if np.isnat(day):
        raise ValueError(f"{name} is not a date: {value!r}")
    return day


def summary_from_transactions(
    customer_ids: ArrayLike,
    dates: ArrayLike,
    values: ArrayLike,
    *,
    calibration_end: object,
    observation_end: object | None = None,
    unit_days: float = 7,
) -> CustomerSummary:
    """Summarise transactions (one row per order line or order) per customer.

    Conventions, as in Fader, Hardie & Lee (2005) and Fader & Hardie's Gamma-Gamma note:

    * dates are truncated to days and all purchases of one customer on one day form
      one transaction whose value is the sum of the day's values;
    * the calibration period ends *on* ``calibration_end`` (transactions that day are
      included) and T is measured from the first purchase day to that day, so a
      customer who first bought on ``calibration_end`` has T = 0;
    * customers whose first purchase is after ``calibration_end`` are left out (they
      have no calibration history);
    * ``monetary_value`` is the mean of the repeat transactions only: the first
      purchase is excluded, as the Gamma-Gamma model expects.

    Results are ordered by customer id (``numpy.unique`` order).
    """
    ids = np.asarray(customer_ids)
    if ids.size == 0:
        raise ValueError("customer_ids is empty: no transactions to summarise")
    try:
        days = np.asarray(dates, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dates must be dates or ISO date strings: {exc}") from exc
    amounts = as_float_array(values, "values")
    if ids.ndim != 1 or days.ndim != 1:
        raise ValueError("customer_ids and dates must be one-dimensional")
    same_length(customer_ids=ids, dates=days, values=amounts)
    if np.any(np.isnat(days)):
        raise ValueError("dates contain missing values (NaT)")
    if not unit_days > 0:
        raise ValueError("unit_days must be positive")
    cal_end = _as_day(calibration_end, "calibration_end")
    obs_end = None if observation_end is None else _as_day(observation_end, "observation_end")
    if obs_end is not None and obs_end <= cal_end:
        raise ValueError("observation_end must be after calibration_end")

    # One row per (customer, day), values summed: sort, then cut where either changes.
    customers, customer_index = np.unique(ids, return_inverse=True)
    day_number = days.astype(np.int64)
    order = np.lexsort((day_number, customer_index))
    cust_sorted, day_sorted = customer_index[order], day_number[order]
    starts = np.flatnonzero(np.r_[True, (cust_sorted[1:] != cust_sorted[:-1]) | (day_sorted[1:] != day_sorted[:-1])])
    txn_customer, txn_day = cust_sorted[starts], day_sorted[starts]
    txn_value = np.add.reduceat(amounts[order], starts)

    n = customers.shape[0]
    cal_day = int(cal_end.astype(np.int64))
    in_calibration = txn_day <= cal_day
    cal_customer = txn_customer[in_calibration]
    cal_days, cal_values = txn_day[in_calibration], txn_value[in_calibration]

    count = np.bincount(cal_customer, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, cal_customer, cal_days)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, cal_customer, cal_days)
    # Rows are sorted by day within a customer, so the first row of each is the first purchase.
    is_first = np.diff(cal_customer, prepend=-1) != 0
    first_value = np.zeros(n)
    first_value[cal_customer[is_first]] = cal_values[is_first]
    total = np.bincount(cal_customer, weights=cal_values, minlength=n)

    keep = count > 0
    frequency = (count - 1)[keep].astype(np.float64)
    repeat_total = (total - first_value)[keep]
    monetary = np.divide(repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0)
    summary = CustomerSummary(
        customer_ids=customers[keep],
        frequency=frequency,
        recency=(last - first)[keep] / unit_days,
        T=(cal_day - first)[keep] / unit_days,
        monetary_value=monetary,
        unit_days=float(unit_days),
    )
    if obs_end is None:
        return summary

    obs_day = int(obs_end.astype(np.int64))
    in_holdout = (txn_day > cal_day) & (txn_day <= obs_day)
    holdout = np.bincount(txn_customer[in_holdout], minlength=n)[keep].astype(np.float64)
    return CustomerSummary(
        customer_ids=summary.customer_ids,
        frequency=summary.frequency,
        recency=summary.recency,
        T=summary.T,
        monetary_value=summary.monetary_value,
        unit_days=summary.unit_days,
        holdout_frequency=holdout,
        holdout_length=(obs_day - cal_day) / unit_days,
    )
