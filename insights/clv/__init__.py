"""Customer lifetime value: (M)BG/NBD purchase and Gamma-Gamma spend models fitted by maximum likelihood.

Typical use::

    summary = summary_from_transactions(ids, dates, values, calibration_end="2025-06-30")
    bg = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    gg = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    clv = customer_lifetime_value(bg, gg, summary.frequency, summary.recency, summary.T,
                                  summary.monetary_value, horizon=52, discount_rate=0.0018)

or ``predict_customers(...)``, which falls back to a heuristic when the data are thin.
All times are in the unit of the summary (weeks by default).
"""

from insights.clv.bgnbd import (
    BgNbdFit,
    PurchaseModel,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    median_next_order,
    next_purchase_time,
    probability_alive,
    probability_of_order_within,
)
from insights.clv.cdnow import cdnow_summary, load_cdnow
from insights.clv.forecast import ClvFits, fit_customers, predict_customers
from insights.clv.gamma_gamma import GammaGammaFit, expected_average_value, fit_gamma_gamma
from insights.clv.heuristic import heuristic_predictions
from insights.clv.intervals import Interval, draw_fits, predict_with_interval
from insights.clv.predictions import (
    MODEL_BGNBD_GAMMA_GAMMA,
    MODEL_HEURISTIC,
    MODEL_MBGNBD_GAMMA_GAMMA,
    ClvModel,
    CustomerPredictions,
    model_predictions,
)
from insights.clv.sufficiency import (
    MIN_CUSTOMERS_TO_FIT,
    MIN_REPEAT_BUYERS_TO_FIT,
    ClvStatus,
    DataSufficiency,
    assess_data,
)
from insights.clv.summary import CustomerSummary, summary_from_transactions
from insights.clv.value import customer_lifetime_value

__all__ = [
    "MIN_CUSTOMERS_TO_FIT",
    "MIN_REPEAT_BUYERS_TO_FIT",
    "MODEL_BGNBD_GAMMA_GAMMA",
    "MODEL_HEURISTIC",
    "MODEL_MBGNBD_GAMMA_GAMMA",
    "BgNbdFit",
    "ClvFits",
    "ClvModel",
    "ClvStatus",
    "CustomerPredictions",
    "CustomerSummary",
    "DataSufficiency",
    "GammaGammaFit",
    "Interval",
    "PurchaseModel",
    "assess_data",
    "bgnbd_log_likelihood",
    "cdnow_summary",
    "customer_lifetime_value",
    "draw_fits",
    "expected_average_value",
    "expected_purchases",
    "expected_purchases_new_customer",
    "fit_bgnbd",
    "fit_customers",
    "fit_gamma_gamma",
    "heuristic_predictions",
    "load_cdnow",
    "median_next_order",
    "model_predictions",
    "next_purchase_time",
    "predict_customers",
    "predict_with_interval",
    "probability_alive",
    "probability_of_order_within",
    "summary_from_transactions",
]
