from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_loyalty_insights_api')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='OrderLine',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='Refund',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='RefundLine',
            index=Index(fields=['refund_id']),
        ),
    ]
