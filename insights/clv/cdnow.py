"""Loader for the CDNOW transaction logs used to validate the models against published results.

The files hold the 1997 Q1 acquisition cohort of the CDNOW music store, with all
their purchases up to the end of June 1998 (78 weeks): ``cdnow_master`` for all
23,570 customers, ``cdnow_sample`` for the 1/10 sample (2,357) used by Fader,
Hardie & Lee (2005) and by Fader & Hardie's Gamma-Gamma note.

Published setup (reproduces r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4):
time unit one week; calibration period 1997-01-01 to 1997-09-30 *inclusive*
(39 weeks); each customer's T is the number of days from their first purchase to
1997-09-30, divided by 7. So a customer first seen on 1997-01-01 has T = 272/7 =
38.86 weeks, not 39 (the published summary's largest T); recency is days from
first to last purchase divided by 7; frequency counts repeat purchase *days*
(same-day orders merged). The holdout is 1997-10-01 to 1998-06-30 (weeks 40-78),
which, measured the same way from 1997-09-30, is exactly 39 weeks.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from insights.clv.summary import CustomerSummary, summary_from_transactions

CDNOW_CALIBRATION_END = np.datetime64("1997-09-30", "D")
CDNOW_OBSERVATION_END = np.datetime64("1998-06-30", "D")
CDNOW_UNIT_DAYS = 7


def load_cdnow(
    path: str | Path, *, id_column: Literal["master", "sample"] = "master"
) -> tuple[NDArray[np.int64], NDArray[np.datetime64], NDArray[np.float64]]:
    """Read a CDNOW file (plain or gzipped) into (customer ids, dates, dollar values).

    Two layouts exist: the master file (optional header, then ``id YYYYMMDD n_cds
    dollars``) and the sample file (``master_id sample_id YYYYMMDD n_cds dollars``,
    no header). Ids are the master customer ids unless ``id_column="sample"`` asks
    for the sample file's own 1..2357 numbering (the order of published summaries).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        rows = [line.split() for line in handle if line.strip()]
    if rows and not rows[0][0].isdigit():
        rows = rows[1:]  # header line
    if not rows:
        raise ValueError(f"{path} holds no transactions")
    widths = {len(row) for row in rows}
    if widths == {4}:
        id_col, date_col, value_col = 0, 1, 3
    elif widths == {5}:
        id_col, date_col, value_col = 0, 2, 4
    else:
        raise ValueError(f"{path}: expected 4 or 5 columns per line, found {sorted(widths)}")
    if id_column == "sample":
        if id_col != 0 or widths != {5}:
            raise ValueError(f"{path} has no sample id column (only the sample file does)")
        id_col = 1
    elif id_column != "master":
        raise ValueError(f"id_column must be 'master' or 'sample', got {id_column!r}")
    ids = np.array([int(row[id_col]) for row in rows], dtype=np.int64)
    dates = np.array(
        [f"{d[:4]}-{d[4:6]}-{d[6:8]}" for d in (row[date_col] for row in rows)],
        dtype="datetime64[D]",
    )
    values = np.array([float(row[value_col]) for row in rows], dtype=np.float64)
    return ids, dates, values


def cdnow_summary(path: str | Path, *, id_column: Literal["master", "sample"] = "master") -> CustomerSummary:
    """Calibration summary and weeks 40-78 holdout counts in the published setup (module docstring)."""
    ids, dates, values = load_cdnow(path, id_column=id_column)
    return summary_from_transactions(
        ids,
        dates,
        values,
        calibration_end=CDNOW_CALIBRATION_END,
        observation_end=CDNOW_OBSERVATION_END,
        unit_days=CDNOW_UNIT_DAYS,
    )
