"""The insight fields of ``Profile``: a mixin so the people domain need not know how insight is kept."""

from __future__ import annotations

from typing import Any

import strawberry

from insights.models import ClvPrediction
from schema.core.context import AdminInfo
from schema.insights.types import (
    ChurnBand,
    ClvPredictionInfo,
    IdentityDecisionInfo,
    IdentityLink,
    ProfileFactGroup,
    ProfileFactKind,
    ProfileIdentity,
    ProfilePreferences,
    ProfileSegmentInfo,
    ProfileTransactions,
    currency_revenue,
    fact_groups,
)


@strawberry.type
class ProfileInsights:
    """Resolvers only; ``self.row`` is the ``Profile`` of the node that mixes this in."""

    row: strawberry.Private[Any]

    @strawberry.field(description="Basic facts with provenance: the current value of each kind and the others kept")
    async def facts(self, info: AdminInfo, kinds: list[ProfileFactKind] | None = None) -> list[ProfileFactGroup]:
        return fact_groups(await info.context.loaders.facts_by_profile.load(self.row.id), kinds)

    @strawberry.field(
        description="Top categories and vendors, price sensitivity, stores bought at; null without orders"
    )
    async def preferences(self, info: AdminInfo) -> ProfilePreferences | None:
        stats = await info.context.loaders.stats_by_profile.load(self.row.id)
        return ProfilePreferences.of(stats) if stats is not None else None

    @strawberry.field(description="Orders, refunds and revenue per currency and store; null without orders")
    async def transactions(self, info: AdminInfo) -> ProfileTransactions | None:
        stats = await info.context.loaders.stats_by_profile.load(self.row.id)
        if stats is None:
            return None
        revenue = await info.context.loaders.revenue_by_profile.load(self.row.id)
        return ProfileTransactions(
            orders=stats.orders,
            refunded_orders=stats.refunded_orders,
            refund_rate=stats.refund_rate,
            first_order_at=stats.first_order_at,
            last_order_at=stats.last_order_at,
            revenue=currency_revenue(revenue),
        )

    @strawberry.field(description="RFM scores, named segment and value tier; null until a refresh saw an order")
    async def segment(self, info: AdminInfo) -> ProfileSegmentInfo | None:
        row = await info.context.loaders.segment_by_profile.load(self.row.id)
        return ProfileSegmentInfo.of(row) if row is not None else None

    @strawberry.field(description="Churn and CLV in the person's main currency (see predictions for every currency)")
    async def prediction(self, info: AdminInfo) -> ClvPredictionInfo | None:
        row = await _main_prediction(info, self.row.id)
        return ClvPredictionInfo.of(row) if row is not None else None

    @strawberry.field(description="Churn and CLV per currency the person paid in")
    async def predictions(self, info: AdminInfo) -> list[ClvPredictionInfo]:
        return [ClvPredictionInfo.of(r) for r in await info.context.loaders.predictions_by_profile.load(self.row.id)]

    @strawberry.field(description="The churn band of the main-currency prediction")
    async def churn_band(self, info: AdminInfo) -> ChurnBand | None:
        row = await _main_prediction(info, self.row.id)
        return ChurnBand(row.churn_risk) if row is not None else None

    @strawberry.field(description="Why this profile's customers are one person, and the rulings that keep others apart")
    async def identity(self, info: AdminInfo) -> ProfileIdentity:
        loaders = info.context.loaders
        evidence = await loaders.evidence_by_profile.load(self.row.id)
        members = await loaders.customers_by_profile.load(self.row.id)
        seen: dict[int, Any] = {}
        for group in await loaders.decisions_by_customer.load_many([c.id for c in members]):
            for decision in group:
                seen.setdefault(decision.id, decision)
        return ProfileIdentity(
            links=[IdentityLink.of(e) for e in evidence],
            decisions=[IdentityDecisionInfo.of(d) for _, d in sorted(seen.items())],
        )


async def _main_prediction(info: AdminInfo, profile_id: int) -> ClvPrediction | None:
    rows = await info.context.loaders.predictions_by_profile.load(profile_id)
    if not rows:
        return None
    stats = await info.context.loaders.stats_by_profile.load(profile_id)
    main = stats.main_currency if stats is not None else None
    return next((r for r in rows if r.currency == main), rows[0])
