"""Every GraphQL enum of measurement, registered once (``ValueTier`` is insights', imported from there)."""

from __future__ import annotations

from enum import Enum

import strawberry

from measure.impact_kept import ImpactPeriod
from measure.value import ClvDimension
from schema.insights.types import ValueTier

strawberry.enum(
    ClvDimension,
    name="ClvDimension",
    description="How CLV is grouped: COHORT (month of the person's first order on any store), STORE (the "
    "person's home store: their first account's) or PLATFORM (that store's platform)",
)

strawberry.enum(
    ImpactPeriod,
    name="ImpactPeriod",
    description="The dashboard's period presets for the program's impact, counted back from the report's as-of: "
    "LAST_12_MONTHS and LAST_24_MONTHS start on the first of the month 11 or 23 months before, ALL_TIME has no "
    "start; the insights refresh keeps the report of each",
)


@strawberry.enum(description="Why a measurement settings change was refused")
class MeasureErrorCode(Enum):
    INVALID = "INVALID"
    """A setting out of its range (the margin rate above 0 and at most 1, the window 7 to 365 days)."""


__all__ = ["ClvDimension", "ImpactPeriod", "MeasureErrorCode", "ValueTier"]
