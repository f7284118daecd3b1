from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_child_row_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Product',
            name='image_alt',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='Product',
            name='image_url',
            field=fields.CharField(default='', max_length=2000),
        ),
        ops.AddField(
            model_name='Product',
            name='url',
            field=fields.CharField(default='', max_length=2000),
        ),
    ]
