"""Who is held out of a campaign: decided by a hash of the campaign and the member, so the same
member is in the same group on every run and on every machine, and the groups are a fair coin."""

from __future__ import annotations

import hashlib

from campaigns.models import Group

_SCALE = 2**64


def draw(campaign_id: int, profile_id: int) -> float:
    """A number in [0, 100), uniform over members, fixed per campaign and member."""
    digest = hashlib.sha256(f"{campaign_id}:{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * 100 / _SCALE


def group_of(campaign_id: int, profile_id: int, percent: int) -> Group:
    """``percent`` of a campaign's members (0 to 100) are held out: they enter and get nothing."""
    return Group.HOLDOUT if draw(campaign_id, profile_id) < percent else Group.TREATED
