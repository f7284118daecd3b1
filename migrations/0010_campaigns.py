from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from campaigns.models import CampaignKind, CampaignStatus, CodeStatus, Group, MessageKind, MessageStatus, SuppressionReason
from json import dumps, loads
from loyalty.models import EntryKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_insights_model_check_why_as_of')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Birthday',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='birthdays', on_delete=OnDelete.CASCADE)),
                ('profile', fields.OneToOneField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='birthday', on_delete=OnDelete.CASCADE)),
                ('month', fields.SmallIntField()),
                ('day', fields.SmallIntField()),
                ('year', fields.SmallIntField(null=True)),
                ('source', fields.CharField(default='widget', description='widget, platform or admin', max_length=16)),
                ('recorded_at', fields.DatetimeField(description='a gift needs the date given 30 days before the day', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_birthdays', 'app': 'models', 'pk_attr': 'id', 'table_description': "A shopper's birthday as they gave it (month and day, the year optional)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='WIN_BACK: win_back\nAT_RISK: at_risk\nBIRTHDAY: birthday\nPOINTS_EXPIRY: points_expiry\nTIER_REACHED: tier_reached\nTIER_DROP: tier_drop\nWELCOME: welcome\nCUSTOM: custom', enum_type=CampaignKind, max_length=16)),
                ('status', fields.CharEnumField(default=CampaignStatus.DRAFT, description='DRAFT: draft\nACTIVE: active\nPAUSED: paused', enum_type=CampaignStatus, max_length=16)),
                ('audience', fields.JSONField(description='campaigns.definitions.Audience', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('actions', fields.JSONField(description='campaigns.definitions.Actions', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('period_days', fields.IntField(default=30, description='a member enters at most once per this many days, 0 for once ever')),
                ('holdout_percent', fields.IntField(default=10, description='share of the audience held out, 0 to 50')),
                ('attribution_days', fields.IntField(default=30, description='orders this long after entry count in the results')),
                ('subject', fields.CharField(default='', description="overrides the kind's subject (Liquid)", max_length=200)),
                ('body', fields.TextField(default='', description="overrides the kind's message paragraph (Liquid)", unique=False)),
                ('launched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paused_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'campaigns', 'app': 'models', 'unique_together': (('merchant', 'name'),), 'pk_attr': 'id', 'table_description': 'Who (``audience``), what (``actions``), how often (``period_days``) and who is held out.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('merchant_id', fields.IntField()),
                ('profile', fields.ForeignKeyField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='campaign_entries', on_delete=OnDelete.CASCADE)),
                ('period', fields.IntField(description='period number (see runner.period_of), 0 for once ever')),
                ('group', fields.CharEnumField(description='TREATED: treated\nHOLDOUT: holdout', enum_type=Group, max_length=8)),
                ('entered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('store_id', fields.IntField(null=True, description='where the member last bought: the code is made there')),
                ('code', fields.CharField(null=True, max_length=64)),
                ('code_status', fields.CharEnumField(default=CodeStatus.NONE, description='NONE: none\nISSUED: issued\nFAILED: failed', enum_type=CodeStatus, max_length=8)),
                ('code_error', fields.TextField(null=True, unique=False)),
                ('discount_id', fields.CharField(null=True, description="the platform's id of the discount", max_length=200)),
                ('code_value', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('points', fields.IntField(default=0)),
            ],
            options={'table': 'campaign_entries', 'app': 'models', 'unique_together': (('campaign', 'profile', 'period'),), 'indexes': [Index(fields=['campaign_id', 'group']), Index(fields=['merchant_id', 'entered_at'])], 'pk_attr': 'id', 'table_description': 'One member entering one campaign in one period, in the treated group or the holdout.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.OneToOneField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='mail_settings', on_delete=OnDelete.CASCADE)),
                ('values', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'campaign_mail_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "The merchant's overrides of ``campaigns.settings.MailConfig`` (sender name, colours, locale,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(description='idempotency key from the cause: one message per cause', max_length=200)),
                ('campaign_id', fields.IntField(null=True)),
                ('entry_id', fields.BigIntField(null=True)),
                ('profile_id', fields.IntField(null=True)),
                ('kind', fields.CharEnumField(description='MARKETING: marketing\nTRANSACTIONAL: transactional', enum_type=MessageKind, max_length=16)),
                ('template', fields.CharField(description='a CampaignKind value or a transactional template name', max_length=32)),
                ('locale', fields.CharField(default='en', max_length=8)),
                ('to_email', fields.CharField(null=True, description='cleared on erasure', max_length=320)),
                ('subject', fields.CharField(default='', max_length=300)),
                ('data', fields.JSONField(default=dict, description='what the template shows: balance, tier, code, value, expiry, store link', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=MessageStatus.QUEUED, description='QUEUED: queued\nSENDING: sending\nSENT: sent\nFAILED: failed\nBOUNCED: bounced\nSKIPPED: skipped', enum_type=MessageStatus, max_length=16)),
                ('reason', fields.CharField(default='', description='why skipped, bounced or failed, in a word', max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('send_after', fields.DatetimeField(description='not before: quiet hours and retry backoff move it', auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('message_id', fields.CharField(default='', description='the Message-ID header sent', max_length=255)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('opened_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'campaign_messages', 'app': 'models', 'unique_together': (('merchant', 'key'),), 'indexes': [Index(fields=['status', 'send_after']), Index(fields=['campaign_id', 'status']), Index(fields=['profile_id', 'sent_at'])], 'pk_attr': 'id', 'table_description': "One email to one shopper: its send log, from queueing to the SMTP server's answer."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Suppression',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='suppressions', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(description='lower-cased', max_length=320)),
                ('reason', fields.CharEnumField(description='UNSUBSCRIBED: unsubscribed\nBOUNCED: bounced\nCOMPLAINED: complained', enum_type=SuppressionReason, max_length=16)),
                ('detail', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'campaign_suppressions', 'app': 'models', 'unique_together': (('merchant', 'email'),), 'pk_attr': 'id', 'table_description': 'An address that gets no marketing from this merchant again (unsubscribed, bounced, complained).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Entry',
            name='kind',
            field=fields.CharEnumField(description='PENDING: pending\nEARN: earn\nRELEASE: release\nCLAWBACK: clawback\nREVERSAL: reversal\nREDEEM: redeem\nREDEEM_REFUND: redeem_refund\nEXPIRE: expire\nADJUST: adjust\nACTION: action\nREFERRAL: referral\nTIER_REWARD: tier_reward\nAUTOMATION: automation\nCAMPAIGN: campaign\nTRANSFER_OUT: transfer_out\nTRANSFER_IN: transfer_in', enum_type=EntryKind, max_length=16),
        ),
        ops.DeleteModel(name='AutomationGrant'),
        ops.DeleteModel(name='Automation'),
    ]
