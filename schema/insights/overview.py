"""The merchant-wide view of insight: segment sizes, churn bands, CLV histograms, the last refresh.

Each figure is one aggregate statement over the merchant's rows, whatever their number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from tortoise.expressions import Subquery
from tortoise.functions import Count

from insights.models import ClvPrediction, ProfileSegment, RefreshKind, RefreshRun, RefreshStatus
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode
from schema.core.money import Money, minor_unit
from schema.insights.distribution import distribution
from schema.insights.model_check import ModelCheck
from schema.insights.score_ranges import RfmScoreRanges
from schema.insights.types import ChurnBand, ValueTier
from schema.insights.value_tiers import ValueTierFields
from store.models import Profile

MAX_BUCKETS = 50


strawberry.enum(RefreshStatus, name="RefreshStatus", description="How an insights refresh ended")
strawberry.enum(
    RefreshKind,
    name="RefreshKind",
    description="FULL recomputes everyone; INCREMENTAL only the people who changed since the last run",
)


@strawberry.type(description="How long one step of a refresh took")
class RefreshStep:
    name: str = strawberry.field(description="identity, profiles, segments, predictions or recommendations")
    seconds: float


@strawberry.type(description="One insights refresh of the merchant (its error stays in the server log)")
class InsightsRefreshRun:
    status: RefreshStatus
    kind: RefreshKind
    reason: str | None = strawberry.field(
        description='why this kind, e.g. "changes since the last run" or "the last full run is 7 days old"'
    )
    started_at: datetime
    finished_at: datetime | None
    seconds: float = strawberry.field(description="the steps' total")
    steps: list[RefreshStep]
    counts: JSON = strawberry.field(description="rows each step wrote, e.g. segments and predictions")
    as_of: datetime | None = strawberry.field(description="the day the run took as today")
    warning: str | None = strawberry.field(
        description="set when the as-of lies more than 90 days past the last order or before the first: "
        "the figures then describe everyone as silent (or nobody at all)"
    )
    model_check: list[ModelCheck] = strawberry.field(
        description="per currency: the last weeks held out, predicted vs actual repeat orders"
    )

    @classmethod
    def of(cls, row: RefreshRun) -> InsightsRefreshRun:
        steps = [RefreshStep(name=str(name), seconds=float(sec)) for name, sec in (row.step_seconds or {}).items()]
        return cls(
            status=RefreshStatus(row.status),
            kind=RefreshKind(row.kind),
            reason=(row.counts or {}).get("why"),
            started_at=row.started_at,
            finished_at=row.finished_at,
            seconds=round(sum(s.seconds for s in steps), 4),
            steps=steps,
            counts=row.counts or {},
            as_of=row.as_of,
            warning=row.warning,
            model_check=[ModelCheck.of(c) for c in row.model_check or []],
        )


async def last_refresh(merchant_id: int) -> InsightsRefreshRun | None:
    row = await RefreshRun.filter(merchant_id=merchant_id).order_by("-started_at", "-id").first()
    return InsightsRefreshRun.of(row) if row is not None else None


@strawberry.type(description="How many people a named segment holds")
class SegmentSize:
    name: str
    profiles: int
    share: float = strawberry.field(description="of the people with a segment")


@strawberry.type(description="How many people a value tier holds")
class TierSize:
    tier: ValueTier
    profiles: int
    share: float


@strawberry.type(
    description="How many people fall in a churn band (a person predicted in two currencies counts in each band they are in)"
)
class ChurnBandSize:
    band: ChurnBand
    profiles: int
    share: float = strawberry.field(description="of the people with a prediction")


@strawberry.type(description="People whose CLV lies in [low, high)")
class ClvBucket:
    low: Money
    high: Money | None = strawberry.field(description="null for the last bucket, which holds the long tail")
    profiles: int
    total: Money


@strawberry.type(description="The CLV of every person predicted in one currency, as a histogram")
class ClvDistribution:
    currency_code: str
    profiles: int
    total: Money
    mean: Money | None
    median: Money | None
    buckets: list[ClvBucket]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@strawberry.type(description="Segments, churn and lifetime value across all of the merchant's people")
class InsightsOverview(ValueTierFields):
    merchant_id: strawberry.Private[int]

    @strawberry.field(description="When the current figures were computed for (the refresh's as-of)")
    async def as_of(self) -> datetime | None:
        row = await ProfileSegment.filter(merchant_id=self.merchant_id).order_by("-as_of").first()
        return row.as_of if row is not None else None

    @strawberry.field(description="Named RFM segments, largest first")
    async def segments(self) -> list[SegmentSize]:
        rows = (
            await ProfileSegment.filter(merchant_id=self.merchant_id)
            .annotate(n=Count("id"))
            .group_by("segment")
            .values_list("segment", "n")
        )
        whole = sum(n for _, n in rows)
        return [
            SegmentSize(name=name, profiles=n, share=_share(n, whole))
            for name, n in sorted(rows, key=lambda r: (-r[1], r[0]))
        ]

    @strawberry.field(description="VIP, regular, at-risk and lost, every tier listed")
    async def tiers(self) -> list[TierSize]:
        rows = dict(
            await ProfileSegment.filter(merchant_id=self.merchant_id)
            .annotate(n=Count("id"))
            .group_by("tier")
            .values_list("tier", "n")
        )
        whole = sum(rows.values())
        return [
            TierSize(tier=tier, profiles=rows.get(tier.value, 0), share=_share(rows.get(tier.value, 0), whole))
            for tier in ValueTier
        ]

    @strawberry.field(description="People per churn band, every band listed")
    async def churn_bands(self) -> list[ChurnBandSize]:
        rows = dict(
            await ClvPrediction.filter(merchant_id=self.merchant_id)
            .annotate(n=Count("profile_id", distinct=True))
            .group_by("churn_risk")
            .values_list("churn_risk", "n")
        )
        predicted = ClvPrediction.filter(merchant_id=self.merchant_id).values("profile_id")
        people = await Profile.filter(id__in=Subquery(predicted)).count()
        return [
            ChurnBandSize(band=band, profiles=rows.get(band.value, 0), share=_share(rows.get(band.value, 0), people))
            for band in ChurnBand
        ]

    @strawberry.field(description="A CLV histogram per currency")
    async def clv_distribution(
        self,
        buckets: Annotated[
            int, strawberry.argument(description=f"2 to {MAX_BUCKETS}; the last bucket holds the top 1%")
        ] = 10,
    ) -> list[ClvDistribution]:
        if not 2 <= buckets <= MAX_BUCKETS:
            raise ApiError(f"buckets must be between 2 and {MAX_BUCKETS}", ErrorCode.BAD_USER_INPUT)
        rows = await ClvPrediction.filter(merchant_id=self.merchant_id).values_list("currency", "clv")
        out = []
        for currency in sorted({c for c, _ in rows}):
            shown = distribution([v for c, v in rows if c == currency], buckets)
            out.append(
                ClvDistribution(
                    currency_code=currency,
                    profiles=shown.count,
                    total=Money.of(shown.total, currency),
                    mean=Money.of(shown.mean.quantize(_cent(currency)), currency) if shown.mean is not None else None,
                    median=Money.of(shown.median, currency) if shown.median is not None else None,
                    buckets=[
                        ClvBucket(
                            low=Money.of(b.low, currency),
                            high=Money.of(b.high, currency) if b.high is not None else None,
                            profiles=b.count,
                            total=Money.of(b.total, currency),
                        )
                        for b in shown.buckets
                    ],
                )
            )
        return out

    @strawberry.field(description="The newest refresh: its status and each step's time")
    async def last_refresh(self) -> InsightsRefreshRun | None:
        return await last_refresh(self.merchant_id)

    @strawberry.field(description="The model check of the newest complete refresh, per currency (empty before one)")
    async def model_check(self) -> list[ModelCheck]:
        row = (
            await RefreshRun.filter(merchant_id=self.merchant_id, status=RefreshStatus.COMPLETE)
            .order_by("-started_at", "-id")
            .first()
        )
        return [ModelCheck.of(c) for c in row.model_check or []] if row is not None else []

    @strawberry.field(
        description="What each RFM score stands for, per currency: the days, orders and spend of the people holding it"
    )
    async def score_ranges(
        self,
        info: AdminInfo,
        currency_code: Annotated[
            str | None, strawberry.argument(description="one currency (ISO 4217); default every currency with segments")
        ] = None,
    ) -> list[RfmScoreRanges]:
        stored = sorted(
            set(await ProfileSegment.filter(merchant_id=self.merchant_id).distinct().values_list("currency", flat=True))
        )
        if currency_code is not None:
            code = currency_code.strip().upper()
            if len(code) != 3 or not code.isalpha():
                raise ApiError(
                    f"currencyCode must be a three-letter ISO 4217 code, got {currency_code!r}",
                    ErrorCode.BAD_USER_INPUT,
                )
            stored = [code] if code in stored else []
        return list(await info.context.loaders.score_ranges_by_currency.load_many(stored))


def _cent(currency: str) -> Decimal:
    return Decimal(10) ** -minor_unit(currency)
