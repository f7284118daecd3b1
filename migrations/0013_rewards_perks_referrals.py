from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from loyalty.models import FriendCodeStatus, PerkKind, PerkStatus, ReferralSource
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_campaign_code_hold')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Perk',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='loyalty_perks', on_delete=OnDelete.CASCADE)),
                ('profile', fields.ForeignKeyField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='loyalty_perks', on_delete=OnDelete.CASCADE)),
                ('store_id', fields.IntField()),
                ('kind', fields.CharEnumField(description='FREE_SHIPPING: free_shipping', enum_type=PerkKind, max_length=16)),
                ('tier', fields.CharField(description='the tier that gave it', max_length=64)),
                ('code', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=PerkStatus.ISSUING, description='ISSUING: issuing\nACTIVE: active\nREVOKING: revoking\nREVOKED: revoked\nFAILED: failed', enum_type=PerkStatus, max_length=16)),
                ('platform_discount_id', fields.CharField(null=True, max_length=200)),
                ('error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'loyalty_perks', 'app': 'models', 'unique_together': (('merchant', 'code'),), 'indexes': [Index(fields=['profile_id', 'status']), Index(fields=['merchant_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A tier perk held on one store for one member: a code bound to their account there, created'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralVisit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='loyalty_referral_visits', on_delete=OnDelete.CASCADE)),
                ('referrer', fields.ForeignKeyField('models.Profile', source_field='referrer_id', db_constraint=True, to_field='id', related_name='loyalty_referral_visits', on_delete=OnDelete.CASCADE)),
                ('store_id', fields.IntField()),
                ('visitor_key', fields.CharField(max_length=64)),
                ('network_key', fields.CharField(null=True, description="keyed hash of the visitor's network", max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'loyalty_referral_visits', 'app': 'models', 'unique_together': (('merchant', 'referrer', 'visitor_key'),), 'indexes': [Index(fields=['merchant_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A first visit through a member's referral link: counted once per visitor and referrer."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Redemption',
            name='starts_at',
            field=fields.DatetimeField(null=True, description='the code works from then (early access, a launch)', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Referral',
            name='friend_code',
            field=fields.CharField(null=True, description="the friend's welcome code on that store", max_length=64),
        ),
        ops.AddField(
            model_name='Referral',
            name='friend_code_error',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Referral',
            name='friend_code_status',
            field=fields.CharEnumField(default=FriendCodeStatus.NONE, description='none, issuing, issued, used or failed', enum_type=FriendCodeStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Referral',
            name='friend_discount_id',
            field=fields.CharField(null=True, description="the platform's id of the code", max_length=200),
        ),
        ops.AddField(
            model_name='Referral',
            name='source',
            field=fields.CharEnumField(default=ReferralSource.CODE, description='how the friend came: link, code or order', enum_type=ReferralSource, max_length=16),
        ),
        ops.AddField(
            model_name='Referral',
            name='store_id',
            field=fields.IntField(null=True, description='the store the friend signed up or claimed on'),
        ),
        ops.AddField(
            model_name='Reward',
            name='claimed',
            field=fields.IntField(default=0, description='codes taken from the stock, failed ones given back'),
        ),
        ops.AddField(
            model_name='Reward',
            name='early_starts_at',
            field=fields.DatetimeField(null=True, description='when the early tier may redeem, before starts_at', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Reward',
            name='early_tier',
            field=fields.CharField(null=True, description='members of this tier or higher start early', max_length=64),
        ),
        ops.AddField(
            model_name='Reward',
            name='limit_period_days',
            field=fields.IntField(default=0, description='the period of per_member_limit, 0 for ever'),
        ),
        ops.AddField(
            model_name='Reward',
            name='min_tier',
            field=fields.CharField(null=True, description='the lowest tier that may redeem it (higher tiers too), null for all', max_length=64),
        ),
        ops.AddField(
            model_name='Reward',
            name='per_member_limit',
            field=fields.IntField(default=0, description='redemptions per member in the period, 0 for no limit'),
        ),
        ops.AddField(
            model_name='Reward',
            name='starts_at',
            field=fields.DatetimeField(null=True, description='launch: redeemable and its codes valid from then', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Reward',
            name='stock',
            field=fields.IntField(null=True, description='codes that may ever be issued, null for no limit'),
        ),
        ops.AddField(
            model_name='Reward',
            name='value_tiers',
            field=fields.JSONField(default=list, description='insights value tiers that may redeem it (vip, regular ...), empty for all', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
