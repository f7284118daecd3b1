"""The program's impact on the admin API: members who took part (redeemed a reward, did an action,
a referral) against customers who never did, raw and matched, pre/post,
the program's return and campaigns' holdouts, each with the method stated; and the margin rate
and window the merchant sets for it (``measure.impact`` computes, ``measure.settings`` keeps)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from measure import impact
from measure.impact_kept import ImpactReport, dated_impact, period_impact
from measure.settings import InvalidMeasureSettings, MeasureConfig, load_measure_config, save_measure_config
from schema.campaigns.types import CampaignNode
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode, UserError
from schema.measure.enums import ImpactPeriod, MeasureErrorCode


@strawberry.type(description="What one group bought, per person in it")
class GroupFigures:
    customers: int = strawberry.field(
        description="people in the group: in the raw comparison those with an order in the period; in the matched "
        "and pre/post views every member who took part followed (and, for controls, one matched twin per member)"
    )
    orders_per_customer: float | None = strawberry.field(description="counted orders divided by customers")
    revenue_per_customer: Decimal | None = strawberry.field(
        description="revenue net of refunds divided by customers, in the report's currency"
    )
    repeat_rate: float | None = strawberry.field(description="the share of customers with two orders or more")

    @classmethod
    def of(cls, found: impact.GroupFigures) -> GroupFigures:
        return cls(
            customers=found.customers,
            orders_per_customer=found.orders_per_customer,
            revenue_per_customer=found.revenue_per_customer,
            repeat_rate=found.repeat_rate,
        )


@strawberry.type(description="A figure with its 95 % interval; all empty when there is nothing to estimate")
class ImpactEstimate:
    value: float | None
    low: float | None = strawberry.field(description="the 95 % interval's lower end")
    high: float | None = strawberry.field(description="the 95 % interval's upper end")
    unit: str = strawberry.field(description="what the figure counts, e.g. USD per member over 90 days")

    @classmethod
    def of(cls, found: impact.Estimate) -> ImpactEstimate:
        return cls(value=found.value, low=found.low, high=found.high, unit=found.unit)


@strawberry.type(
    description="Members who took part against customers who never did, among those who ordered in the period, as "
    "they are: members choose to take part and heavy buyers do most, so this flatters the program"
)
class ImpactComparison:
    members: GroupFigures = strawberry.field(
        description="customers who took part in the program at any time: redeemed a reward (a code issued, used or "
        "expired), did an action it pays for by choice, or a referral"
    )
    non_members: GroupFigures = strawberry.field(
        description="customers who never took part, enrolled or not (points from orders are not taking part)"
    )


@strawberry.type(
    description="Each member who took part first in the period against non-members with the same history on that "
    "join day (RFM cell and home store), over the window after it"
)
class MatchedComparison:
    pairs: int = strawberry.field(description="members who took part with at least one matched non-member")
    members: GroupFigures = strawberry.field(description="the matched members over their window")
    controls: GroupFigures = strawberry.field(
        description="their matched non-members over the same days, each member's controls averaged"
    )
    effect: ImpactEstimate = strawberry.field(
        description="revenue per member: member minus the mean of their matched non-members, averaged over members"
    )
    orders_effect: ImpactEstimate = strawberry.field(description="orders per member, the same way")
    unmatched: int = strawberry.field(description="members whose cell held no non-member on their join day: left out")


@strawberry.type(
    description="The same members in the window before their join day (the day they first took part) and the "
    "window after it; includes trends "
    "and seasons, so it is not the program's effect on its own"
)
class PrePostComparison:
    members: int
    before: GroupFigures
    after: GroupFigures


@strawberry.type(description="What the program returns: incremental margin minus the cost of rewards and points")
class ProgramRoi:
    incremental_revenue: Decimal | None = strawberry.field(
        description="the matched effect on revenue per member times the matched members"
    )
    incremental_revenue_low: Decimal | None = strawberry.field(description="its 95 % interval's lower end")
    incremental_revenue_high: Decimal | None = strawberry.field(description="its 95 % interval's upper end")
    margin_rate: float = strawberry.field(description="the share of revenue kept after the cost of goods (a setting)")
    incremental_margin: Decimal | None = strawberry.field(description="incremental revenue times the margin rate")
    rewards_cost: Decimal = strawberry.field(
        description="the value of reward codes issued (or used) to the matched members from their join day to the "
        "end of their windows"
    )
    points_cost: Decimal = strawberry.field(
        description="the money value of points those members earned from their join day to the end of their "
        "windows and have not spent there"
    )
    net: Decimal | None = strawberry.field(description="incremental margin minus rewards and points cost")
    roi: float | None = strawberry.field(description="net divided by the costs; empty without costs")
    low: float | None = strawberry.field(description="the ROI at the effect's lower 95 % end")
    high: float | None = strawberry.field(description="the ROI at the effect's upper 95 % end")
    currency_code: str = strawberry.field(description="every amount is in this currency")

    @classmethod
    def of(cls, found: impact.Roi) -> ProgramRoi:
        return cls(
            incremental_revenue=found.incremental_revenue,
            incremental_revenue_low=found.incremental_revenue_low,
            incremental_revenue_high=found.incremental_revenue_high,
            margin_rate=found.margin_rate,
            incremental_margin=found.incremental_margin,
            rewards_cost=found.rewards_cost,
            points_cost=found.points_cost,
            net=found.net,
            roi=found.roi,
            low=found.low,
            high=found.high,
            currency_code=found.currency,
        )


@strawberry.type(description="A campaign's holdout comparison, as its results give it")
class CampaignEffect:
    campaign: CampaignNode
    uplift: ImpactEstimate = strawberry.field(
        description="the treated share who ordered minus the holdout's, with Newcombe's 95 % interval"
    )


@strawberry.type(
    description="Does the program pay: members who took part against customers who never did, honestly, and its return"
)
class ProgramImpact:
    method: str = strawberry.field(description="how every figure here is computed and what it cannot see")
    summary: str = strawberry.field(
        description="the matched comparison's finding in one sentence, or why there is none"
    )
    currency_code: str = strawberry.field(description="every amount is in this currency")
    window_days: int = strawberry.field(
        description="days after the join day (the first day a member took part) that members and controls are followed"
    )
    raw: ImpactComparison
    matched: MatchedComparison
    pre_post: PrePostComparison
    roi: ProgramRoi
    campaigns: list[CampaignEffect] = strawberry.field(description="every campaign that has entered anyone")
    period: ImpactPeriod | None = strawberry.field(description="the preset asked for; none when days were asked")
    since: date | None = strawberry.field(description="the period's first day; none: from the first day there is")
    until: date = strawberry.field(description="the period's last day")
    as_of: datetime = strawberry.field(
        description="the instant the figures stand at: the insights refresh's as-of when kept, else when computed"
    )
    computed_at: datetime = strawberry.field(description="when the report was computed")
    kept: bool = strawberry.field(
        description="true: read from the report the last insights refresh kept (the return at the margin rate set "
        "now); false: computed for this request (days asked, no report kept yet, or the window changed since)"
    )
    freshness: str = strawberry.field(description="where the figures come from, in one sentence")

    @classmethod
    def of(cls, report: ImpactReport) -> ProgramImpact:
        found = report.impact
        m = found.matched
        return cls(
            method=found.method,
            summary=found.summary,
            currency_code=found.currency,
            window_days=found.window_days,
            raw=ImpactComparison(
                members=GroupFigures.of(found.raw_members), non_members=GroupFigures.of(found.raw_non_members)
            ),
            matched=MatchedComparison(
                pairs=m.pairs,
                members=GroupFigures.of(m.members),
                controls=GroupFigures.of(m.controls),
                effect=ImpactEstimate.of(m.effect),
                orders_effect=ImpactEstimate.of(m.orders_effect),
                unmatched=m.unmatched,
            ),
            pre_post=PrePostComparison(
                members=found.pre_post.members,
                before=GroupFigures.of(found.pre_post.before),
                after=GroupFigures.of(found.pre_post.after),
            ),
            roi=ProgramRoi.of(found.roi),
            campaigns=[
                CampaignEffect(campaign=CampaignNode.of(c.campaign), uplift=ImpactEstimate.of(c.uplift))
                for c in found.campaigns
            ],
            period=report.period,
            since=report.since,
            until=report.until,
            as_of=report.as_of,
            computed_at=report.computed_at,
            kept=report.kept,
            freshness=report.freshness,
        )


@strawberry.type(description="How the program's return is measured")
class MeasureSettings:
    margin_rate: float = strawberry.field(description="share of revenue kept after the cost of goods, above 0 to 1")
    window_days: int = strawberry.field(description="days members and matched non-members are followed, 7 to 365")

    @classmethod
    def of(cls, config: MeasureConfig) -> MeasureSettings:
        return cls(margin_rate=config.margin_rate, window_days=config.window_days)


@strawberry.input(description="Changes to the measurement settings; a field left out keeps its value")
class MeasureSettingsInput:
    margin_rate: float | None = None
    window_days: int | None = None


@strawberry.type(description="Why a measurement settings change did nothing")
class MeasureUserError(UserError):
    code: MeasureErrorCode


@strawberry.type(description="The measurement settings as saved, or why they were not")
class MeasureSettingsPayload:
    settings: MeasureSettings | None
    user_errors: list[MeasureUserError]


_CAMEL = {"margin_rate": "marginRate", "window_days": "windowDays"}


@strawberry.type
class ProgramImpactQueries:
    @strawberry.field(
        description="Members who took part (redeemed a reward, did an action, a referral) against customers who "
        "never did, over the period: raw (flattering), matched on history at the join day, pre/post, the program's "
        "return with its interval, and campaigns' holdouts; `method` says how"
    )
    async def program_impact(
        self,
        info: AdminInfo,
        since: Annotated[date | None, strawberry.argument(description="the first day; none: from the start")] = None,
        until: Annotated[date | None, strawberry.argument(description="the last day; none: today")] = None,
        period: Annotated[
            ImpactPeriod | None,
            strawberry.argument(
                description="a dashboard preset instead of days: the report the last insights refresh kept (computed "
                "now before one is kept, or when the window changed since); not with since or until"
            ),
        ] = None,
    ) -> ProgramImpact:
        merchant_id = info.context.viewer.merchant_id
        if period is not None:
            if since is not None or until is not None:
                raise ApiError(
                    "period cannot be combined with since or until: ask by a preset or by days",
                    ErrorCode.BAD_USER_INPUT,
                    argument="period",
                )
            return ProgramImpact.of(await period_impact(merchant_id, period))
        if since is not None and until is not None and since > until:
            raise ApiError("since must not be after until", ErrorCode.BAD_USER_INPUT)
        return ProgramImpact.of(await dated_impact(merchant_id, since, until))

    @strawberry.field(description="The margin rate and window the program's return is measured with")
    async def measure_settings(self, info: AdminInfo) -> MeasureSettings:
        return MeasureSettings.of(await load_measure_config(info.context.viewer.merchant_id))


@strawberry.type
class MeasureSettingsMutations:
    @strawberry.mutation(description="Set the margin rate and window of the program's return")
    async def measure_settings_update(self, info: AdminInfo, input: MeasureSettingsInput) -> MeasureSettingsPayload:
        values = {name: getattr(input, name) for name in _CAMEL if getattr(input, name) is not None}
        try:
            config = await save_measure_config(info.context.viewer.merchant_id, values)
        except InvalidMeasureSettings as exc:
            message = str(exc)
            for name, camel in _CAMEL.items():
                message = message.replace(name, camel)
            path = [_CAMEL.get(part, part) for part in exc.path if part != "settings"]
            error = MeasureUserError(
                field=["input", *path] if path else None, message=message, code=MeasureErrorCode.INVALID
            )
            return MeasureSettingsPayload(settings=None, user_errors=[error])
        return MeasureSettingsPayload(settings=MeasureSettings.of(config), user_errors=[])
