"""Produce reference figures for the CLV tests with the `lifetimes` package.

Not run by the test suite (lifetimes 0.11.3 does not import with numpy 2 / pandas 3).
Regenerate in a throwaway environment:

    python3.11 -m venv /tmp/lt-venv
    /tmp/lt-venv/bin/pip install numpy==1.26.4 pandas==1.5.3 scipy==1.11.4 lifetimes==0.11.3
    /tmp/lt-venv/bin/python tests/insights/reference/lifetimes_cdnow.py

It builds the calibration/holdout summary with lifetimes' own code (daily periods,
freq_multiplier=7, so times are exact weeks), fits lifetimes' BG/NBD and Gamma-Gamma
models with their own optimiser, and writes lifetimes_cdnow.json next to this file.
"""

import json
import platform
from importlib.metadata import version
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import scipy
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "sandbox" / "data" / "cdnow_sample.txt.gz"
HOLDOUT_WEEKS = 39
CLV_MONTHS = 12
CLV_MONTHLY_DISCOUNT = 0.01
# Customers (sample ids) whose individual predictions are recorded.
PROBE_IDS = [1, 2, 3, 18, 100, 1000, 1516, 2000, 2357]
NEW_CUSTOMER_WEEKS = [1.0, 10.0, 39.0, 78.0, 260.0]


def main() -> None:
    raw = pd.read_csv(
        DATA,
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "value"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    summary = calibration_and_holdout_data(
        raw,
        "sample_id",
        "date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="value",
    )
    freq, rec, age = summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]
    money = summary["monetary_value_cal"]

    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(freq, rec, age)
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(HOLDOUT_WEEKS, freq, rec, age)
    alive = pd.Series(bgf.conditional_probability_alive(freq, rec, age), index=freq.index)

    repeat = freq > 0
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(freq[repeat], money[repeat])
    average_value = ggf.conditional_expected_average_profit(freq, money)
    clv = ggf.customer_lifetime_value(
        bgf, freq, rec, age, money, time=CLV_MONTHS, discount_rate=CLV_MONTHLY_DISCOUNT, freq="W"
    )

    probes = {
        str(i): {
            "frequency": float(freq[i]),
            "recency": float(rec[i]),
            "T": float(age[i]),
            "monetary_value": float(money[i]),
            "expected_purchases_39w": float(expected[i]),
            "probability_alive": float(alive[i]),
            "expected_average_value": float(average_value[i]),
            "clv_12_months": float(clv[i]),
        }
        for i in PROBE_IDS
    }
    reference = {
        "versions": {
            "python": platform.python_version(),
            "lifetimes": lifetimes.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "autograd": version("autograd"),
        },
        "customers": int(len(summary)),
        "summary_totals": {
            "frequency": float(freq.sum()),
            "recency": float(rec.sum()),
            "T": float(age.sum()),
            "monetary_value": float(money.sum()),
            "frequency_holdout": float(summary["frequency_holdout"].sum()),
            "duration_holdout": float(summary["duration_holdout"].iloc[0]),
        },
        "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()},
        "holdout_weeks": HOLDOUT_WEEKS,
        "expected_holdout_purchases_total": float(expected.sum()),
        "actual_holdout_purchases_total": float(summary["frequency_holdout"].sum()),
        "clv": {
            "months": CLV_MONTHS,
            "weeks_per_month": 4.345,
            "monthly_discount_rate": CLV_MONTHLY_DISCOUNT,
            "total": float(clv.sum()),
        },
        "new_customer_expected_purchases": {
            str(t): float(bgf.expected_number_of_purchases_up_to_time(t)) for t in NEW_CUSTOMER_WEEKS
        },
        "probes": probes,
    }
    out = HERE / "lifetimes_cdnow.json"
    out.write_text(json.dumps(reference, indent=2) + "\n")
    headline = ("bgnbd", "gamma_gamma", "expected_holdout_purchases_total")
    print(json.dumps({k: reference[k] for k in headline}, indent=2))


if __name__ == "__main__":
    main()
