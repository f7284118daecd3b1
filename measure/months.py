"""Calendar months as the measurement SQL numbers them (``year * 12 + month - 1``) and as the API names them."""

from __future__ import annotations

from datetime import date


def index_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def name_of(index: int) -> str:
    """``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse(name: str) -> int:
    """The index of a ``YYYY-MM`` name; ValueError when it is not one."""
    year, _, month = name.partition("-")
    if len(year) != 4 or len(month) != 2 or not year.isdigit() or not month.isdigit() or not 1 <= int(month) <= 12:
        raise ValueError(f"{name!r} is not a month (YYYY-MM)")
    return int(year) * 12 + int(month) - 1


def window(first: int, last: int, since: date | None, until: date | None) -> range:
    """The months from ``first`` to ``last`` with data, cut to the months holding ``since`` .. ``until``."""
    lo = max(first, index_of(since)) if since else first
    hi = min(last, index_of(until)) if until else last
    return range(lo, hi + 1)
