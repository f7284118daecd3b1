"""What each RFM score stands for in a merchant's store: the days, orders and spend behind it."""

from __future__ import annotations

import strawberry

from insights.segments.ranges import ScoreRange
from schema.core.money import Money


@strawberry.type(description="The days since the last order of the people holding one recency score")
class RecencyRange:
    score: int
    fewest_days: int
    most_days: int
    profiles: int


@strawberry.type(description="The orders (purchase days) of the people holding one frequency score")
class FrequencyRange:
    score: int
    fewest_orders: int
    most_orders: int
    profiles: int


@strawberry.type(description="The spend net of refunds of the people holding one monetary score")
class MonetaryRange:
    score: int
    lowest: Money
    highest: Money
    profiles: int


@strawberry.type(description="Every score's range in one currency, from the stored segments")
class RfmScoreRanges:
    currency_code: str
    recency: list[RecencyRange]
    frequency: list[FrequencyRange]
    monetary: list[MonetaryRange]


@strawberry.type(description="The ranges behind one person's three scores, in the segment's currency")
class ProfileScoreRanges:
    recency: RecencyRange | None
    frequency: FrequencyRange | None
    monetary: MonetaryRange | None


def ranges_of(currency: str, found: list[ScoreRange]) -> RfmScoreRanges:
    return RfmScoreRanges(
        currency_code=currency,
        recency=[
            RecencyRange(score=r.score, fewest_days=int(r.low), most_days=int(r.high), profiles=r.profiles)
            for r in found
            if r.letter == "r"
        ],
        frequency=[
            FrequencyRange(score=r.score, fewest_orders=int(r.low), most_orders=int(r.high), profiles=r.profiles)
            for r in found
            if r.letter == "f"
        ],
        monetary=[
            MonetaryRange(
                score=r.score, lowest=Money.of(r.low, currency), highest=Money.of(r.high, currency), profiles=r.profiles
            )
            for r in found
            if r.letter == "m"
        ],
    )


def profile_ranges(all_ranges: RfmScoreRanges, r: int, f: int, m: int) -> ProfileScoreRanges:
    return ProfileScoreRanges(
        recency=next((x for x in all_ranges.recency if x.score == r), None),
        frequency=next((x for x in all_ranges.frequency if x.score == f), None),
        monetary=next((x for x in all_ranges.monetary if x.score == m), None),
    )
