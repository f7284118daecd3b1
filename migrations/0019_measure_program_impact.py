import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0018_measure_settings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProgramImpactReport",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="program_impact_reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "period",
                    fields.CharField(
                        description="the ImpactPeriod preset's value: 12, 24 (months) or all", max_length=8
                    ),
                ),
                (
                    "since",
                    fields.DateField(
                        null=True, description="the period's first day, counted back from as_of (null: all time)"
                    ),
                ),
                (
                    "window_days",
                    fields.IntField(description="the comparison window it was computed with: another one now is stale"),
                ),
                (
                    "margin_rate",
                    fields.FloatField(description="the margin rate it was computed with (a read uses the one set now)"),
                ),
                (
                    "report",
                    fields.JSONField(
                        description="measure.impact.ProgramImpact as JSON: Decimal as strings, campaigns by id",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "as_of",
                    fields.DatetimeField(
                        description="the insights refresh's as-of the figures stand at",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "computed_at",
                    fields.DatetimeField(
                        description="when the refresh computed it", auto_now=False, auto_now_add=False
                    ),
                ),
            ],
            options={
                "table": "measure_program_impact",
                "app": "models",
                "unique_together": (("merchant", "period"),),
                "pk_attr": "id",
                "table_description": "The program-impact report of one dashboard period preset, as the insights refresh computed it",
            },
            bases=["Model"],
        ),
    ]
