"""Admin type of a referral: who referred whom, where it stands, and who decided a reviewed one."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from loyalty.models import Referral, ReferralStatus
from loyalty.referral_report import ReferralReport as Report
from schema.core.batching import present
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.money import Money
from schema.core.node import Node
from schema.core.pagination import Ordering
from schema.loyalty.admin.members import LoyaltyMemberNode
from store.sql.referral_report import ReferrerRow

if TYPE_CHECKING:
    from schema.people.types import ProfileNode

TOP_REFERRERS = 50
"""The most referrers the report lists."""
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


@strawberry.type(description="Referrals of one reason for refusal")
class RefusalCount:
    reason: str
    count: int


@strawberry.type(description="A member's referrals recorded in the period")
class ReferrerFigures:
    row: strawberry.Private[ReferrerRow]
    signups: int = strawberry.field(description="friends who claimed the member's code (refused ones left out)")
    orders: int = strawberry.field(description="of them, friends whose first order qualified")
    completed: int = strawberry.field(description="of them, referrals that paid the member")

    @strawberry.field(description="the member whose code was used")
    async def member(self, info: AdminInfo) -> LoyaltyMemberNode | None:
        row = await info.context.loaders.loyalty.member_by_profile.load(self.row.referrer_id)
        return LoyaltyMemberNode.of(row) if row is not None else None


@strawberry.type(
    description="How referrals did over a period. Each figure counts what happened in the period: visits "
    "then, referrals recorded then (as they stand now), first orders placed then, points posted then"
)
class ReferralReport:
    report: strawberry.Private[Report]

    @strawberry.field(description="first visits through a referral link (one per visitor and referrer)")
    def clicks(self) -> int:
        return self.report.clicks

    @strawberry.field(description="friends who claimed a code (sign-ups), whatever became of them")
    def signups(self) -> int:
        return self.report.signups

    @strawberry.field(description="friends' qualifying first orders placed in the period")
    def orders(self) -> int:
        return self.report.orders

    @strawberry.field(description="those orders' totals net of refunds, one amount per currency")
    def revenue(self) -> list[Money]:
        return [Money.of(amount, currency) for currency, amount in sorted(self.report.revenue.items())]

    @strawberry.field(description="friends' welcome codes made on a store (used ones included)")
    def friend_codes_issued(self) -> int:
        return self.report.friend_codes_issued

    @strawberry.field(description="friends' welcome codes seen on an order")
    def friend_codes_used(self) -> int:
        return self.report.friend_codes_used

    @strawberry.field(description="referral points posted in the period, to friends and referrers")
    def points_paid(self) -> int:
        return self.report.points_paid

    @strawberry.field(description="referrals that paid the referrer (the friend's order passed its return window)")
    def completed(self) -> int:
        return self.report.completed

    @strawberry.field(description="referrals waiting for the friend's first order or its return window")
    def waiting(self) -> int:
        return self.report.pending + self.report.qualified

    @strawberry.field(description="referrals waiting in the review queue")
    def in_review(self) -> int:
        return self.report.in_review

    @strawberry.field(description="referrals refused (fraud checks, the owner's rejection, a refunded order)")
    def refused(self) -> int:
        return self.report.refused

    @strawberry.field(description="refused referrals per reason, most frequent first")
    def refused_by_reason(self) -> list[RefusalCount]:
        return [RefusalCount(reason=r, count=n) for r, n in self.report.refused_by_reason]

    @strawberry.field(description="members with the most completed, then recorded, referrals in the period")
    def top_referrers(self, first: int = 10) -> list[ReferrerFigures]:
        """At most ``TOP_REFERRERS``."""
        return [
            ReferrerFigures(row=r, signups=r.signups, orders=r.orders, completed=r.completed)
            for r in self.report.top_referrers[: max(0, first)]
        ]
