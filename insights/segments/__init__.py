"""Value segments: RFM quintiles per merchant, named segments and the VIP / regular / at-risk / lost tiers."""

from insights.segments.rfm import quintile_scores
from insights.segments.rules import (
    DEFAULT_RULES,
    SegmentRule,
    TierThresholds,
    cap_recency,
    segment_of,
    tier_of,
)

__all__ = [
    "DEFAULT_RULES",
    "SegmentRule",
    "TierThresholds",
    "cap_recency",
    "quintile_scores",
    "segment_of",
    "tier_of",
]
