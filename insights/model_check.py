"""The model check a merchant can see: the last weeks held out, predicted vs actual repeat orders.

As the BG/NBD paper does on CDNOW (its holdout plot), the purchase model is fitted on the history
before the last ``HOLDOUT_WEEKS`` weeks and asked how many orders each person places in those
weeks; people are grouped by their repeat orders before them (0, 1, ... 7+) and each group's mean
forecast is set beside the mean of what they did. Per currency, like the predictions. When the
history is too short or too thin to fit, the check says why instead of showing numbers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from insights.clv import assess_data, expected_purchases, fit_bgnbd, summary_from_transactions
from insights.clv.bgnbd import PurchaseModel
from insights.clv.sufficiency import ClvStatus
from insights.clv.summary import CustomerSummary
from insights.history import MerchantHistory
from insights.purchases import merchant_purchases

HOLDOUT_WEEKS = 13
"""A quarter: long enough for most repeat buyers to show up, short enough that a store with
half a year of history can be checked (the paper holds out 39 of CDNOW's 78 weeks)."""
TOP_GROUP = 7
"""The last group holds everyone with this many repeat orders or more, as in the paper's plot."""


class ModelCheckStatus(StrEnum):
    """Whether the history sufficed for a model check, or why there are no figures."""

    SUFFICIENT = ClvStatus.SUFFICIENT.value
    HISTORY_TOO_SHORT = "history_too_short"
    """Fewer weeks of history before the held-out weeks than there are held-out weeks."""
    TOO_FEW_CUSTOMERS = ClvStatus.TOO_FEW_CUSTOMERS.value
    TOO_FEW_REPEAT_BUYERS = ClvStatus.TOO_FEW_REPEAT_BUYERS.value
    FIT_NOT_CONVERGED = ClvStatus.FIT_NOT_CONVERGED.value


WEEK_DAYS = 7


def currency_transactions(
    history: MerchantHistory, as_of: datetime
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(profile ids, purchase days, values) per currency, purchases as ``insights.purchases`` defines them."""
    by_currency: dict[str, list[tuple[int, date, float]]] = defaultdict(list)
    for profile_id, bought in merchant_purchases(history, as_of).items():
        for currency, purchases in bought.items():
            by_currency[currency].extend((profile_id, p.day, float(p.value)) for p in purchases)
    return {
        currency: (
            np.array([t[0] for t in txns], dtype=np.int64),
            np.array([t[1] for t in txns], dtype="datetime64[D]"),
            np.array([t[2] for t in txns]),
        )
        for currency, txns in sorted(by_currency.items())
    }


def holdout_groups(summary: CustomerSummary, expected: np.ndarray) -> list[dict[str, Any]]:
    """Per group of repeat orders before the held-out weeks: people, mean predicted and actual orders in them."""
    assert summary.holdout_frequency is not None
    group = np.minimum(summary.frequency, TOP_GROUP).astype(int)
    out = []
    for k in range(TOP_GROUP + 1):
        mine = group == k
        n = int(mine.sum())
        out.append(
            {
                "repeat_orders": k,
                "customers": n,
                "predicted": round(float(expected[mine].mean()), 4) if n else 0.0,
                "actual": round(float(summary.holdout_frequency[mine].mean()), 4) if n else 0.0,
            }
        )
    return out


def check_currency(
    ids: np.ndarray,
    days: np.ndarray,
    values: np.ndarray,
    currency: str,
    as_of: datetime,
    holdout_weeks: int = HOLDOUT_WEEKS,
) -> dict[str, Any]:
    """The check for one currency's purchases; ``status`` is ``sufficient`` or why there are no figures."""
    end = as_of.date()
    calibration_end = end - timedelta(weeks=holdout_weeks)
    out: dict[str, Any] = {
        "currency": currency,
        "holdout_weeks": holdout_weeks,
        "model": str(PurchaseModel.MBGNBD),
        "calibration_end": calibration_end.isoformat(),
        "as_of": end.isoformat(),
        "customers": 0,
        "repeat_buyers": 0,
        "groups": [],
        "predicted_total": None,
        "actual_total": None,
    }
    first: date | None = days.min().item() if days.size else None
    if first is None or (calibration_end - first).days < holdout_weeks * WEEK_DAYS:
        return out | {"status": ModelCheckStatus.HISTORY_TOO_SHORT}
    summary = summary_from_transactions(
        ids, days, values, calibration_end=calibration_end, observation_end=end, unit_days=WEEK_DAYS
    )
    sufficiency = assess_data(summary.frequency)
    out |= {"customers": sufficiency.n_customers, "repeat_buyers": sufficiency.n_repeat_buyers}
    if not sufficiency.enough:
        return out | {"status": sufficiency.status}
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T, model=PurchaseModel.MBGNBD)
    if not fit.converged:
        return out | {"status": ModelCheckStatus.FIT_NOT_CONVERGED}
    assert summary.holdout_frequency is not None and summary.holdout_length is not None
    expected = expected_purchases(fit, summary.holdout_length, summary.frequency, summary.recency, summary.T)
    return out | {
        "status": sufficiency.status,
        "groups": holdout_groups(summary, expected),
        "predicted_total": round(float(expected.sum()), 2),
        "actual_total": float(summary.holdout_frequency.sum()),
    }


def model_checks(history: MerchantHistory, as_of: datetime, holdout_weeks: int = HOLDOUT_WEEKS) -> list[dict[str, Any]]:
    """One check per currency the merchant is paid in, as stored on the refresh run."""
    return [
        check_currency(ids, days, values, currency, as_of, holdout_weeks)
        for currency, (ids, days, values) in currency_transactions(history, as_of).items()
    ]
