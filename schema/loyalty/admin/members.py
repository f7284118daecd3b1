"""Admin types of loyalty members: balances, tier and progress, the ledger with who did what, codes.

Every relation resolves through the request's DataLoaders, and the program's rules are read
once per request, so a page of members with their tier and balance costs the statements of one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from loyalty.models import Member
from loyalty.rules import Rules
from loyalty.tiers import progress_of
from schema.core.arguments import Window
from schema.core.batching import present
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate_loaded
from schema.loyalty.perks import TierPerk, member_perks
from schema.loyalty.types import (
    CODES,
    LEDGER,
    IssuedCode,
    LedgerEntry,
    LoyaltyTier,
    PointsBalance,
    TierProgress,
)

if TYPE_CHECKING:
    from schema.loyalty.admin.birthdays import AdminBirthday
    from schema.people.types import ProfileNode
    from schema.stores.types import StoreNode

MEMBERS = Ordering("created_at")
"""Members newest first (by when they joined, id breaking ties)."""


async def rules_now(info: AdminInfo) -> Rules | None:
    """The rules in force now (the latest version before the first one takes effect); once per request."""
    return (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC))


def next_tier(rules: Rules, tier: str | None) -> Any:
    """The tier above ``tier`` (the lowest when there is none), as the engine ranks them."""
    rank = rules.tier_rank(tier)
    return rules.tiers[rank] if rank < len(rules.tiers) else None


@strawberry.type(name="LedgerEntry", description="One line of a member's points history, with who made it")
class AdminLedgerEntry(LedgerEntry):
    @strawberry.field(
        description="who made a manual adjustment (an admin credential, never a name); null for automatic entries"
    )
    def actor(self) -> str | None:
        return self.row.actor

    @strawberry.field(
        description="the store of the order or redemption behind the entry; null for actions, expiry and adjustments"
    )
    async def store(self, info: AdminInfo) -> Annotated[StoreNode, strawberry.lazy("schema.stores.types")] | None:
        from schema.stores.types import StoreNode

        if self.row.store_id is None:
            return None
        row = await info.context.loaders.store.load(self.row.store_id)
        return StoreNode.of(row) if row is not None else None


def joined_at(row: Member) -> datetime:
    """Orders synced at install earned points at their own dates, so membership began then."""
    first = row.first_order_at
    return first if first is not None and first < row.created_at else row.created_at


@strawberry.type(name="LoyaltyMember", description="A person in the loyalty program: one balance across every store")
class LoyaltyMemberNode(Node):
    row: strawberry.Private[Member]
    referral_code: str = strawberry.field(description="the code friends use; the storefront builds the link")
    tier_since: datetime | None = strawberry.field(description="when the member reached (or lost) the current tier")
    tier_grace_until: datetime | None = strawberry.field(description="a pending downgrade waits until then")
    last_activity_at: datetime | None = strawberry.field(description="the latest earning or spending")
    joined_at: datetime = strawberry.field(
        description="when the person became a member: enrolment, or their first "
        "earning order when it is older (history loaded at install)"
    )

    @strawberry.field(description="the person, with their store accounts and insights")
    async def profile(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")]:
        from schema.people.types import ProfileNode

        return ProfileNode.of(present(await info.context.loaders.loyalty.person.load(self.row.profile_id)))

    @strawberry.field(description="the member's birthday, who gave it and when its gift comes; null when unknown")
    async def birthday(
        self, info: AdminInfo
    ) -> Annotated[AdminBirthday, strawberry.lazy("schema.loyalty.admin.birthdays")] | None:
        from schema.loyalty.admin.birthdays import AdminBirthday

        row = await info.context.loaders.loyalty.birthday.load(self.row.profile_id)
        return AdminBirthday.of(row) if row is not None else None

    @strawberry.field(description="points available, pending and earned in all")
    def balance(self) -> PointsBalance:
        return PointsBalance.of(self.row)

    @strawberry.field(description="the current tier; null without one, or when today's rules no longer have it")
    async def tier(self, info: AdminInfo) -> LoyaltyTier | None:
        return LoyaltyTier.named(self.row.tier, await rules_now(info))

    @strawberry.field(description="the tier above the current one; null at the top")
    async def next_tier(self, info: AdminInfo) -> LoyaltyTier | None:
        rules = await rules_now(info)
        upper = next_tier(rules, self.row.tier) if rules is not None else None
        return LoyaltyTier.of(upper, rules) if upper is not None and rules is not None else None

    @strawberry.field(description="the member's tier metric and what is missing to the next tier")
    async def tier_progress(self, info: AdminInfo) -> TierProgress:
        rules = await rules_now(info)
        if rules is None or not rules.tiers:
            return TierProgress.empty(rules)
        have = await info.context.loaders.tier_metric_by_profile.load(self.row.profile_id) or Decimal(0)
        return TierProgress.of(progress_of(self.row.tier, rules, have), rules)

    @strawberry.field(description="points history, newest first; manual adjustments carry their actor and reason")
    async def ledger(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AdminLedgerEntry]:
        request = Window(first, after, last, before).request(LEDGER)
        rows = await info.context.loaders.ledger_by_profile.load(self.row.profile_id)
        return paginate_loaded(rows, LEDGER, request, AdminLedgerEntry.of)

    @strawberry.field(description="discount codes issued for rewards, newest first")
    async def codes(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[IssuedCode]:
        request = Window(first, after, last, before).request(CODES)
        rows = await info.context.loaders.codes_by_profile.load(self.row.profile_id)
        return paginate_loaded(rows, CODES, request, IssuedCode.of)

    @strawberry.field(
        description="the member's tier perks per store, newest first: active codes, ones being made or deleted, "
        "failed ones (retried by the next sync) and revoked ones"
    )
    async def perks(self, info: AdminInfo) -> list[TierPerk]:
        return await member_perks(info, self.row.profile_id)

    @classmethod
    def of(cls, row: Member) -> LoyaltyMemberNode:
        return cls(
            id=to_gid("LoyaltyMember", row.id),
            row=row,
            referral_code=row.referral_code,
            tier_since=row.tier_since,
            tier_grace_until=row.tier_grace_until,
            last_activity_at=row.last_activity_at,
            joined_at=joined_at(row),
        )
