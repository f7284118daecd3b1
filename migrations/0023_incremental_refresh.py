import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0022_store_recent_orders_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InsightModel",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="insight_models",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(description="which model: recommender", max_length=32)),
                ("payload", fields.BinaryField(description="the model's state, as the model serialises it")),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.RefreshRun",
                        source_field="run_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="models",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "insights_models",
                "app": "models",
                "unique_together": (("merchant_id", "name"),),
                "pk_attr": "id",
                "table_description": "A trained model a full refresh leaves for the incremental runs after it (e.g. the",
            },
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="Customer",
            index=Index(fields=["merchant_id", "updated_at"]),
        ),
        ops.AddIndex(
            model_name="Order",
            index=Index(fields=["customer_id"]),
        ),
        ops.AddIndex(
            model_name="Order",
            index=Index(fields=["merchant_id", "updated_at"]),
        ),
        ops.AddField(
            model_name="RefreshRun",
            name="kind",
            field=fields.CharField(default="full", description="full or incremental", max_length=16),
        ),
        ops.AddField(
            model_name="RefreshRun",
            name="read_at",
            field=fields.DatetimeField(
                null=True,
                description="when the run read the orders: the next incremental run takes changes from then",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        ops.AddField(
            model_name="RefreshRun",
            name="reference",
            field=fields.JSONField(
                default=dict,
                description="what a full run leaves the incremental runs after it: segment cut points, CLV fits",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="RefreshRun",
            name="settings_digest",
            field=fields.CharField(
                default="",
                description="the insights settings the run used: a change calls for a full run",
                max_length=64,
            ),
        ),
    ]
