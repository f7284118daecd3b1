from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_prediction_order_probability')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ClvPrediction',
            name='why',
            field=fields.CharField(default='', description="one line: the history and the model's chance for it", max_length=255),
        ),
        ops.AddField(
            model_name='ProfileSegment',
            name='why',
            field=fields.CharField(default='', description='one line: the history and how similar people did', max_length=255),
        ),
        ops.AddField(
            model_name='RefreshRun',
            name='as_of',
            field=fields.DatetimeField(null=True, description='the day the run took as today', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='RefreshRun',
            name='model_check',
            field=fields.JSONField(default=list, description='held-out weeks: predicted vs actual repeat orders, per currency', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='RefreshRun',
            name='warning',
            field=fields.TextField(null=True, description='why the as-of date is suspect: far past the last order or before the first', unique=False),
        ),
    ]
