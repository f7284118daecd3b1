"""Reference figures for the MBG/NBD tests and the model comparison, with the `lifetimes` package.

Not run by the test suite (lifetimes 0.11.3 does not import with numpy 2 / pandas 3).
Regenerate in a throwaway environment, as for lifetimes_cdnow.py:

    python3.11 -m venv /tmp/lt-venv
    /tmp/lt-venv/bin/pip install numpy==1.26.4 pandas==1.5.3 scipy==1.11.4 lifetimes==0.11.3
    /tmp/lt-venv/bin/python tests/insights/reference/lifetimes_mbgnbd.py

For the CDNOW sample and master sets (calibration to 1997-09-30, holdout to 1998-06-30, weeks)
it fits lifetimes' ModifiedBetaGeoFitter (MBG/NBD), and, for the comparison that chose the
model Rapport predicts with, its BetaGeoFitter (BG/NBD) and ParetoNBDFitter (Pareto/NBD), and
records each model's holdout forecast error. Writes lifetimes_mbgnbd.json next to this file.
"""

import json
import platform
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import calibration_and_holdout_data

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "sandbox" / "data"
HOLDOUT_WEEKS = 39
PROBE_IDS = [1, 2, 3, 18, 100, 1000, 1516, 2000, 2357]


def summary(name: str) -> pd.DataFrame:
    columns = (
        ["master_id", "sample_id", "date", "cds", "value"]
        if name == "sample"
        else ["master_id", "date", "cds", "value"]
    )
    raw = pd.read_csv(
        DATA / f"cdnow_{name}.txt.gz",
        sep=r"\s+",
        header=None,
        names=columns,
        dtype={"date": str},
        skiprows=0 if name == "sample" else 1,
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return calibration_and_holdout_data(
        raw,
        "sample_id" if name == "sample" else "master_id",
        "date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="value",
    )


def holdout_errors(expected: pd.Series, s: pd.DataFrame) -> dict:
    actual = s["frequency_holdout"]
    one_time = s["frequency_cal"] == 0
    return {
        "expected_total": float(expected.sum()),
        "actual_total": float(actual.sum()),
        "mae": float((expected - actual).abs().mean()),
        "rmse": float(np.sqrt(((expected - actual) ** 2).mean())),
        "one_time_expected_total": float(expected[one_time].sum()),
        "one_time_actual_total": float(actual[one_time].sum()),
    }


def main() -> None:
    out = {
        "versions": {
            "python": platform.python_version(),
            "lifetimes": lifetimes.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "holdout_weeks": HOLDOUT_WEEKS,
    }
    for name in ("sample", "master"):
        s = summary(name)
        f, r, t = s["frequency_cal"], s["recency_cal"], s["T_cal"]
        entry = {"customers": int(len(s)), "models": {}}
        for label, fitter in (
            ("mbgnbd", ModifiedBetaGeoFitter()),
            ("bgnbd", BetaGeoFitter()),
            ("pareto_nbd", ParetoNBDFitter()),
        ):
            fitter.fit(f, r, t)
            arrays = (f.values, r.values, t.values)  # Pareto/NBD's hyp2f1 refuses pandas inputs
            expected = pd.Series(
                np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(HOLDOUT_WEEKS, *arrays)),
                index=f.index,
            )
            alive = pd.Series(np.asarray(fitter.conditional_probability_alive(*arrays)), index=f.index)
            entry["models"][label] = {
                "params": {k: float(v) for k, v in fitter.params_.items()},
                "log_likelihood": float(fitter._negative_log_likelihood_ * -len(s))
                if hasattr(fitter, "_negative_log_likelihood_")
                else None,
                "holdout": holdout_errors(expected, s),
                "one_time_buyers_mean_probability_alive": float(alive[f == 0].mean()),
            }
            if label == "mbgnbd" and name == "sample":
                entry["probes"] = {
                    str(i): {
                        "frequency": float(f[i]),
                        "recency": float(r[i]),
                        "T": float(t[i]),
                        "probability_alive": float(alive[i]),
                        "expected_purchases_39w": float(expected[i]),
                    }
                    for i in PROBE_IDS
                }
        out[name] = entry
    (HERE / "lifetimes_mbgnbd.json").write_text(json.dumps(out, indent=2) + "\n")
    print(
        json.dumps({n: {m: v["params"] for m, v in out[n]["models"].items()} for n in ("sample", "master")}, indent=2)
    )


if __name__ == "__main__":
    main()
