"""The model check and the one-line "why" of predictions and segments, on the sandbox merchant
refreshed as of the day after its history ends (one refresh per module)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest

from insights.clv import (
    expected_purchases,
    fit_bgnbd,
    probability_of_order_within,
    summary_from_transactions,
)
from insights.clv.bgnbd import PurchaseModel
from insights.history import MerchantHistory, load_history
from insights.model_check import HOLDOUT_WEEKS
from insights.models import ClvPrediction, ProfileSegment, RefreshRun
from insights.purchases import merchant_purchases
from insights.segments.assign import REORDER_WINDOW_DAYS, segment_rows
from insights.settings import InsightsConfig
from insights.why import percent
from tests.insights.conftest import AS_OF

pytestmark = pytest.mark.db


def _transactions(history: MerchantHistory, as_of: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [
        (pid, p.day, float(p.value))
        for pid, bought in merchant_purchases(history, as_of).items()
        for p in bought.get("USD", [])
    ]
    return (
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows], dtype="datetime64[D]"),
        np.array([r[2] for r in rows]),
    )


def _history(orders: int, days: int) -> str:
    ago = {0: "today", 1: "1 day ago"}.get(days, f"{days:,} days ago")
    return f"{orders} order{'' if orders == 1 else 's'}, last {ago}"


async def test_the_stored_model_check_equals_a_recomputation_from_the_sandbox_orders(refreshed):
    run = await RefreshRun.get(id=refreshed.result.run_id)
    [check] = run.model_check
    assert check["currency"] == "USD" and check["status"] == "sufficient" and check["holdout_weeks"] == HOLDOUT_WEEKS

    history = await load_history(refreshed.sandbox.merchant_id)
    ids, days, values = _transactions(history, AS_OF)
    calibration_end = AS_OF.date() - timedelta(weeks=HOLDOUT_WEEKS)
    summary = summary_from_transactions(
        ids, days, values, calibration_end=calibration_end, observation_end=AS_OF.date()
    )
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T, model=PurchaseModel.MBGNBD)
    expected = expected_purchases(fit, HOLDOUT_WEEKS, summary.frequency, summary.recency, summary.T)
    assert check["calibration_end"] == calibration_end.isoformat() == "1998-04-01"
    assert check["customers"] == len(summary) and check["repeat_buyers"] == int((summary.frequency > 0).sum())
    assert check["predicted_total"] == pytest.approx(expected.sum(), abs=0.01)
    assert check["actual_total"] == summary.holdout_frequency.sum()
    assert [g["repeat_orders"] for g in check["groups"]] == list(range(8))
    for group in check["groups"]:
        k = group["repeat_orders"]
        mine = summary.frequency >= 7 if k == 7 else summary.frequency == k
        assert group["customers"] == mine.sum()
        assert group["predicted"] == pytest.approx(expected[mine].mean(), abs=1e-4)
        assert group["actual"] == pytest.approx(summary.holdout_frequency[mine].mean(), abs=1e-4)
    print(
        f"\nmodel check: predicted {check['predicted_total']} vs actual {check['actual_total']} repeat orders "
        f"in {HOLDOUT_WEEKS} weeks; groups {[(g['predicted'], g['actual']) for g in check['groups']]}"
    )


async def test_a_refresh_as_of_the_day_after_the_last_order_carries_no_warning(refreshed):
    run = await RefreshRun.get(id=refreshed.result.run_id)
    assert run.warning is None and refreshed.result.warning is None
    assert run.as_of == AS_OF


async def test_a_handful_of_prediction_whys_state_the_history_and_the_models_own_chance(refreshed):
    history = await load_history(refreshed.sandbox.merchant_id)
    ids, days, values = _transactions(history, AS_OF)
    summary = summary_from_transactions(ids, days, values, calibration_end=AS_OF.date())
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T, model=PurchaseModel.MBGNBD)
    horizon_days = InsightsConfig().clv_horizon_days
    chance = probability_of_order_within(fit, summary.frequency, summary.recency, summary.T, horizon_days / 7)
    index = {int(pid): i for i, pid in enumerate(summary.customer_ids)}
    rows = await ClvPrediction.filter(merchant_id=refreshed.sandbox.merchant_id, currency="USD").order_by("profile_id")
    picked = [rows[0], rows[len(rows) // 3], rows[len(rows) // 2], rows[-1]]
    picked += [r for r in rows if r.order_probability >= 0.5][:2]
    for row in picked:
        i = index[row.profile_id]
        orders = int(summary.frequency[i]) + 1
        silent = round(float(summary.T[i] - summary.recency[i]) * 7)
        assert row.why.startswith(f"{_history(orders, silent)}; the model gives this history a "), row.why
        assert row.why.endswith(f" {percent(float(chance[i]))} chance of another order within {horizon_days} days"), (
            row.why
        )
        assert float(chance[i]) == pytest.approx(row.order_probability, abs=1e-6)


async def test_a_handful_of_segment_whys_state_the_share_of_that_segment_90_days_earlier_who_ordered_again(refreshed):
    merchant = refreshed.sandbox.merchant_id
    history = await load_history(merchant)
    then = AS_OF - timedelta(days=REORDER_WINDOW_DAYS)
    earlier = {r["profile_id"]: r["segment"] for r in segment_rows(history, InsightsConfig(), then, explain=False)}
    purchases_then = {pid: len(b["USD"]) for pid, b in merchant_purchases(history, then).items()}
    purchases_now = {pid: len(b["USD"]) for pid, b in merchant_purchases(history, AS_OF).items()}
    members = Counter(earlier.values())
    again = Counter(s for pid, s in earlier.items() if purchases_now[pid] > purchases_then[pid])
    rows = await ProfileSegment.filter(merchant_id=merchant).order_by("profile_id")
    seen: set[str] = set()
    for row in rows:
        if row.segment in seen:
            continue
        seen.add(row.segment)
        assert row.why.startswith(f"{_history(row.frequency, row.recency_days)}, {row.monetary:.2f} USD; "), row.why
        share = percent(again[row.segment] / members[row.segment])
        assert row.why.endswith(
            f"of the {members[row.segment]:,} people in {row.segment} 90 days earlier, "
            f"{share} ordered again within 90 days"
        ), row.why
    assert len(seen) >= 5
    champions = [r.why for r in rows if r.segment == "champions"][:1]
    print(f"\na champion's why: {champions}")
