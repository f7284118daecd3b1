"""Measurement's results, kept at each insights refresh so a dashboard load reads a few small rows.

Retention, cohorts and CLV groups are the grouped SQL of ``store.sql.measurement`` run at the
refresh (one row per month, cohort cell or group; on the sandbox master set the live statements
take up to about a second, which grows with the orders, while these reads take milliseconds).
Tiers at past month ends are computed from the orders as of each month end (history at once, not
only from the first refresh on), which needs every purchase in Python: only ever at the refresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from store.models.fields import MoneyField

if TYPE_CHECKING:
    from store.models import Merchant, Store


class RetentionActivity(Model):
    """One month's activity of one scope: a store's accounts, or every store's people (``store`` null)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="retention_activity", on_delete=fields.CASCADE
    )
    merchant_id: int
    store: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="retention_activity", null=True, on_delete=fields.CASCADE
    )
    store_id: int | None
    month = fields.IntField(description="year * 12 + month - 1 (UTC)")
    active = fields.IntField()
    new = fields.IntField()
    retained = fields.IntField(description="active in this month and the month before")
    orders = fields.IntField()
    became_repeat = fields.IntField(description="customers whose second counted order falls in the month")
    median_gap_days = fields.FloatField(null=True)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "measure_retention_months"
        indexes = (Index(fields=("merchant_id", "store_id", "month")),)


class CohortActivity(Model):
    """One cohort cell of one scope (``store`` null: every store's people)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="cohort_activity", on_delete=fields.CASCADE
    )
    merchant_id: int
    store: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="cohort_activity", null=True, on_delete=fields.CASCADE
    )
    store_id: int | None
    cohort = fields.IntField(description="month index of the first counted order")
    months_since = fields.IntField()
    active = fields.IntField()
    revenue = MoneyField()
    currency = fields.CharField(max_length=3)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "measure_cohort_cells"
        indexes = (Index(fields=("merchant_id", "store_id", "cohort")),)


class ClvGroupTotal(Model):
    """Predicted CLV of one group (cohort, store or platform) in one currency, as of the refresh."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="clv_groups", on_delete=fields.CASCADE
    )
    merchant_id: int
    dimension = fields.CharField(max_length=16, description="cohort, store or platform")
    key = fields.CharField(max_length=64)
    label = fields.CharField(max_length=255)
    currency = fields.CharField(max_length=3)
    customers = fields.IntField()
    total = MoneyField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "measure_clv_groups"
        indexes = (Index(fields=("merchant_id", "dimension")),)


class ValueTierMonth(Model):
    """One month's revenue and active customers from one value tier (tier at the previous month's end)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="value_tier_months", on_delete=fields.CASCADE
    )
    merchant_id: int
    month = fields.CharField(max_length=7, description="YYYY-MM (UTC)")
    tier = fields.CharField(max_length=16, description="vip, regular, at_risk or lost")
    customers = fields.IntField(description="people in the tier with a counted order in the month")
    holders = fields.IntField(description="people in the tier at the month's end")
    revenue = MoneyField(description="their counted orders' revenue in the month, net of refunds")
    currency = fields.CharField(max_length=3)
    computed_at = fields.DatetimeField(description="the insights refresh's as-of this was computed at")

    class Meta:
        table = "measure_value_tier_months"
        indexes = (Index(fields=("merchant_id", "month")),)


class ValueTierFlow(Model):
    """People moving from one tier at a month's end to another at the next month's end."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="value_tier_flows", on_delete=fields.CASCADE
    )
    merchant_id: int
    to_month = fields.CharField(max_length=7, description="YYYY-MM: tiers at its end, from the month before's end")
    from_tier = fields.CharField(max_length=16, null=True, description="null: no purchase by the earlier month end")
    to_tier = fields.CharField(max_length=16)
    customers = fields.IntField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "measure_value_tier_flows"
        indexes = (Index(fields=("merchant_id", "to_month")),)


class MeasureSettings(Model):
    """The merchant's overrides of ``measure.settings.MeasureConfig`` (margin rate, comparison window)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.OneToOneRelation[Merchant] = fields.OneToOneField(
        "models.Merchant", related_name="measure_settings", on_delete=fields.CASCADE
    )
    merchant_id: int
    values: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "measure_settings"


class ProgramImpactReport(Model):
    """The program-impact report of one dashboard period preset, as the insights refresh computed it
    (``measure.impact_kept``): what a dashboard load reads instead of grouping every order again."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="program_impact_reports", on_delete=fields.CASCADE
    )
    merchant_id: int
    period = fields.CharField(max_length=8, description="the ImpactPeriod preset's value: 12, 24 (months) or all")
    since = fields.DateField(null=True, description="the period's first day, counted back from as_of (null: all time)")
    window_days = fields.IntField(description="the comparison window it was computed with: another one now is stale")
    margin_rate = fields.FloatField(description="the margin rate it was computed with (a read uses the one set now)")
    report: fields.JSONField[dict[str, Any]] = fields.JSONField(
        description="measure.impact.ProgramImpact as JSON: Decimal as strings, campaigns by id"
    )
    as_of = fields.DatetimeField(description="the insights refresh's as-of the figures stand at")
    computed_at = fields.DatetimeField(description="when the refresh computed it")

    class Meta:
        table = "measure_program_impact"
        unique_together = (("merchant", "period"),)
