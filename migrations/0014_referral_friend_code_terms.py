from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0013_rewards_perks_referrals")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Referral",
            name="friend_code_expires_at",
            field=fields.DatetimeField(
                null=True, description="when the friend's code stops working", auto_now=False, auto_now_add=False
            ),
        ),
        ops.AddField(
            model_name="Referral",
            name="friend_code_kind",
            field=fields.CharField(null=True, description="what the code gives, as issued", max_length=16),
        ),
        ops.AddField(
            model_name="Referral",
            name="friend_code_value",
            field=fields.DecimalField(
                null=True, description="money or percent off, as issued", max_digits=12, decimal_places=2
            ),
        ),
    ]
