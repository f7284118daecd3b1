from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_job_merchant')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountLinkAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='account_link_attempts', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='account_link_attempts', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'loyalty_account_link_attempts', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A redemption of a link code that failed, counted to rate-limit guessing per account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccountLinkCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='account_link_codes', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='account_link_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.ForeignKeyField('models.Customer', source_field='used_by_id', null=True, db_constraint=True, to_field='id', related_name='account_links_redeemed', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'loyalty_account_link_codes', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A one-time code a signed-in shopper takes from one store to another, so two accounts share'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Customer',
            name='owner',
            field=fields.ForeignKeyField('models.Profile', source_field='owner_id', null=True, description='whose loyalty balance this account holds: set by loyalty, changed only when ownership is established', db_constraint=True, to_field='id', related_name='owned_accounts', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Customer',
            name='verified_email',
            field=fields.BooleanField(default=False, description='the platform says the account holder proved this email (Shopify verified_email)'),
        ),
    ]
