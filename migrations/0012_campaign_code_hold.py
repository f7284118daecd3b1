from tortoise import migrations
from tortoise.migrations import operations as ops
from campaigns.models import CodeStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_customer_owner_profile_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='CampaignEntry',
            name='code_status',
            field=fields.CharEnumField(default=CodeStatus.NONE, description='NONE: none\nISSUING: issuing\nISSUED: issued\nFAILED: failed', enum_type=CodeStatus, max_length=8),
        ),
        ops.AddField(
            model_name='CampaignEntry',
            name='code_held_until',
            field=fields.DatetimeField(null=True, description='while issuing, other runs leave the entry alone until then (a run that died lapses)', auto_now=False, auto_now_add=False),
        ),
    ]
