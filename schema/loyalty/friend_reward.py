"""``FriendReward``, loyalty's vocabulary for a referred friend's welcome code, exposed once for both
APIs (the storefront's offer and friend code, the admin's program rules)."""

from __future__ import annotations

import strawberry

from loyalty.rules import FriendReward

strawberry.enum(FriendReward, name="FriendReward", description="What a referred friend's welcome code gives")

__all__ = ["FriendReward"]
