from decimal import Decimal

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_feedback")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ValueTierFlow",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="value_tier_flows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "to_month",
                    fields.CharField(
                        description="YYYY-MM: tiers at its end, from the month before's end", max_length=7
                    ),
                ),
                (
                    "from_tier",
                    fields.CharField(
                        null=True, description="null: no purchase by the earlier month end", max_length=16
                    ),
                ),
                ("to_tier", fields.CharField(max_length=16)),
                ("customers", fields.IntField()),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "measure_value_tier_flows",
                "app": "models",
                "indexes": [Index(fields=["merchant_id", "to_month"])],
                "pk_attr": "id",
                "table_description": "People moving from one tier at a month's end to another at the next month's end.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ValueTierMonth",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="value_tier_months",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("month", fields.CharField(description="YYYY-MM (UTC)", max_length=7)),
                ("tier", fields.CharField(description="vip, regular, at_risk or lost", max_length=16)),
                ("customers", fields.IntField(description="people in the tier with a counted order in the month")),
                ("holders", fields.IntField(description="people in the tier at the month's end")),
                (
                    "revenue",
                    fields.DecimalField(
                        default=Decimal("0"),
                        description="their counted orders' revenue in the month, net of refunds",
                        max_digits=18,
                        decimal_places=4,
                    ),
                ),
                ("currency", fields.CharField(max_length=3)),
                (
                    "computed_at",
                    fields.DatetimeField(
                        description="the insights refresh's as-of this was computed at",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
            ],
            options={
                "table": "measure_value_tier_months",
                "app": "models",
                "indexes": [Index(fields=["merchant_id", "month"])],
                "pk_attr": "id",
                "table_description": "One month's revenue and active customers from one value tier (tier at the previous month's end).",
            },
            bases=["Model"],
        ),
    ]
