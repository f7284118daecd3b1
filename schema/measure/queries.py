"""Measurement in the admin API: retention, cohorts, CLV by group, value-tier revenue and flows.

All of it is the caller's merchant's only: every read takes the viewer's merchant id, and a store
id must name one of that merchant's stores.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from measure import definitions as d
from measure.cohorts import cohorts as cohort_matrix
from measure.retention import retention as retention_months
from measure.value import ClvDimension, clv_breakdown, value_tier_flows, value_tier_revenue
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import expect_pk
from schema.measure.types import (
    ClvGroup,
    CohortCell,
    CohortMatrix,
    CohortRow,
    MetricDefinition,
    RetentionMonth,
    RetentionReport,
    ValueTierFlow,
    ValueTierFlows,
    ValueTierMonth,
    ValueTierShare,
)
from store.models import Store

StoreArg = Annotated[
    strawberry.ID | None, strawberry.argument(description="one store (its accounts); none: across stores (the person)")
]
Since = Annotated[
    date | None, strawberry.argument(description="the first day (its month is included); none: from the start")
]
Until = Annotated[date | None, strawberry.argument(description="the last day (its month is included); none: up to now")]


async def _store(info: AdminInfo, store_id: strawberry.ID | None) -> int | None:
    if store_id is None:
        return None
    pk = expect_pk(store_id, "Store", argument="storeId")
    if not await Store.exists(id=pk, merchant_id=info.context.viewer.merchant_id):
        raise ApiError("storeId names no store of this merchant", ErrorCode.BAD_USER_INPUT)
    return pk


def _window(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise ApiError("since must not be after until", ErrorCode.BAD_USER_INPUT)


@strawberry.type
class MeasureQueries:
    @strawberry.field(description="Retention and repeat purchase per month, per store or across stores (the person)")
    async def retention(
        self, info: AdminInfo, store_id: StoreArg = None, since: Since = None, until: Until = None
    ) -> RetentionReport:
        _window(since, until)
        months = await retention_months(info.context.viewer.merchant_id, await _store(info, store_id), since, until)
        return RetentionReport(
            months=[RetentionMonth(**_fields(m)) for m in months],
            definitions=MetricDefinition.all_of(d.RETENTION),
        )

    @strawberry.field(description="The cohort matrix: customers by month of first order × months since")
    async def cohorts(
        self, info: AdminInfo, store_id: StoreArg = None, since: Since = None, until: Until = None
    ) -> CohortMatrix:
        _window(since, until)
        matrix = await cohort_matrix(info.context.viewer.merchant_id, await _store(info, store_id), since, until)
        return CohortMatrix(
            cohorts=[
                CohortRow(
                    month=r.month,
                    customers=r.customers,
                    cells=[CohortCell(**_fields(c)) for c in r.cells],
                )
                for r in matrix.rows
            ],
            currency_code=matrix.currency,
            definitions=MetricDefinition.all_of(d.COHORTS),
        )

    @strawberry.field(description="Predicted CLV per acquisition cohort, store or platform, per currency")
    async def clv_breakdown(
        self, info: AdminInfo, by: Annotated[ClvDimension, strawberry.argument(description="how to group")]
    ) -> list[ClvGroup]:
        groups = await clv_breakdown(info.context.viewer.merchant_id, by)
        return [
            ClvGroup(
                key=g.key,
                label=g.label,
                customers=g.customers,
                average_clv=g.average_clv,
                total_clv=g.total_clv,
                currency_code=g.currency,
            )
            for g in groups
        ]

    @strawberry.field(description="Each month's revenue by value tier (tiers as of the previous month's end)")
    async def value_tier_revenue(
        self, info: AdminInfo, since: Since = None, until: Until = None
    ) -> list[ValueTierMonth]:
        _window(since, until)
        months = await value_tier_revenue(info.context.viewer.merchant_id, since, until)
        return [
            ValueTierMonth(
                month=m.month,
                currency_code=m.currency,
                tiers=[
                    ValueTierShare(value_tier=t.tier, revenue=t.revenue, share=t.share, customers=t.customers)
                    for t in m.tiers
                ],
            )
            for m in months
        ]

    @strawberry.field(
        description="How people moved between value tiers from the end of the month before to the end of this one "
        "(kept at each insights refresh; empty months and no flows until the first refresh keeps them)"
    )
    async def value_tier_flows(
        self,
        info: AdminInfo,
        month: Annotated[
            str | None, strawberry.argument(description="YYYY-MM, the later month; none: the latest computed")
        ] = None,
    ) -> ValueTierFlows:
        try:
            flows = await value_tier_flows(info.context.viewer.merchant_id, month)
        except ValueError as error:
            raise ApiError(str(error), ErrorCode.BAD_USER_INPUT) from error
        if flows is None:
            return ValueTierFlows(from_month="", to_month="", flows=[])
        return ValueTierFlows(
            from_month=flows.from_month,
            to_month=flows.to_month,
            flows=[ValueTierFlow(from_=f.source, to=f.target, customers=f.customers) for f in flows.flows],
        )


def _fields(obj: object) -> dict[str, Any]:
    """A slotted dataclass's fields as keyword arguments."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}  # type: ignore[attr-defined]
