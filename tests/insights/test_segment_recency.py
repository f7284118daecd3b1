"""Relative RFM scores never name a long-silent person a Champion or Loyal."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from insights.segments import TierThresholds, cap_recency
from insights.segments.assign import score_people
from insights.settings import InsightsConfig

ACTIVE = {"champions", "loyal", "new", "potential"}

people = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(1, 60), st.floats(0.01, 1e5, allow_nan=False)),
    min_size=1,
    max_size=300,
)
thresholds = st.tuples(st.integers(1, 1000), st.integers(0, 2000)).map(
    lambda t: TierThresholds(at_risk_after_days=t[0], lost_after_days=t[0] + t[1])
)


@settings(max_examples=200, deadline=None, database=None)
@given(people=people, tiers=thresholds)
def test_nobody_silent_past_the_lost_threshold_is_a_champion_or_loyal(people, tiers) -> None:
    config = InsightsConfig(tiers=tiers)
    scored = score_people([p[0] for p in people], [p[1] for p in people], [p[2] for p in people], config)
    for (silence, _, _), score in zip(people, scored, strict=True):
        if silence > tiers.lost_after_days:
            assert score.segment not in ACTIVE and score.r == 1 and score.tier == "lost"
        elif silence > tiers.at_risk_after_days:
            assert score.segment not in ACTIVE and score.r <= 2 and score.tier == "at_risk"


def test_a_whole_store_gone_quiet_has_no_champions() -> None:
    """Quintiles alone give the top fifth a 5 however long ago they bought."""
    silence = [800 + i for i in range(100)]
    scored = score_people(
        silence, [1 + i % 20 for i in range(100)], [10.0 * (i + 1) for i in range(100)], InsightsConfig()
    )
    assert {s.r for s in scored} == {1} and not {s.segment for s in scored} & ACTIVE
    assert {s.segment for s in scored} == {"can't lose", "at risk", "lost"}


def test_recency_within_the_thresholds_keeps_its_relative_score() -> None:
    tiers = TierThresholds(at_risk_after_days=180, lost_after_days=365)
    assert [cap_recency(5, d, tiers) for d in (0, 180, 181, 365, 366)] == [5, 5, 2, 2, 1]
    assert cap_recency(1, 10, tiers) == 1
