from decimal import Decimal

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0016_measure")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ClvGroupTotal",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clv_groups",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("dimension", fields.CharField(description="cohort, store or platform", max_length=16)),
                ("key", fields.CharField(max_length=64)),
                ("label", fields.CharField(max_length=255)),
                ("currency", fields.CharField(max_length=3)),
                ("customers", fields.IntField()),
                ("total", fields.DecimalField(default=Decimal("0"), max_digits=18, decimal_places=4)),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "measure_clv_groups",
                "app": "models",
                "indexes": [Index(fields=["merchant_id", "dimension"])],
                "pk_attr": "id",
                "table_description": "Predicted CLV of one group (cohort, store or platform) in one currency, as of the refresh.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CohortActivity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cohort_activity",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "store",
                    fields.ForeignKeyField(
                        "models.Store",
                        source_field="store_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="cohort_activity",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("cohort", fields.IntField(description="month index of the first counted order")),
                ("months_since", fields.IntField()),
                ("active", fields.IntField()),
                ("revenue", fields.DecimalField(default=Decimal("0"), max_digits=18, decimal_places=4)),
                ("currency", fields.CharField(max_length=3)),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "measure_cohort_cells",
                "app": "models",
                "indexes": [Index(fields=["merchant_id", "store_id", "cohort"])],
                "pk_attr": "id",
                "table_description": "One cohort cell of one scope (``store`` null: every store's people).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RetentionActivity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_activity",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "store",
                    fields.ForeignKeyField(
                        "models.Store",
                        source_field="store_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_activity",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("month", fields.IntField(description="year * 12 + month - 1 (UTC)")),
                ("active", fields.IntField()),
                ("new", fields.IntField()),
                ("retained", fields.IntField(description="active in this month and the month before")),
                ("orders", fields.IntField()),
                (
                    "became_repeat",
                    fields.IntField(description="customers whose second counted order falls in the month"),
                ),
                ("median_gap_days", fields.FloatField(null=True)),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "measure_retention_months",
                "app": "models",
                "indexes": [Index(fields=["merchant_id", "store_id", "month"])],
                "pk_attr": "id",
                "table_description": "One month's activity of one scope: a store's accounts, or every store's people (``store`` null).",
            },
            bases=["Model"],
        ),
    ]
