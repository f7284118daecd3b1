"""The cohort matrix: customers by month of first counted order × months since.

One grouped statement (``store.sql.measurement.cohort_cells``), run at the insights refresh and
kept (``measure.refresh``; live before the first refresh); across stores the cohort is the
person's first order on either store and platform, for one store the account's first order there.
Months since with no active customer are filled as zeros up to the last month with data, so each
row is a complete line of the heatmap. Definitions: ``measure.definitions.COHORTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise import connections

from measure.models import CohortActivity
from measure.money import report_money
from measure.months import name_of, window
from store.sql.measurement import CohortCellRow, Scope, cohort_cells

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CohortCell:
    months_since: int
    active_customers: int
    share: float
    revenue_per_customer: Decimal


@dataclass(frozen=True, slots=True)
class CohortRow:
    month: str
    customers: int
    cells: list[CohortCell]


@dataclass(frozen=True, slots=True)
class CohortMatrix:
    currency: str
    rows: list[CohortRow]


async def _cells(merchant_id: int, store_id: int | None) -> tuple[str, list[CohortCellRow]]:
    """The cells kept at the last refresh (``measure.refresh``), else the same statement run now."""
    kept = await CohortActivity.filter(merchant_id=merchant_id, store_id=store_id).order_by("cohort", "months_since")
    if kept:
        return kept[0].currency, [CohortCellRow(r.cohort, r.months_since, r.active, r.revenue) for r in kept]
    money = await report_money(merchant_id)
    return money.currency, await cohort_cells(connections.get("default"), Scope(merchant_id, store_id, money.rates))


async def cohorts(
    merchant_id: int, store_id: int | None = None, since: date | None = None, until: date | None = None
) -> CohortMatrix:
    """Cohorts whose month lies in ``since``..``until``; their cells run to the last month with orders."""
    currency, cells = await _cells(merchant_id, store_id)
    if not cells:
        return CohortMatrix(currency, [])
    last = max(c.cohort + c.months_since for c in cells)
    by_cohort: dict[int, dict[int, tuple[int, Decimal]]] = {}
    for c in cells:
        by_cohort.setdefault(c.cohort, {})[c.months_since] = (c.active, c.revenue)
    wanted = window(min(by_cohort), max(by_cohort), since, until)
    rows = []
    for cohort, row in sorted(by_cohort.items()):
        if cohort not in wanted:
            continue
        size = row[0][0]
        rows.append(
            CohortRow(
                month=name_of(cohort),
                customers=size,
                cells=[
                    CohortCell(
                        months_since=k,
                        active_customers=row.get(k, (0, Decimal(0)))[0],
                        share=row.get(k, (0, Decimal(0)))[0] / size,
                        revenue_per_customer=(row.get(k, (0, Decimal(0)))[1] / size).quantize(_CENT),
                    )
                    for k in range(last - cohort + 1)
                ],
            )
        )
    return CohortMatrix(currency, rows)
