"""Retention and repeat purchase per month, per store (the account) or across stores (the person).

Two grouped statements (``store.sql.measurement``) whatever the number of months: the month
activity (active, new, retained, orders, customers turning repeat) and the median gap between
consecutive orders. They run at the insights refresh and their rows are kept (``measure.refresh``);
a report reads those, or runs them live before the first refresh. Definitions:
``measure.definitions.RETENTION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise import connections

from measure.models import RetentionActivity
from measure.months import name_of, window
from store.sql.measurement import MonthActivity, Scope, median_gap_days, month_activity


async def _activity(merchant_id: int, store_id: int | None) -> tuple[dict[int, MonthActivity], dict[int, float]]:
    """The months kept at the last refresh (``measure.refresh``), else the same statements run now."""
    kept = await RetentionActivity.filter(merchant_id=merchant_id, store_id=store_id).order_by("month")
    if kept:
        return (
            {r.month: MonthActivity(r.month, r.active, r.new, r.retained, r.orders, r.became_repeat) for r in kept},
            {r.month: r.median_gap_days for r in kept if r.median_gap_days is not None},
        )
    conn = connections.get("default")
    scope = Scope(merchant_id, store_id)
    activity = {a.month: a for a in await month_activity(conn, scope)}
    return activity, (await median_gap_days(conn, scope) if activity else {})


@dataclass(frozen=True, slots=True)
class RetentionMonth:
    month: str
    active_customers: int
    new_customers: int
    returning_customers: int
    retention_rate: float | None
    repeat_purchase_rate: float | None
    purchase_frequency: float | None
    median_days_between_orders: float | None


async def retention(
    merchant_id: int, store_id: int | None = None, since: date | None = None, until: date | None = None
) -> list[RetentionMonth]:
    """Every month from the first counted order to the last (within ``since``..``until``), empty months included."""
    activity, gaps = await _activity(merchant_id, store_id)
    if not activity:
        return []
    first, last = min(activity), max(activity)
    customers = repeaters = 0
    out = []
    for month in range(first, last + 1):
        now, before = activity.get(month), activity.get(month - 1)
        if now is not None:
            customers += now.new
            repeaters += now.became_repeat
        active = now.active if now else 0
        if since is not None or until is not None:
            if month not in window(first, last, since, until):
                continue
        out.append(
            RetentionMonth(
                month=name_of(month),
                active_customers=active,
                new_customers=now.new if now else 0,
                returning_customers=(now.active - now.new) if now else 0,
                retention_rate=(now.retained if now else 0) / before.active if before else None,
                repeat_purchase_rate=repeaters / customers if customers else None,
                purchase_frequency=now.orders / active if now else None,
                median_days_between_orders=gaps.get(month),
            )
        )
    return out
