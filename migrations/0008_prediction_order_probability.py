from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_loyalty_ownership')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ClvPrediction',
            name='model',
            field=fields.CharField(description='mbgnbd+gamma_gamma or heuristic', max_length=32),
        ),
        ops.AlterField(
            model_name='ClvPrediction',
            name='next_order_at',
            field=fields.DatetimeField(null=True, description='median date of the next order; null when an order within the horizon is less likely than not', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ClvPrediction',
            name='order_probability',
            field=fields.FloatField(null=True, description='chance of at least one order within the horizon (same model as P(alive))'),
        ),
    ]
