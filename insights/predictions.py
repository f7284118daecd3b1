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

A full run leaves a reference (``predictions_reference``: the fits per currency, or the
heuristic's pooled figures); an incremental run predicts only the people whose orders changed
with those fits and the same parameter draws, so each of them gets the row a full run with
those fits would give them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from tortoise.backends.base.client import BaseDBAsyncClient

from insights.clv import (
    ClvFits,
    ClvModel,
    ClvStatus,
    CustomerPredictions,
    CustomerSummary,
    assess_data,
    fit_customers,
    heuristic_predictions,
    model_predictions,
    summary_from_transactions,
)
from insights.clv.heuristic import heuristic_pool
from insights.clv.intervals import DEFAULT_LEVEL
from insights.clv.reference import fits_from_json, fits_to_json
from insights.history import MerchantHistory
from insights.model_check import currency_transactions
from insights.models import ChurnBand, ClvPrediction
from insights.settings import InsightsConfig
from insights.why import prediction_why
from store.sql import delete_in, insert_rows

WEEK_DAYS = 7
CLV_STEP_WEEKS = 4.0
"""Discounting step: four-weekly keeps a year's CLV with intervals at a few seconds per 10k people."""
DRAWS = 200
DRAWS_SEED = 0
"""Every batch draws the same parameters from this seed, so a person's interval does not depend on their batch."""
BATCH_PEOPLE = 5_000
"""People predicted at a time: their parameter draws take ~47 MiB (200 draws x 6 quantities x 8 bytes each)."""
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


@dataclass(frozen=True, eq=False)
class CurrencyPeople:
    """One currency's people as the models see them, and what predicts them."""

    currency: str
    summary: CustomerSummary
    fits: ClvFits
    """Both fits, or none and the heuristic's status and pool."""


def currency_people(
    history: MerchantHistory, as_of: datetime, reference: dict[str, Any] | None = None
) -> list[CurrencyPeople]:
    """Every currency's people with their fits: fitted on them (``reference`` None) or read from
    ``reference`` (``predictions_reference`` of an earlier run), so they are predicted exactly as
    among that run's population.

    A currency the reference lacks (nobody paid in it at the full run) goes to the heuristic,
    pooled over the people at hand: an incremental run never fits, the next full run will.
    """
    fitted = None if reference is None else reference.get("currencies", {})
    out = []
    transactions = currency_transactions(history, as_of)
    for currency in list(transactions):
        ids, days, values = transactions.pop(currency)
        summary = summary_from_transactions(ids, days, values, calibration_end=as_of.date(), unit_days=WEEK_DAYS)
        del ids, days, values
        x, t_x, m = summary.frequency, summary.recency, summary.monetary_value
        if fitted is None:
            fits = fit_customers(x, t_x, summary.T, m)
        elif currency in fitted:
            fits = fits_from_json(fitted[currency])
        else:
            status = assess_data(x).status
            fits = ClvFits(ClvStatus.HEURISTIC_REQUESTED if status == ClvStatus.SUFFICIENT else status)
        if not fits.fitted and fits.pool is None:
            fits = replace(fits, pool=heuristic_pool(x, t_x, m))
        out.append(CurrencyPeople(currency, summary, fits))
    return out


def predictions_reference(people: list[CurrencyPeople]) -> dict[str, Any]:
    """What an incremental run needs to predict anyone as this (full) run did: per currency, the
    fits or the heuristic's pool, as JSON; the draws and their seed, which the intervals depend on."""
    return {
        "currencies": {p.currency: fits_to_json(p.fits) for p in people},
        "draws": DRAWS,
        "draws_seed": DRAWS_SEED,
    }


def prediction_batches(
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    n_draws: int = DRAWS,
    batch_size: int = BATCH_PEOPLE,
    reference: dict[str, Any] | None = None,
    people: list[CurrencyPeople] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The rows of every person with purchases, ``batch_size`` people at a time.

    The fits (population parameters) come from all of a currency's people at once, or from
    ``reference`` (``currency_people``; ``people`` when the caller has them already); the
    predictions and their intervals, whose parameter draws are the step's largest arrays
    (9.4 KiB a person at 200 draws), are computed one batch at a time with those fits and
    the same draws, so the memory does not grow with the number of people. People are
    batched in order of (repeat orders, weeks observed), which the costly part of a
    prediction depends on alone (``insights.clv.model_predictions``).
    """
    horizon = config.clv_horizon_days / WEEK_DAYS
    options = {
        "horizon": horizon,
        "discount_rate": (1 + config.clv_annual_discount_rate) ** (1 / 52) - 1,
        "step": CLV_STEP_WEEKS,
    }
    for one in currency_people(history, as_of, reference) if people is None else people:
        currency, summary, fits = one.currency, one.summary, one.fits
        x, t_x, big_t, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
        if fits.bgnbd is None or fits.gamma_gamma is None:
            # The heuristic pools the store's gaps and spends (``fits.pool``) and draws nothing.
            result = heuristic_predictions(x, t_x, big_t, m, status=fits.status, pool=fits.pool, **options)
            everyone = np.arange(len(summary))
            for start in range(0, len(summary), batch_size):
                part = everyone[start : start + batch_size]
                yield _rows(history, config, as_of, currency, summary, part, result, part)
            continue
        order = np.lexsort((big_t, x))
        for start in range(0, len(summary), batch_size):
            part = order[start : start + batch_size]
            result = model_predictions(
                fits.bgnbd,
                fits.gamma_gamma,
                x[part],
                t_x[part],
                big_t[part],
                m[part],
                n_draws=n_draws,
                seed=DRAWS_SEED,
                status=fits.status,
                **options,
            )
            yield _rows(history, config, as_of, currency, summary, part, result, np.arange(len(part)))


def _rows(
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    currency: str,
    summary: CustomerSummary,
    part: np.ndarray,
    result: CustomerPredictions,
    at: np.ndarray,
) -> list[dict[str, Any]]:
    """One row per person at ``part`` of ``summary``, whose predictions are at ``at`` of ``result``."""
    horizon = config.clv_horizon_days / WEEK_DAYS
    alive, purchases = result.probability_alive, result.expected_purchases
    value, clv, wait = result.expected_value, result.lifetime_value, result.next_purchase_time
    level = getattr(alive, "level", DEFAULT_LEVEL)
    frequency = summary.frequency[part]
    silent_days = np.rint((summary.T[part] - summary.recency[part]) * WEEK_DAYS).astype(int).tolist()
    rows = []
    for i, (j, profile_id) in enumerate(zip(at.tolist(), summary.customer_ids[part].tolist(), strict=True)):
        p_alive = float(alive.point[j])
        weeks = float(wait.point[j])
        p_order = float(result.order_probability.point[j])
        why = prediction_why(
            int(frequency[i]) + 1,
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
                "probability_alive_low": float(alive.lower[j]),
                "probability_alive_high": float(alive.upper[j]),
                "expected_orders": float(purchases.point[j]),
                "expected_orders_low": float(purchases.lower[j]),
                "expected_orders_high": float(purchases.upper[j]),
                "expected_order_value": _money(float(value.point[j])),
                "clv": _money(float(clv.point[j])),
                "clv_low": _money(float(clv.lower[j])),
                "clv_high": _money(float(clv.upper[j])),
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


def prediction_rows(
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    n_draws: int = DRAWS,
    reference: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every row of ``prediction_batches`` in one list (for small merchants and checks)."""
    batches = prediction_batches(history, config, as_of, n_draws=n_draws, reference=reference)
    return [row for batch in batches for row in batch]


async def refresh_predictions(
    conn: BaseDBAsyncClient,
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    reference: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the predictions, each batch of people as it is computed; returns the counts and the
    reference (``predictions_reference``).

    ``reference`` None: fit and replace the whole merchant's rows, and return this run's
    reference. Else (an incremental run, ``history.profiles``): predict ``history``'s people with
    the reference's fits, replace exactly the rows of ``history.profiles`` (one without purchases
    any more loses them) and return ``reference`` itself.
    """
    people = currency_people(history, as_of, reference)
    if reference is None:
        reference = predictions_reference(people)
    if history.profiles is None:
        await ClvPrediction.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    else:
        await delete_in(conn, ClvPrediction, "profile_id", history.profiles)
    chosen = history.profiles
    written = 0
    models: set[tuple[str, str, str]] = set()
    for rows in prediction_batches(history, config, as_of, people=people):
        if chosen is not None:
            rows = [r for r in rows if r["profile_id"] in chosen]
        await insert_rows(conn, ClvPrediction, rows)
        written += len(rows)
        models |= {(r["currency"], r["model"], r["status"]) for r in rows}
    counts = {
        "predictions": written,
        "models": [{"currency": c, "model": m, "status": s} for c, m, s in sorted(models)],
    }
    return counts, reference
