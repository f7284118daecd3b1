"""Admin queries over the loyalty program: members, settings, economics, referrals, event endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from loyalty.models import Endpoint, Member, Referral
from loyalty.program import load_program
from loyalty.referral_report import report as referral_report
from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate
from schema.insights.types import ChurnBand, ValueTier
from schema.loyalty.admin.economics import ProgramEconomics
from schema.loyalty.admin.endpoints import ENDPOINTS, EventEndpointNode
from schema.loyalty.admin.members import MEMBERS, LoyaltyMemberNode
from schema.loyalty.admin.referrals import (
    QUEUE,
    REFERRALS,
    TOP_REFERRERS,
    ReferralNode,
    ReferralReport,
    ReferralStatus,
)
from schema.loyalty.admin.rules import LoyaltyProgramAdmin
from schema.loyalty.admin.validation import NO_TIER
from schema.people.filters import filtered_profiles, known_segment, pick_known
from store.models import Customer


async def tier_names(merchant_id: int) -> list[str]:
    """Every tier any version of the program has had (members may still hold an older one), and "none"."""
    program = await load_program(merchant_id)
    names = [tier.name for version in reversed(program.versions) for tier in version.rules.tiers]
    return list(dict.fromkeys(names + [NO_TIER]))


async def filtered_members(
    merchant_id: int,
    *,
    store_id: strawberry.ID | None = None,
    search: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
    churn_band: ChurnBand | None = None,
    value_tier: ValueTier | None = None,
) -> QuerySet[Member]:
    """The merchant's members (merged ones left out) matching the ``members`` filters; the members
    CSV export reads the same queryset, so the file has exactly the rows the API lists."""
    queryset = Member.filter(merchant_id=merchant_id, merged_into_id=None)
    segment = await known_segment(merchant_id, segment)
    if tier is not None:
        tier = pick_known(tier, await tier_names(merchant_id), "tier", "loyalty tier")
        queryset = queryset.filter(tier=None) if tier == NO_TIER else queryset.filter(tier=tier)
    if any(f is not None for f in (store_id, search, segment, churn_band, value_tier)):
        profiles, _ = filtered_profiles(
            merchant_id, search=search, segment=segment, tier=value_tier, churn_band=churn_band
        )
        # a member is found through the accounts it holds the points of (the store filter is theirs)
        accounts = Customer.filter(
            merchant_id=merchant_id, deleted_at=None, profile_id__in=Subquery(profiles.values("id"))
        )
        if store_id is not None:
            accounts = accounts.filter(store_id=expect_pk(store_id, "Store", argument="storeId"))
        queryset = queryset.filter(profile_id__in=Subquery(accounts.values("owner_id")))
    return queryset


@strawberry.type
class ProgramQueries:
    @strawberry.field(description="Loyalty members, newest first (merged ones left out), with the people filters")
    async def members(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        store_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="members with an account on this store")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="every word matches an email, first or last name")
        ] = None,
        segment: Annotated[
            str | None,
            strawberry.argument(
                description="a named RFM segment of the merchant, e.g. champions (any case); "
                "an unknown name is a BAD_USER_INPUT error listing the valid ones"
            ),
        ] = None,
        tier: Annotated[
            str | None,
            strawberry.argument(
                description='a loyalty tier\'s name (any case); "none" for members without a tier; '
                "an unknown name is a BAD_USER_INPUT error listing the valid ones"
            ),
        ] = None,
        churn_band: Annotated[
            ChurnBand | None, strawberry.argument(description="the band of any of the person's predictions")
        ] = None,
        value_tier: Annotated[
            ValueTier | None,
            strawberry.argument(
                description="the person's value tier (VIP, regular, at risk, lost) at the last refresh"
            ),
        ] = None,
    ) -> Connection[LoyaltyMemberNode]:
        request = Window(first, after, last, before).request(MEMBERS)
        queryset = await filtered_members(
            info.context.viewer.merchant_id,
            store_id=store_id,
            search=search,
            segment=segment,
            tier=tier,
            churn_band=churn_band,
            value_tier=value_tier,
        )
        return await paginate(queryset, MEMBERS, request, LoyaltyMemberNode.of)

    @strawberry.field(description="A member of this merchant's program by id")
    async def member(self, info: AdminInfo, id: strawberry.ID) -> LoyaltyMemberNode | None:
        row = await info.context.loaders.member.load(expect_pk(id, "LoyaltyMember"))
        return LoyaltyMemberNode.of(row) if row is not None else None

    @strawberry.field(description="The program's settings: its versions, rewards and members per tier")
    def program(self) -> LoyaltyProgramAdmin:
        return LoyaltyProgramAdmin()

    @strawberry.field(
        description="Liability, redemption rate, breakage and reward cost, overall, per store and per tier"
    )
    async def economics(self, info: AdminInfo) -> ProgramEconomics:
        rules = (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC))
        return await ProgramEconomics.of(info.context.viewer.merchant_id, rules)

    @strawberry.field(description="Referrals newest first; status REVIEW gives the review queue, oldest first")
    async def referrals(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: ReferralStatus | None = None,
    ) -> Connection[ReferralNode]:
        ordering = QUEUE if status == ReferralStatus.REVIEW else REFERRALS
        request = Window(first, after, last, before).request(ordering)
        queryset = Referral.filter(merchant_id=info.context.viewer.merchant_id)
        if status is not None:
            queryset = queryset.filter(status=status.value)
        return await paginate(queryset, ordering, request, ReferralNode.of)

    @strawberry.field(
        description="Referrals over the period [from, to): clicks, sign-ups, first orders and their revenue, "
        "friends' codes, points paid, and what was refused and why; all time when both are left out"
    )
    async def referral_report(
        self,
        info: AdminInfo,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> ReferralReport:
        if from_ is not None and to is not None and from_ >= to:
            raise ApiError("from must be before to", ErrorCode.BAD_USER_INPUT, field="from")
        found = await referral_report(info.context.viewer.merchant_id, from_, to, top=TOP_REFERRERS)
        return ReferralReport(report=found)

    @strawberry.field(description="URLs that receive the program's signed events, newest first")
    async def event_endpoints(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[EventEndpointNode]:
        request = Window(first, after, last, before).request(ENDPOINTS)
        queryset = Endpoint.filter(merchant_id=info.context.viewer.merchant_id)
        return await paginate(queryset, ENDPOINTS, request, EventEndpointNode.of)
