"""Reader for the CDNOW purchase files shipped in ``sandbox/data``.

``sample``: ``master_id sample_id YYYYMMDD n_cds dollars`` (no header; 2,357 people,
6,919 purchases). ``master``: a header line, then ``id YYYYMMDD n_cds dollars``
(23,570 people, 69,659 purchases). Lines end with CRLF.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCES = {"sample": "cdnow_sample.txt.gz", "master": "cdnow_master.txt.gz"}


@dataclass(frozen=True)
class Purchase:
    row: int  # 0-based data row in the file
    person_id: int  # CDNOW (master) customer id
    day: date
    quantity: int  # number of CDs
    value: Decimal  # dollar value, two places, as recorded


def source_path(source: str) -> Path:
    try:
        return DATA_DIR / SOURCES[source]
    except KeyError:
        raise ValueError(f"unknown CDNOW source {source!r}; expected one of {sorted(SOURCES)}") from None


@cache
def read_purchases(source: str = "sample") -> tuple[Purchase, ...]:
    """All purchase rows of ``source`` ("sample" or "master"), in file order."""
    path = source_path(source)
    out: list[Purchase] = []
    with gzip.open(path, "rt", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if not parts or not parts[0].isdigit():
                continue  # header or blank line
            if len(parts) == 5:  # sample: drop the sample id
                parts = [parts[0], *parts[2:]]
            if len(parts) != 4:
                raise ValueError(f"{path.name}: unexpected line {line!r}")
            pid, ymd, n, dollars = parts
            out.append(
                Purchase(
                    row=len(out),
                    person_id=int(pid),
                    day=date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8])),
                    quantity=int(n),
                    value=Decimal(dollars),
                )
            )
    return tuple(out)
