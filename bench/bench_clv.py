"""Fit-time benchmark for insights.clv on the full CDNOW master file (23,570 customers).

Prints one JSON object: BG/NBD and Gamma-Gamma fit times in seconds (best of
``--repeat`` runs, plus the first run, which includes any warm-up), the seconds of one
``predict_customers`` with the refresh's settings (MBG/NBD, a year in four-weekly steps,
200 parameter draws for the intervals), the number of customers and of repeat buyers used. Gamma-Gamma is fitted on repeat buyers with a
positive mean repeat spend (the master file has one whose repeat orders are all $0).

    .venv/bin/python bench/bench_clv.py [--repeat 5] [--path sandbox/data/cdnow_master.txt.gz]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from insights.clv import cdnow_summary, fit_bgnbd, fit_gamma_gamma, predict_customers

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "sandbox" / "data" / "cdnow_master.txt.gz"


def _timings(run: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def bench_clv(path: str | Path = DEFAULT_PATH, repeat: int = 5) -> dict[str, float | int]:
    """Time both fits on the CDNOW calibration summary (39 weeks from 1997-01-01)."""
    start = time.perf_counter()
    summary = cdnow_summary(path)
    summary_s = time.perf_counter() - start
    x, t_x, big_t, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    spend = (x == 0) | (m > 0)
    bg = _timings(lambda: fit_bgnbd(x, t_x, big_t), repeat)
    gg = _timings(lambda: fit_gamma_gamma(x[spend], m[spend]), repeat)
    (predict,) = _timings(
        lambda: predict_customers(
            x[spend], t_x[spend], big_t[spend], m[spend], horizon=365 / 7, discount_rate=1.1 ** (1 / 52) - 1, step=4.0
        ),
        1,
    )
    return {
        "bgnbd_fit_s": round(min(bg), 4),
        "gamma_gamma_fit_s": round(min(gg), 4),
        "bgnbd_first_fit_s": round(bg[0], 4),
        "gamma_gamma_first_fit_s": round(gg[0], 4),
        "predict_with_intervals_s": round(predict, 4),
        "summary_s": round(summary_s, 4),
        "customers": len(summary),
        "repeat_buyers": int((x > 0).sum()),
        "gamma_gamma_customers": int(((x > 0) & spend).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(DEFAULT_PATH))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench_clv(args.path, args.repeat)))


if __name__ == "__main__":
    main()
