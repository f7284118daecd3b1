"""CLV histograms: equal-width buckets with round edges, the long tail in one open-ended last bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
TAIL_QUANTILE = Decimal("0.99")


@dataclass(frozen=True)
class Bucket:
    low: Decimal
    high: Decimal | None
    """``None`` for the last bucket: everything from ``low`` up."""
    count: int
    total: Decimal


@dataclass(frozen=True)
class Distribution:
    count: int
    total: Decimal
    mean: Decimal | None
    median: Decimal | None
    buckets: list[Bucket]


def nice_width(span: Decimal, buckets: int) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten whose ``buckets`` steps reach ``span``."""
    raw = span / buckets
    if raw <= 0:
        return Decimal(1)
    power = Decimal(10) ** raw.adjusted()
    return next(step * power for step in NICE_STEPS if step * power >= raw)


def _quantile(ordered: Sequence[Decimal], q: Decimal) -> Decimal:
    """Nearest-rank quantile of sorted values."""
    rank = int((q * len(ordered)).to_integral_value(rounding=ROUND_CEILING))
    return ordered[max(rank, 1) - 1]


def _median(ordered: Sequence[Decimal]) -> Decimal:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def distribution(values: Sequence[Decimal], buckets: int) -> Distribution:
    """``buckets - 1`` round-edged buckets up to the 99th percentile, then one for the tail."""
    ordered = sorted(values)
    total = sum(ordered, Decimal(0))
    if not ordered:
        return Distribution(0, total, None, None, [])
    closed = buckets - 1
    if closed < 1:
        raise ValueError("a distribution needs at least two buckets")
    width = nice_width(_quantile(ordered, TAIL_QUANTILE), closed)
    edges = [width * i for i in range(closed + 1)]
    counts = [0] * (closed + 1)
    sums = [Decimal(0)] * (closed + 1)
    for value in ordered:
        index = min(int(value // width), closed) if value > 0 else 0
        counts[index] += 1
        sums[index] += value
    shown = [Bucket(edges[i], edges[i + 1] if i < closed else None, counts[i], sums[i]) for i in range(closed + 1)]
    return Distribution(len(ordered), total, total / len(ordered), _median(ordered), shown)
