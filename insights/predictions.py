"""Churn risk and lifetime value per person, fitted per merchant and currency with ``insights.clv``.

Each currency is its own population (no conversion: rates drift and a store owner reads
money in the currency it was paid in). Transactions are purchases up to ``as_of``
(``insights.purchases``: days with positive spend net of refunds), in weeks.
``predict_customers`` fits MBG/NBD + Gamma-Gamma when the data allow it and falls back
to its labelled heuristic otherwise; every row carries the model, the data-sufficiency
status and the interval.

One survival model answers everything on a row: P(alive), the churn band drawn from it,
the chance of an order within the horizon, the next-order date and CLV. MBG/NBD lets a
one-time buyer drop out (BG/NBD, kept for the paper checks, gives them P(alive) = 1). A
next-order date is stored only when an order within the horizon is at least as likely as
not; it is then the median wait over all outcomes, so it never lies beyond the horizon.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from tortoise.backends.base.client import BaseDBAsyncClient

from insights.clv import ClvModel, predict_customers, summary_from_transactions
from insights.clv.intervals import DEFAULT_LEVEL
from insights.history import MerchantHistory
from insights.model_check import currency_transactions
from insights.models import ChurnBand, ClvPrediction
from insights.settings import InsightsConfig
from insights.why import prediction_why
from store.sql import insert_rows

WEEK_DAYS = 7
CLV_STEP_WEEKS = 4.0
"""Discounting step: four-weekly keeps a year's CLV with intervals at a few seconds per 10k people."""
DRAWS = 200
ORDER_LIKELY = 0.5
"""A next-order date is shown only when an order within the horizon is at least this likely."""


def churn_risk(probability_alive: float, config: InsightsConfig) -> ChurnBand:
    if probability_alive < config.churn_high_below:
        return ChurnBand.HIGH
    if probability_alive < config.churn_medium_below:
        return ChurnBand.MEDIUM
    return ChurnBand.LOW


def _money(value: float) -> Decimal:
    if not math.isfinite(value):
        raise ValueError(f"a money prediction is not finite: {value}")
    return Decimal(f"{max(value, 0.0):.2f}")


def prediction_rows(
    history: MerchantHistory, config: InsightsConfig, as_of: datetime, *, n_draws: int = DRAWS
) -> list[dict[str, Any]]:
    horizon = config.clv_horizon_days / WEEK_DAYS
    weekly_discount = (1 + config.clv_annual_discount_rate) ** (1 / 52) - 1
    rows = []
    for currency, (ids, days, values) in currency_transactions(history, as_of).items():
        summary = summary_from_transactions(ids, days, values, calibration_end=as_of.date(), unit_days=WEEK_DAYS)
        result = predict_customers(
            summary.frequency,
            summary.recency,
            summary.T,
            summary.monetary_value,
            horizon=horizon,
            discount_rate=weekly_discount,
            step=CLV_STEP_WEEKS,
            n_draws=n_draws,
        )
        alive, purchases = result.probability_alive, result.expected_purchases
        value, clv, wait = result.expected_value, result.lifetime_value, result.next_purchase_time
        level = getattr(alive, "level", DEFAULT_LEVEL)
        silent_days = np.rint((summary.T - summary.recency) * WEEK_DAYS).astype(int).tolist()
        for i, profile_id in enumerate(summary.customer_ids.tolist()):
            p_alive = float(alive.point[i])
            weeks = float(wait.point[i])
            p_order = float(result.order_probability.point[i])
            why = prediction_why(
                int(summary.frequency[i]) + 1,
                silent_days[i],
                p_order,
                config.clv_horizon_days,
                heuristic=result.model == ClvModel.HEURISTIC,
            )
            rows.append(
                {
                    "merchant_id": history.merchant_id,
                    "profile_id": profile_id,
                    "currency": currency,
                    "model": result.model,
                    "status": result.status,
                    "horizon_days": config.clv_horizon_days,
                    "interval_level": level,
                    "probability_alive": p_alive,
                    "probability_alive_low": float(alive.lower[i]),
                    "probability_alive_high": float(alive.upper[i]),
                    "expected_orders": float(purchases.point[i]),
                    "expected_orders_low": float(purchases.lower[i]),
                    "expected_orders_high": float(purchases.upper[i]),
                    "expected_order_value": _money(float(value.point[i])),
                    "clv": _money(float(clv.point[i])),
                    "clv_low": _money(float(clv.lower[i])),
                    "clv_high": _money(float(clv.upper[i])),
                    "order_probability": p_order,
                    "next_order_at": as_of + timedelta(weeks=weeks)
                    if p_order >= ORDER_LIKELY and weeks <= horizon
                    else None,
                    "churn_risk": churn_risk(p_alive, config),
                    "why": why,
                    "as_of": as_of,
                }
            )
    return rows


async def refresh_predictions(
    conn: BaseDBAsyncClient, history: MerchantHistory, config: InsightsConfig, as_of: datetime
) -> dict[str, Any]:
    rows = prediction_rows(history, config, as_of)
    await ClvPrediction.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await insert_rows(conn, ClvPrediction, rows)
    models = sorted({(r["currency"], r["model"], r["status"]) for r in rows})
    return {"predictions": len(rows), "models": [{"currency": c, "model": m, "status": s} for c, m, s in models]}
