"""The figures behind each RFM score, read from the stored segment rows of a merchant.

Scores are ranks, so "R1" means nothing on its own; the range of days (orders, spend) that the
people holding a score actually have says what it stands for in this store and currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.functions import Count, Max, Min

from insights.models import ProfileSegment

DIMENSIONS = {"r": ("r_score", "recency_days"), "f": ("f_score", "frequency"), "m": ("m_score", "monetary")}
"""Score letter: the stored score column and the figure it ranks."""


@dataclass(frozen=True, slots=True)
class ScoreRange:
    letter: str
    """r (days since the last order), f (orders) or m (spend net of refunds)."""
    score: int
    low: Decimal
    high: Decimal
    profiles: int


async def score_ranges(merchant_id: int, currencies: list[str]) -> dict[str, list[ScoreRange]]:
    """Per currency, the lowest and highest figure behind every score that someone holds (R, then F, then M)."""
    out: dict[str, list[ScoreRange]] = {c: [] for c in currencies}
    for letter, (score, figure) in DIMENSIONS.items():
        rows = (
            await ProfileSegment.filter(merchant_id=merchant_id, currency__in=currencies)
            .annotate(low=Min(figure), high=Max(figure), n=Count("id"))
            .group_by("currency", score)
            .order_by("currency", score)
            .values("currency", score, "low", "high", "n")
        )
        for row in rows:
            out[row["currency"]].append(
                ScoreRange(letter, int(row[score]), Decimal(str(row["low"])), Decimal(str(row["high"])), int(row["n"]))
            )
    return out
