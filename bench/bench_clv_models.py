"""Which purchase model Rapport predicts with: BG/NBD, MBG/NBD and the heuristic on the CDNOW
holdout (calibration 1997-01-01 to 1997-09-30, holdout the next 39 weeks), beside the
Pareto/NBD figures of the `lifetimes` reference run (tests/insights/reference/lifetimes_mbgnbd.py;
lifetimes does not import with numpy 2, so its numbers are recorded, not recomputed).

Per model and data set: per-customer error of the holdout purchase count (MAE, RMSE), the
forecast total against the actual one, and for the question a merchant asks ("will this customer
order again within 39 weeks?") the Brier score of P(order within the holdout) and, for one-time
buyers, the mean predicted chance against the share who did order.

    .venv/bin/python -m bench.bench_clv_models [--quick]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from insights.clv import cdnow_summary, expected_purchases, fit_bgnbd, heuristic_predictions
from insights.clv.bgnbd import PurchaseModel, probability_alive, probability_of_order_within
from insights.clv.summary import CustomerSummary

DATA = Path(__file__).resolve().parents[1] / "sandbox" / "data"
REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "insights" / "reference" / "lifetimes_mbgnbd.json"
HOLDOUT_WEEKS = 39.0


def scores(summary: CustomerSummary, expected: np.ndarray, p_order: np.ndarray | None) -> dict:
    actual = summary.holdout_frequency
    assert actual is not None
    ordered = (actual > 0).astype(float)
    one_time = summary.frequency == 0
    out = {
        "mae": round(float(np.abs(expected - actual).mean()), 4),
        "rmse": round(float(np.sqrt(((expected - actual) ** 2).mean())), 4),
        "expected_total": round(float(expected.sum()), 1),
        "actual_total": float(actual.sum()),
        "one_time_ordered_share": round(float(ordered[one_time].mean()), 4),
    }
    if p_order is not None:
        out["brier_order_again"] = round(float(((p_order - ordered) ** 2).mean()), 4)
        out["one_time_mean_p_order"] = round(float(p_order[one_time].mean()), 4)
    return out


def compare(source: str) -> dict:
    summary = cdnow_summary(DATA / f"cdnow_{source}.txt.gz")
    x, t_x, big_t = summary.frequency, summary.recency, summary.T
    results: dict = {"customers": len(summary)}
    for model in PurchaseModel:
        fit = fit_bgnbd(x, t_x, big_t, model=model)
        results[str(model)] = {
            "params": {k: round(v, 4) for k, v in zip(fit.PARAM_NAMES, fit.params.tolist(), strict=True)},
            "log_likelihood": round(fit.log_likelihood, 2),
            "one_time_mean_p_alive": round(float(probability_alive(fit, x, t_x, big_t)[x == 0].mean()), 4),
            **scores(
                summary,
                expected_purchases(fit, HOLDOUT_WEEKS, x, t_x, big_t),
                probability_of_order_within(fit, x, t_x, big_t, HOLDOUT_WEEKS),
            ),
        }
    heuristic = heuristic_predictions(x, t_x, big_t, summary.monetary_value, horizon=HOLDOUT_WEEKS)
    results["heuristic"] = scores(summary, heuristic.expected_purchases.point, heuristic.order_probability.point)
    if REFERENCE.exists():
        pareto = json.loads(REFERENCE.read_text())[source]["models"]["pareto_nbd"]
        results["pareto_nbd (lifetimes)"] = {
            "params": pareto["params"],
            **{k: round(v, 4) for k, v in pareto["holdout"].items() if k in ("mae", "rmse", "expected_total")},
            "one_time_mean_p_alive": round(pareto["one_time_buyers_mean_probability_alive"], 4),
        }
    return results


def run(quick: bool = False) -> dict:
    return {source: compare(source) for source in (("sample",) if quick else ("sample", "master"))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the CDNOW sample only")
    print(json.dumps(run(parser.parse_args().quick), indent=2))
