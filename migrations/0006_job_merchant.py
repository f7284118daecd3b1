from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_product_image_url')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Job',
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['status', 'run_at']), Index(fields=['merchant_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A queued or running job of the embedded runner, or a final failure of either runner.'},
        ),
        ops.AddField(
            model_name='Job',
            name='merchant',
            field=fields.ForeignKeyField('models.Merchant', source_field='merchant_id', null=True, description="the merchant whose data the job works on, none for jobs of the operator", db_constraint=True, to_field='id', related_name='jobs', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='Job',
            index=Index(fields=['merchant_id', 'status']),
        ),
    ]
