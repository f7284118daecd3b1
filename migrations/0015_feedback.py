from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from feedback.models import ComplaintCategory, ComplaintKind, ComplaintStatus, FeedbackSource, MessageAuthor, SurveyKind, SurveyStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_referral_friend_code_terms')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.CASCADE)),
                ('profile', fields.ForeignKeyField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.CASCADE)),
                ('store_id', fields.IntField(null=True)),
                ('customer_id', fields.IntField(null=True, description='the account replies are mailed to')),
                ('order_id', fields.BigIntField(null=True)),
                ('kind', fields.CharEnumField(default=ComplaintKind.COMPLAINT, description='COMPLAINT: complaint\nREQUEST: request', enum_type=ComplaintKind, max_length=12)),
                ('category', fields.CharEnumField(default=ComplaintCategory.OTHER, description='DELIVERY: delivery\nPRODUCT: product\nBILLING: billing\nRETURN: return\nSERVICE: service\nACCOUNT: account\nOTHER: other', enum_type=ComplaintCategory, max_length=12)),
                ('status', fields.CharEnumField(default=ComplaintStatus.OPEN, description='OPEN: open\nWAITING: waiting\nRESOLVED: resolved', enum_type=ComplaintStatus, max_length=12)),
                ('source', fields.CharEnumField(description='WIDGET: widget\nAPI: api\nDASHBOARD: dashboard\nSURVEY: survey\nDEMO: demo', enum_type=FeedbackSource, max_length=12)),
                ('external_id', fields.CharField(null=True, description="the caller's id: a repeat is the same", max_length=100)),
                ('subject', fields.CharField(default='', description='blanked on erasure', max_length=200)),
                ('assignee', fields.CharField(default='', max_length=100)),
                ('received_at', fields.DatetimeField(description='intake: the clocks start here', auto_now=False, auto_now_add=False)),
                ('first_response_at', fields.DatetimeField(null=True, description='the first reply sent to the shopper', auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'feedback_complaints', 'app': 'models', 'unique_together': (('merchant', 'external_id'),), 'indexes': [Index(fields=['merchant_id', 'status']), Index(fields=['merchant_id', 'received_at']), Index(fields=['profile_id'])], 'pk_attr': 'id', 'table_description': 'A complaint or request: who, about which order, where it stands and how fast it was handled.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ComplaintMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('author', fields.CharEnumField(description='SHOPPER: shopper\nMERCHANT: merchant\nNOTE: note', enum_type=MessageAuthor, max_length=12)),
                ('author_name', fields.CharField(default='', max_length=100)),
                ('body', fields.TextField(description='blanked on erasure', unique=False)),
                ('message_id', fields.BigIntField(null=True, description='the campaign_messages row that mailed a reply')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feedback_complaint_messages', 'app': 'models', 'indexes': [Index(fields=['complaint_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "The thread: the shopper's words, the merchant's replies (mailed) and internal notes."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedbackSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.OneToOneField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='feedback_settings', on_delete=OnDelete.CASCADE)),
                ('values', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'feedback_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "The merchant's overrides of ``feedback.settings.FeedbackConfig`` (survey kind, delay,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('profile', fields.ForeignKeyField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('store_id', fields.IntField()),
                ('customer_id', fields.IntField()),
                ('review_id', fields.CharField(description="the caller's id: one review, one row", max_length=100)),
                ('product_platform_id', fields.CharField(max_length=64)),
                ('order_platform_id', fields.CharField(null=True, max_length=64)),
                ('rating', fields.SmallIntField(description='1-5')),
                ('title', fields.CharField(default='', description='blanked on erasure', max_length=200)),
                ('body', fields.TextField(default='', description='blanked on erasure', unique=False)),
                ('source', fields.CharEnumField(default=FeedbackSource.API, description='WIDGET: widget\nAPI: api\nDASHBOARD: dashboard\nSURVEY: survey\nDEMO: demo', enum_type=FeedbackSource, max_length=12)),
                ('points_paid', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feedback_reviews', 'app': 'models', 'unique_together': (('store_id', 'review_id'),), 'indexes': [Index(fields=['merchant_id', 'created_at']), Index(fields=['profile_id'])], 'pk_attr': 'id', 'table_description': 'A product review posted by a review app or the store (signed), kept with its text.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.CASCADE)),
                ('profile', fields.ForeignKeyField('models.Profile', source_field='profile_id', db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.CASCADE)),
                ('store_id', fields.IntField(description='the store the order was placed on')),
                ('customer_id', fields.IntField(description='the account the invitation goes to')),
                ('order_id', fields.BigIntField(null=True, description='the fulfilled order it asks about')),
                ('kind', fields.CharEnumField(description='NPS: nps\nCSAT: csat', enum_type=SurveyKind, max_length=8)),
                ('status', fields.CharEnumField(default=SurveyStatus.SCHEDULED, description='SCHEDULED: scheduled\nSENT: sent\nANSWERED: answered\nEXPIRED: expired\nCANCELLED: cancelled', enum_type=SurveyStatus, max_length=12)),
                ('reason', fields.CharField(default='', description='why cancelled, in a word', max_length=64)),
                ('send_at', fields.DatetimeField(description="fulfilment plus the merchant's delay", auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, description='answers are refused after it', auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('score', fields.SmallIntField(null=True, description='0-10 (NPS) or 1-5 (CSAT)')),
                ('comment', fields.TextField(null=True, description='blanked on erasure', unique=False)),
                ('channel', fields.CharField(default='', description='email link or widget', max_length=16)),
                ('points_paid', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'feedback_surveys', 'app': 'models', 'unique_together': (('merchant', 'order_id', 'kind'),), 'indexes': [Index(fields=['status', 'send_at']), Index(fields=['merchant_id', 'answered_at']), Index(fields=['profile_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One invitation to answer, for one order, and its answer (one per survey).'},
            bases=['Model'],
        ),
    ]
