from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0021_member_page_indexes")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Order",
            index=Index(fields=["store_id", "platform_created_at", "id"]),
        ),
    ]
