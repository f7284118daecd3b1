"""The holdout is a fair, fixed coin per campaign and member."""

from __future__ import annotations

from campaigns.holdout import group_of
from campaigns.models import Group


def test_ten_percent_of_ten_thousand_members_are_held_out():
    held = sum(group_of(7, pid, 10) == Group.HOLDOUT for pid in range(1, 10_001))
    # binomial(10000, 0.1): sd 30, so +-120 is four standard deviations
    assert 880 <= held <= 1120


def test_the_same_member_lands_in_the_same_group_on_every_run_and_campaigns_differ():
    first = [group_of(3, pid, 25) for pid in range(2000)]
    assert first == [group_of(3, pid, 25) for pid in range(2000)]
    assert first != [group_of(4, pid, 25) for pid in range(2000)]


def test_no_holdout_and_a_larger_share_hold_what_they_say():
    assert all(group_of(1, pid, 0) == Group.TREATED for pid in range(1000))
    half = sum(group_of(1, pid, 50) == Group.HOLDOUT for pid in range(4000))
    assert 1800 <= half <= 2200
    # a member held out at 10 % stays held out at 20 %: the draw is fixed, only the cut moves
    assert all(group_of(9, p, 20) == Group.HOLDOUT for p in range(3000) if group_of(9, p, 10) == Group.HOLDOUT)
