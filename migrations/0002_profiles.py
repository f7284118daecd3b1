from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Profile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='profiles', on_delete=OnDelete.CASCADE)),
                ('merged_into', fields.ForeignKeyField('models.Profile', source_field='merged_into_id', null=True, description='set when this profile was merged into another one, kept so old ids still resolve', db_constraint=True, to_field='id', related_name='absorbed', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'profiles', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person as the merchant knows them, across stores and platforms.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Customer',
            name='profile',
            field=fields.ForeignKeyField('models.Profile', source_field='profile_id', null=True, description='the person this customer is, set by identity resolution', db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.SET_NULL),
        ),
    ]
