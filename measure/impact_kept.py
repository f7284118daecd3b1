"""The program-impact report per period preset, kept at the insights refresh so a dashboard load reads a row.

``measure.impact.program_impact`` reads every order several times (41 s at 1,000,000 orders), so
the insights refresh (``measure.refresh``) runs it once per preset the dashboard offers and keeps
the ``ProgramImpact`` tree as JSON (``ProgramImpactReport``). A read by preset takes that row, with
two rules: the ROI is arithmetic over kept figures, so it is recomputed with the margin rate set
now (a changed margin applies at once); a report kept with another comparison window than the one
set now answers a different question, so it is not served: the report is computed live instead,
and says so. Before a refresh has kept one, the same computation runs live. Days asked explicitly
(``since``/``until``) always run live.
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Union, get_args, get_origin, get_type_hints

from tortoise.models import Model

from measure.impact import ProgramImpact, program_impact, program_roi
from measure.models import ProgramImpactReport
from measure.settings import MeasureConfig, load_measure_config
from store.sql.program_impact import MemberCosts


class ImpactPeriod(StrEnum):
    """The dashboard's period presets (``PERIODS`` in its ``measure.js``), by the value its URLs use."""

    LAST_12_MONTHS = "12"
    LAST_24_MONTHS = "24"
    ALL_TIME = "all"

    @property
    def months(self) -> int | None:
        return int(self.value) if self.value.isdigit() else None


def period_since(period: ImpactPeriod, at: datetime) -> date | None:
    """The preset's first day as the dashboard counts it: the first of the month ``months - 1``
    months before ``at``'s month (UTC); none for all time."""
    if period.months is None:
        return None
    day = at.astimezone(UTC).date()
    index = day.year * 12 + day.month - 1 - (period.months - 1)
    return date(index // 12, index % 12 + 1, 1)


# -- the dataclass tree as JSON, generically (fields added to measure.impact follow) ----------

GONE = object()
"""A referenced row (a campaign) deleted since the report was kept: what held it is left out."""


def dump(value: Any) -> Any:
    """A ``ProgramImpact`` (or any part of it) as JSON: Decimal as its string, a model row by its id,
    a float that JSON cannot hold (inf, nan) as its repr."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    return value


Resolve = Callable[[type[Model], Any], Any]


def load(hint: Any, raw: Any, resolve: Resolve) -> Any:
    """``raw`` (from ``dump``) back into the type ``hint`` names, model rows through ``resolve``."""
    if raw is None:
        return None
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        (inner,) = [a for a in get_args(hint) if a is not type(None)]
        return load(inner, raw, resolve)
    if origin is list:
        (item,) = get_args(hint)
        return [v for v in (load(item, r, resolve) for r in raw) if v is not GONE]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = get_type_hints(hint)
        values = {f.name: load(hints[f.name], raw[f.name], resolve) for f in dataclasses.fields(hint) if f.init}
        return GONE if any(v is GONE for v in values.values()) else hint(**values)
    if isinstance(hint, type) and issubclass(hint, Model):
        return resolve(hint, raw)
    if hint is Decimal:
        return Decimal(raw)
    if hint is float:
        return float(raw)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(raw)
    return raw


async def load_report(merchant_id: int, raw: dict[str, Any]) -> ProgramImpact:
    """The kept JSON as the ``ProgramImpact`` it was, its model rows (campaigns) read in one
    statement per model, the merchant's own only."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)

    def note(model: type[Model], pk: Any) -> None:
        wanted[model].add(pk)

    load(ProgramImpact, raw, note)
    found: dict[type[Model], dict[Any, Model]] = {
        model: {row.pk: row for row in await model.filter(merchant_id=merchant_id, pk__in=sorted(ids))}
        for model, ids in wanted.items()
    }
    report = load(ProgramImpact, raw, lambda model, pk: found[model].get(pk, GONE))
    assert isinstance(report, ProgramImpact)
    return report


# -- keeping and reading ----------------------------------------------------------------------


async def kept_impact_rows(merchant_id: int, as_of: datetime) -> list[dict[str, Any]]:
    """Each preset's report at ``as_of``, as rows of ``ProgramImpactReport`` (written by the refresh)."""
    rows = []
    for period in ImpactPeriod:
        since = period_since(period, as_of)
        report = await program_impact(merchant_id, since, None, now=as_of)
        rows.append(
            {
                "merchant_id": merchant_id,
                "period": period.value,
                "since": since,
                "window_days": report.window_days,
                "margin_rate": report.roi.margin_rate,
                "report": dump(report),
                "as_of": as_of,
                "computed_at": datetime.now(UTC),
            }
        )
    return rows


@dataclass(frozen=True)
class ImpactReport:
    """A program-impact report and where it comes from."""

    impact: ProgramImpact
    period: ImpactPeriod | None
    since: date | None
    until: date
    as_of: datetime
    """The instant the figures stand at: the refresh's as-of when kept, else when computed."""
    computed_at: datetime
    kept: bool
    freshness: str
    """Where the figures come from, in one sentence the dashboard shows."""


def with_margin(report: ProgramImpact, config: MeasureConfig) -> ProgramImpact:
    """The report with its ROI worked out again at the margin rate set now, from the kept effect
    and the kept costs (``program_roi`` only adds the costs up, so their totals are enough)."""
    roi = report.roi
    costs = [MemberCosts(0, roi.rewards_cost, 1, 0)]  # the kept points cost, as one point of that value
    again = program_roi(
        report.matched, config.margin_rate, costs=costs, point_value=roi.points_cost, currency=roi.currency
    )
    return dataclasses.replace(report, roi=again)


async def dated_impact(
    merchant_id: int, since: date | None, until: date | None, *, now: datetime | None = None
) -> ImpactReport:
    """The report over days asked explicitly: always computed now."""
    now = now or datetime.now(UTC)
    found = await program_impact(merchant_id, since, until, now=now)
    today = now.astimezone(UTC).date()
    return ImpactReport(
        found, None, since, min(until, today) if until else today, now, now, False, "Computed now for the days asked."
    )


async def period_impact(merchant_id: int, period: ImpactPeriod, *, now: datetime | None = None) -> ImpactReport:
    """The preset's report the last refresh kept (ROI at today's margin rate), or computed now when
    none is kept yet, it was kept with another comparison window or in another shape (a field added
    since); what the admin API reads."""
    config = await load_measure_config(merchant_id)
    row = await ProgramImpactReport.get_or_none(merchant_id=merchant_id, period=period.value)
    report: ProgramImpact | None = None
    if row is not None and row.window_days == config.window_days:
        try:
            report = with_margin(await load_report(merchant_id, row.report), config)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            report = None  # kept by a version whose report had other fields: computed now, until the next refresh
    if row is not None and report is not None:
        when = f"{row.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return ImpactReport(
            report,
            period,
            row.since,
            row.as_of.astimezone(UTC).date(),
            row.as_of,
            row.computed_at,
            True,
            f"As of the insights refresh of {when}; the return uses the margin rate set now.",
        )
    now = now or datetime.now(UTC)
    since = period_since(period, now)
    found = await program_impact(merchant_id, since, None, now=now)
    if row is None:
        why = "no insights refresh has kept this report yet"
    elif row.window_days != config.window_days:
        why = (
            f"the comparison window is {config.window_days} days now and the last insights refresh kept the "
            f"report with {row.window_days}; the next refresh keeps it again"
        )
    else:
        why = "the report the last insights refresh kept is of an earlier shape; the next refresh keeps it again"
    return ImpactReport(found, period, since, now.astimezone(UTC).date(), now, now, False, f"Computed now: {why}.")
