"""The VIP / regular / at-risk / lost view: revenue per tier, its trend over refreshes, and the
thresholds a merchant may change (previewed against the stored segment rows, then applied at once)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any

import strawberry

from insights.models import RefreshRun, RefreshStatus
from insights.segments import thresholds as engine
from insights.segments.rules import TierThresholds
from insights.segments.thresholds import ThresholdName
from insights.settings import load_config
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode, UserError
from schema.core.money import Money
from schema.insights.types import ValueTier

MAX_TREND = 50
_GRAPHQL_NAMES = {
    "at_risk_after_days": "atRiskAfterDays",
    "lost_after_days": "lostAfterDays",
    "vip_top_share": "vipTopShare",
}


@strawberry.enum(description="Why a threshold change was refused")
class TierThresholdsErrorCode(Enum):
    INVALID = "INVALID"


@strawberry.type(description="A refused threshold, at its input field")
class TierThresholdsUserError(UserError):
    code: TierThresholdsErrorCode


strawberry.enum(ThresholdName, name="TierThresholdName", description="One of the value tier thresholds")


@strawberry.type(
    name="TierThresholds", description="What sorts people into value tiers: silence decides first, then spend"
)
class TierThresholdsType:
    at_risk_after_days: int = strawberry.field(description="days without a purchase after which a person is at risk")
    lost_after_days: int = strawberry.field(description="days without a purchase after which a person is lost")
    vip_top_share: float = strawberry.field(
        description="the best-spending share of all people (per currency, lost and "
        "at-risk ones included); those of them not at risk or lost are "
        "VIP; 0.2 is the top 20 %"
    )

    @classmethod
    def of(cls, t: TierThresholds) -> TierThresholdsType:
        return cls(
            at_risk_after_days=t.at_risk_after_days, lost_after_days=t.lost_after_days, vip_top_share=t.vip_top_share
        )


@strawberry.input(description="New value tier thresholds; a field left out keeps its current value")
class TierThresholdsInput:
    at_risk_after_days: int | None = strawberry.field(default=None, description=f"1 to {engine.MAX_DAYS:,} days")
    lost_after_days: int | None = strawberry.field(default=None, description="at least atRiskAfterDays")
    vip_top_share: float | None = strawberry.field(default=None, description="above 0 and at most 1")


@strawberry.type(description="People and spend of one value tier in one currency")
class TierRevenue:
    tier: ValueTier
    profiles: int
    revenue: Money = strawberry.field(description="their purchases net of refunds, in this currency")
    share: float = strawberry.field(description="of this currency's revenue; small shares are not rounded to 0")


@strawberry.type(description="The value tiers as one refresh left them")
class TierTrendPoint:
    at: datetime = strawberry.field(description="when the refresh (or the threshold change) finished")
    threshold_change: bool = strawberry.field(description="made by saving new thresholds, not by a full refresh")
    tiers: list[TierRevenue] = strawberry.field(description="every tier of every currency")


@strawberry.type(description="How many people of one tier would move to another")
class TierMove:
    from_tier: ValueTier = strawberry.field(name="from")
    to_tier: ValueTier = strawberry.field(name="to")
    profiles: int


@strawberry.type(description="One tier's size now and with the proposed thresholds")
class TierChange:
    tier: ValueTier
    before: int
    after: int


@strawberry.type(description="One changed threshold and how many people it moves on its own")
class ThresholdChange:
    name: ThresholdName
    current: float
    proposed: float
    moves: int | None = strawberry.field(
        description="people whose tier this change alone moves; null when it is "
        "valid only together with the other changes"
    )


@strawberry.type(description="What saving the proposed thresholds would do to the people scored at the last refresh")
class TierThresholdsPreview:
    current: TierThresholdsType | None
    proposed: TierThresholdsType | None = strawberry.field(description="null when a value is refused (see userErrors)")
    moved: int = strawberry.field(description="people whose tier changes")
    tiers: list[TierChange]
    moves: list[TierMove] = strawberry.field(description="from one tier to another, largest first")
    changes: list[ThresholdChange]
    user_errors: list[TierThresholdsUserError]


@strawberry.type
class TierThresholdsUpdatePayload:
    thresholds: TierThresholdsType | None
    moved: int | None = strawberry.field(description="people whose tier changed")
    user_errors: list[TierThresholdsUserError]


def proposed_thresholds(
    current: TierThresholds, given: TierThresholdsInput
) -> tuple[TierThresholds, list[TierThresholdsUserError]]:
    """``current`` with the given fields replaced, and one error per refused field at its input path."""
    values = {name: getattr(given, name) for name in engine.THRESHOLD_FIELDS if getattr(given, name) is not None}
    proposed = replace(current, **values)
    errors = [
        TierThresholdsUserError(
            field=["input", _GRAPHQL_NAMES[e.field]], message=e.message, code=TierThresholdsErrorCode.INVALID
        )
        for e in engine.check(proposed)
    ]
    return proposed, errors


def share(part: Decimal, whole: Decimal) -> float:
    """A share of ``whole`` kept to significant digits, so 100 of 454,711 reads 0.00022, not 0."""
    if not whole:
        return 0.0
    return float(f"{float(part / whole):.4g}")


def tier_revenue(totals: dict[str, Any]) -> list[TierRevenue]:
    """``RefreshRun.counts["value_tiers"]`` (or the stored rows' totals) as GraphQL objects."""
    out = []
    for currency, tiers in sorted(totals.items()):
        try:
            amounts = {t: Decimal(str(tiers.get(t, {}).get("revenue", "0"))) for t in engine.TIERS}
        except InvalidOperation:
            continue
        whole = sum(amounts.values(), Decimal(0))
        for tier in ValueTier:
            out.append(
                TierRevenue(
                    tier=tier,
                    profiles=int(tiers.get(tier.value, {}).get("profiles", 0)),
                    revenue=Money.of(amounts[tier], currency),
                    share=share(amounts[tier], whole),
                )
            )
    return out


@strawberry.type
class ValueTierFields:
    """The value tier fields of ``InsightsOverview`` (mixed in there)."""

    merchant_id: strawberry.Private[int]

    @strawberry.field(description="The thresholds in force")
    async def tier_thresholds(self) -> TierThresholdsType:
        return TierThresholdsType.of((await load_config(self.merchant_id)).tiers)

    @strawberry.field(description="People and revenue per value tier and currency, at the last refresh")
    async def tier_revenue(self) -> list[TierRevenue]:
        return tier_revenue(await engine.stored_tier_totals(self.merchant_id))

    @strawberry.field(description="Value tiers after each of the latest refreshes and threshold changes, oldest first")
    async def tier_trend(
        self,
        last: Annotated[int, strawberry.argument(description=f"1 to {MAX_TREND}")] = 10,
    ) -> list[TierTrendPoint]:
        if not 1 <= last <= MAX_TREND:
            raise ApiError(f"last must be between 1 and {MAX_TREND}", ErrorCode.BAD_USER_INPUT, argument="last")
        runs = await (
            RefreshRun.filter(merchant_id=self.merchant_id, status=RefreshStatus.COMPLETE)
            .order_by("-finished_at", "-id")
            .limit(last * 4)
        )
        points = [
            TierTrendPoint(
                at=run.finished_at or run.started_at,
                threshold_change="tier_thresholds" in (run.counts or {}),
                tiers=tier_revenue(run.counts["value_tiers"]),
            )
            for run in runs
            if isinstance((run.counts or {}).get("value_tiers"), dict)
        ]
        return points[:last][::-1]

    @strawberry.field(
        description="How many people proposed thresholds would move, from the stored segment rows "
        "(no refresh needed); refused values come back as userErrors"
    )
    async def tier_thresholds_preview(self, input: TierThresholdsInput) -> TierThresholdsPreview:
        current = (await load_config(self.merchant_id)).tiers
        proposed, errors = proposed_thresholds(current, input)
        if errors:
            return TierThresholdsPreview(
                current=TierThresholdsType.of(current),
                proposed=None,
                moved=0,
                tiers=[],
                moves=[],
                changes=[],
                user_errors=errors,
            )
        seen = await engine.preview(self.merchant_id, proposed)
        changes = [
            ThresholdChange(
                name=ThresholdName(name),
                current=float(getattr(current, name)),
                proposed=float(getattr(proposed, name)),
                moves=moves,
            )
            for name, moves in seen.moved_by_field.items()
        ]
        return TierThresholdsPreview(
            current=TierThresholdsType.of(current),
            proposed=TierThresholdsType.of(proposed),
            moved=seen.moved,
            tiers=[TierChange(tier=t, before=seen.before[t.value], after=seen.after[t.value]) for t in ValueTier],
            moves=[
                TierMove(from_tier=ValueTier(a), to_tier=ValueTier(b), profiles=n)
                for (a, b), n in sorted(seen.moves.items(), key=lambda m: (-m[1], m[0]))
            ],
            changes=changes,
            user_errors=[],
        )


@strawberry.type
class ValueTierMutations:
    @strawberry.mutation(
        description="Change the value tier thresholds: the people scored at the last refresh are "
        "sorted again at once (as a refresh at the same as-of would), and the change "
        "is kept in the tier trend"
    )
    async def tier_thresholds_update(self, info: AdminInfo, input: TierThresholdsInput) -> TierThresholdsUpdatePayload:
        merchant_id = info.context.viewer.merchant_id
        current = (await load_config(merchant_id)).tiers
        proposed, errors = proposed_thresholds(current, input)
        if errors:
            return TierThresholdsUpdatePayload(thresholds=None, moved=None, user_errors=errors)
        config, moved = await engine.apply(merchant_id, proposed)
        info.context.loaders.forget()
        return TierThresholdsUpdatePayload(thresholds=TierThresholdsType.of(config.tiers), moved=moved, user_errors=[])
