"""Named RFM segments and the at-a-glance tiers, as data a merchant can override."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from insights.errors import InvalidSettings
from insights.models import ValueTier


@dataclass(frozen=True)
class SegmentRule:
    """A segment holds a profile when each score lies in its inclusive range.

    ``fm`` is the rounded mean of the frequency and monetary scores. Rules are tried in
    order and the first that fits wins, so specific segments go before broad ones.
    """

    name: str
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    fm: tuple[int, int] = (1, 5)

    def fits(self, r: int, f: int, fm: int) -> bool:
        return self.r[0] <= r <= self.r[1] and self.f[0] <= f <= self.f[1] and self.fm[0] <= fm <= self.fm[1]

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SegmentRule:
        return cls(name=value["name"], **{k: tuple(value[k]) for k in ("r", "f", "fm") if k in value})


DEFAULT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", r=(4, 5), fm=(4, 5)),
    SegmentRule("new", r=(4, 5), f=(1, 1)),
    SegmentRule("loyal", r=(3, 5), fm=(3, 5)),
    SegmentRule("potential", r=(3, 5), fm=(1, 2)),
    SegmentRule("can't lose", r=(1, 2), fm=(4, 5)),
    SegmentRule("at risk", r=(1, 2), fm=(3, 3)),
    SegmentRule("hibernating", r=(2, 2), fm=(1, 2)),
    SegmentRule("lost", r=(1, 1), fm=(1, 2)),
)
"""Covers every (r, fm) pair, so every profile gets a segment."""

FALLBACK_SEGMENT = "other"


@dataclass(frozen=True)
class TierThresholds:
    """The VIP / regular / at-risk / lost view: silence decides first, then spend."""

    at_risk_after_days: int = 180
    lost_after_days: int = 365
    vip_top_share: float = 0.2
    """The best-spending share of a merchant's profiles (per currency) that counts as VIP."""

    def validate(self) -> None:
        if not 0 < self.at_risk_after_days <= self.lost_after_days:
            raise InvalidSettings("tiers need 0 < at_risk_after_days <= lost_after_days")
        if not 0 <= self.vip_top_share <= 1:
            raise InvalidSettings("vip_top_share must be between 0 and 1")


def cap_recency(score: int, recency_days: int, thresholds: TierThresholds) -> int:
    """The relative recency score, capped by absolute silence: at most 2 past the at-risk
    threshold and 1 past the lost one. Quintiles alone would call a store's best customers of
    two years ago "Champions" if everyone else is as silent."""
    if recency_days > thresholds.lost_after_days:
        return 1
    if recency_days > thresholds.at_risk_after_days:
        return min(score, 2)
    return score


def segment_of(r: int, f: int, m: int, rules: tuple[SegmentRule, ...] = DEFAULT_RULES) -> str:
    fm = int((f + m) / 2 + 0.5)
    for rule in rules:
        if rule.fits(r, f, fm):
            return rule.name
    return FALLBACK_SEGMENT


TIERS: tuple[ValueTier, ...] = tuple(ValueTier)
"""The tiers in their order; ``tiers_of`` answers positions in it."""


def tiers_of(recency_days: ArrayLike, spend_rank_share: ArrayLike, thresholds: TierThresholds) -> NDArray[np.int8]:
    """The tier of each person as its position in ``TIERS``, for a whole currency's people at once
    (a refresh scores everyone, and the month-end history scores everyone at every month end)."""
    silence = np.asarray(recency_days)
    share = np.asarray(spend_rank_share, dtype=np.float64)
    return np.select(
        [
            silence > thresholds.lost_after_days,
            silence > thresholds.at_risk_after_days,
            share <= thresholds.vip_top_share,
        ],
        [TIERS.index(ValueTier.LOST), TIERS.index(ValueTier.AT_RISK), TIERS.index(ValueTier.VIP)],
        TIERS.index(ValueTier.REGULAR),
    ).astype(np.int8)


def tier_of(recency_days: int, spend_rank_share: float, thresholds: TierThresholds) -> ValueTier:
    """``spend_rank_share`` is the share of profiles that spent at least as much (0 = top)."""
    return TIERS[int(tiers_of([recency_days], [spend_rank_share], thresholds)[0])]
