"""RFM scoring and the segment rules, without a database."""

from __future__ import annotations

import pytest

from insights.errors import InvalidSettings
from insights.segments import (
    DEFAULT_RULES,
    SegmentRule,
    TierThresholds,
    quintile_scores,
    segment_of,
    tier_of,
)
from insights.settings import InsightsConfig

NAMED = {"champions", "loyal", "potential", "new", "at risk", "can't lose", "hibernating", "lost"}


def test_quintile_scores_give_the_best_fifth_five_and_the_worst_fifth_one():
    scores = quintile_scores(range(1, 101))
    assert list(scores[:20]) == [1] * 20 and list(scores[80:]) == [5] * 20
    assert list(quintile_scores([30, 1, 10], higher_is_better=False)) == [2, 5, 4]


def test_equal_values_always_share_a_score_and_one_time_buyers_score_lowest():
    frequency = [1] * 60 + [2] * 20 + [3] * 10 + [8] * 10
    scores = quintile_scores(frequency)
    assert set(scores[:60]) == {1} and len(set(scores[60:80])) == 1 and set(scores[90:]) == {5}


def test_every_score_combination_lands_in_one_of_the_eight_named_segments():
    names = {segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert names == NAMED


@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [
        (5, 5, 5, "champions"),
        (5, 1, 5, "new"),
        (5, 1, 1, "new"),
        (3, 4, 4, "loyal"),
        (4, 2, 2, "potential"),
        (1, 5, 5, "can't lose"),
        (2, 3, 3, "at risk"),
        (2, 1, 1, "hibernating"),
        (1, 1, 2, "lost"),
    ],
)
def test_segments_read_like_their_names(r, f, m, segment):
    assert segment_of(r, f, m) == segment


def test_a_merchant_can_replace_the_rules():
    rules = (SegmentRule("whales", fm=(5, 5)), SegmentRule("everyone"))
    assert segment_of(1, 5, 5, rules) == "whales" and segment_of(5, 1, 1, rules) == "everyone"
    config = InsightsConfig.from_overrides({"segment_rules": [{"name": "whales", "fm": [5, 5]}, {"name": "everyone"}]})
    assert config.segment_rules == rules


def test_tiers_put_silence_before_spend():
    thresholds = TierThresholds(at_risk_after_days=90, lost_after_days=365, vip_top_share=0.1)
    assert tier_of(400, 0.01, thresholds) == "lost"
    assert tier_of(100, 0.01, thresholds) == "at_risk"
    assert tier_of(10, 0.05, thresholds) == "vip"
    assert tier_of(10, 0.5, thresholds) == "regular"


def test_unknown_or_inconsistent_settings_are_refused():
    with pytest.raises(InvalidSettings, match="unknown insight settings: vip"):
        InsightsConfig.from_overrides({"vip": 3})
    with pytest.raises(InvalidSettings, match="at_risk_after_days"):
        InsightsConfig.from_overrides({"tiers": {"at_risk_after_days": 400, "lost_after_days": 100}})
    assert DEFAULT_RULES == InsightsConfig().segment_rules
