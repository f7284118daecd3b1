"""Measurement at the insights refresh: run every grouped statement once and keep the small results.

The insights refresh job (``app.jobs.insights``) calls ``refresh_measurement`` after insights, so
retention, cohorts and CLV groups are as fresh as the insights they sit beside, and a dashboard
load reads a few rows instead of grouping every order (the live statements grow with the orders:
about a second on the 70,000-order sandbox master set for retention across stores). The program's
impact is kept too, once per dashboard period preset (``measure.impact_kept``), and so is the
value-tier history, all in one transaction: a reader sees the whole previous set or the whole new one. Before a merchant's first refresh keeps anything, the reports run the same statements live.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from tortoise import connections
from tortoise.transactions import in_transaction

from insights.history import MerchantHistory
from insights.models import ClvPrediction
from measure.impact_kept import kept_impact_rows
from measure.models import ClvGroupTotal, CohortActivity, ProgramImpactReport, RetentionActivity
from measure.money import report_money
from measure.value import ClvDimension, last_refresh_as_of, value_tier_rows, write_value_tiers
from store.models import Store
from store.sql import insert_rows
from store.sql.measurement import Scope, clv_groups, cohort_cells, median_gap_days, month_activity


async def refresh_measurement(
    merchant_id: int, as_of: datetime | None = None, history: MerchantHistory | None = None
) -> dict[str, int]:
    """Recompute and keep every kept measurement of the merchant at ``as_of`` (default: the last
    insights refresh's as-of), from ``history`` when the insights refresh just read it; rows
    written per table."""
    now = as_of or await last_refresh_as_of(merchant_id)
    conn = connections.get("default")
    money = await report_money(merchant_id, now)
    store_ids = cast(
        "list[int]", await Store.filter(merchant_id=merchant_id).order_by("id").values_list("id", flat=True)
    )
    stores: list[int | None] = [None, *store_ids]
    retention: list[dict[str, Any]] = []
    cohorts: list[dict[str, Any]] = []
    for store_id in stores:
        scope = Scope(merchant_id, store_id, money.rates)
        gaps = await median_gap_days(conn, scope)
        retention += [
            {
                "merchant_id": merchant_id,
                "store_id": store_id,
                "month": a.month,
                "active": a.active,
                "new": a.new,
                "retained": a.retained,
                "orders": a.orders,
                "became_repeat": a.became_repeat,
                "median_gap_days": gaps.get(a.month),
                "computed_at": now,
            }
            for a in await month_activity(conn, scope)
        ]
        cohorts += [
            {
                "merchant_id": merchant_id,
                "store_id": store_id,
                "cohort": c.cohort,
                "months_since": c.months_since,
                "active": c.active,
                "revenue": c.revenue,
                "currency": money.currency,
                "computed_at": now,
            }
            for c in await cohort_cells(conn, scope)
        ]
    groups = [
        {
            "merchant_id": merchant_id,
            "dimension": dimension.value,
            "key": g.key[:64],
            "label": g.label[:255],
            "currency": g.currency,
            "customers": g.customers,
            "total": g.total,
            "computed_at": now,
        }
        for dimension in ClvDimension
        for g in await clv_groups(conn, merchant_id, ClvPrediction._meta.db_table, dimension.value)
    ]
    impact = await kept_impact_rows(merchant_id, now)
    tiers = await value_tier_rows(merchant_id, now, history)
    async with in_transaction() as tx:
        for model in (RetentionActivity, CohortActivity, ClvGroupTotal, ProgramImpactReport):
            await model.filter(merchant_id=merchant_id).using_db(tx).delete()
        await insert_rows(tx, RetentionActivity, retention)
        await insert_rows(tx, CohortActivity, cohorts)
        await insert_rows(tx, ClvGroupTotal, groups)
        await ProgramImpactReport.bulk_create([ProgramImpactReport(**row) for row in impact], using_db=tx)
        await write_value_tiers(tx, merchant_id, tiers)
    return {
        "retention": len(retention),
        "cohorts": len(cohorts),
        "clv_groups": len(groups),
        "program_impact": len(impact),
        "value_tiers": len(tiers),
    }
