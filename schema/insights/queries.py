"""Admin queries over insight: the merchant-wide overview (profiles carry their own insight fields)."""

from __future__ import annotations

import strawberry

from schema.core.context import AdminInfo
from schema.insights.overview import InsightsOverview


@strawberry.type
class InsightsQueries:
    @strawberry.field(description="Segments, churn bands, CLV and the last refresh, across the merchant")
    def insights(self, info: AdminInfo) -> InsightsOverview:
        return InsightsOverview(merchant_id=info.context.viewer.merchant_id)
