from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0020_customer_email_key")]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name="Member",
            name=None,
            fields=["merchant_id", "tier"],
        ),
        ops.AddIndex(
            model_name="Member",
            index=Index(fields=["merchant_id", "created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Member",
            index=Index(fields=["merchant_id", "tier", "created_at", "id"]),
        ),
    ]
