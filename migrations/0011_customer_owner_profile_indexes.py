from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_campaigns")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Customer",
            index=Index(fields=["owner_id"]),
        ),
        ops.AddIndex(
            model_name="Customer",
            index=Index(fields=["profile_id"]),
        ),
    ]
