from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_measure_snapshots')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MeasureSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.OneToOneField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='measure_settings', on_delete=OnDelete.CASCADE)),
                ('values', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'measure_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "The merchant's overrides of ``measure.settings.MeasureConfig`` (margin rate, comparison window)."},
            bases=['Model'],
        ),
    ]
