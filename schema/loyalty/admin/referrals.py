"""Admin type of a referral: who referred whom, where it stands, and who decided a reviewed one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from loyalty.models import Referral, ReferralStatus
from schema.core.batching import present
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Ordering
from schema.loyalty.admin.members import LoyaltyMemberNode

if TYPE_CHECKING:
    from schema.people.types import ProfileNode

REFERRALS = Ordering("created_at")
"""Referrals newest first."""
QUEUE = Ordering("created_at", descending=False)
"""The review queue oldest first: it is worked from its head."""


strawberry.enum(
    ReferralStatus, name="ReferralStatus", description="Where a referral stands: REVIEW waits for the owner's decision"
)


@strawberry.type(name="Referral", description="A friend brought by a member's referral code")
class ReferralNode(Node):
    row: strawberry.Private[Referral]
    status: ReferralStatus = strawberry.field(description="REVIEW waits for referralDecide")
    reason: str = strawberry.field(description="why it was rejected or sent to review; empty otherwise")
    created_at: datetime = strawberry.field(description="when the friend arrived through the code")
    decided_at: datetime | None = strawberry.field(description="when the owner decided a reviewed referral")
    decided_by: str | None = strawberry.field(description="who decided a reviewed referral (an admin credential)")

    @strawberry.field(description="the member whose code was used")
    async def referrer(self, info: AdminInfo) -> LoyaltyMemberNode | None:
        row = await info.context.loaders.loyalty.member_by_profile.load(self.row.referrer_id)
        return LoyaltyMemberNode.of(row) if row is not None else None

    @strawberry.field(description="the friend who arrived through the code")
    async def friend(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")]:
        from schema.people.types import ProfileNode

        return ProfileNode.of(present(await info.context.loaders.profile.load(self.row.friend_id)))

    @classmethod
    def of(cls, row: Referral) -> ReferralNode:
        return cls(
            id=to_gid("Referral", row.id),
            row=row,
            status=ReferralStatus(row.status),
            reason=row.reason,
            created_at=row.created_at,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
        )
