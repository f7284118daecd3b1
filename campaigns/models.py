"""Campaign tables: the campaign, who entered it (treated or holdout), each email and its fate,
the addresses that must never get marketing again, a shopper's birthday, and the merchant's
mail settings."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models import Merchant, Profile


class CampaignKind(StrEnum):
    """What a campaign is for; built-in kinds come with an audience, actions and an email ready."""

    WIN_BACK = "win_back"
    AT_RISK = "at_risk"
    BIRTHDAY = "birthday"
    POINTS_EXPIRY = "points_expiry"
    TIER_REACHED = "tier_reached"
    TIER_DROP = "tier_drop"
    WELCOME = "welcome"
    CUSTOM = "custom"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"


class Group(StrEnum):
    """Treated members get the actions; the holdout enters the audience and gets nothing."""

    TREATED = "treated"
    HOLDOUT = "holdout"


class CodeStatus(StrEnum):
    """The fate of the discount code a treated member was promised."""

    NONE = "none"
    """The campaign gives no code."""
    ISSUING = "issuing"
    """A run is asking the platform for it, holding the entry until ``code_held_until``."""
    ISSUED = "issued"
    FAILED = "failed"
    """The platform refused or could not be reached: no email goes out without its code."""


class MessageKind(StrEnum):
    """Marketing needs the shopper's consent; transactional mail reports the shopper's own account."""

    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    """Waiting for its send time (quiet hours, backoff) and a worker."""
    SENDING = "sending"
    """A worker holds it, a lapsed lease means the worker died, and it is checked before sending again."""
    SENT = "sent"
    """The SMTP server accepted it."""
    FAILED = "failed"
    """Tries exhausted, or the server refused for good."""
    BOUNCED = "bounced"
    """The recipient's address was refused; it is suppressed from then on."""
    SKIPPED = "skipped"
    """Never sent, by rule: no consent, unsubscribed, over the frequency cap, no address."""


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Campaign(Model):
    """Who (``audience``), what (``actions``), how often (``period_days``) and who is held out."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="campaigns", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(CampaignKind, max_length=16)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.DRAFT)
    audience: fields.JSONField[dict[str, Any]] = fields.JSONField(description="campaigns.definitions.Audience")
    actions: fields.JSONField[dict[str, Any]] = fields.JSONField(description="campaigns.definitions.Actions")
    period_days = fields.IntField(
        default=30, description="a member enters at most once per this many days, 0 for once ever"
    )
    holdout_percent = fields.IntField(default=10, description="share of the audience held out, 0 to 50")
    attribution_days = fields.IntField(default=30, description="orders this long after entry count in the results")
    subject = fields.CharField(max_length=200, default="", description="overrides the kind's subject (Liquid)")
    body = fields.TextField(default="", description="overrides the kind's message paragraph (Liquid)")
    launched_at = fields.DatetimeField(null=True)
    paused_at = fields.DatetimeField(null=True)
    last_run_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaigns"
        unique_together = (("merchant", "name"),)


class CampaignEntry(Model):
    """One member entering one campaign in one period, in the treated group or the holdout."""

    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="entries", on_delete=fields.CASCADE
    )
    campaign_id: int
    merchant_id = fields.IntField()
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="campaign_entries", on_delete=fields.CASCADE
    )
    profile_id: int
    period = fields.IntField(description="period number (see runner.period_of), 0 for once ever")
    group = fields.CharEnumField(Group, max_length=8)
    entered_at = fields.DatetimeField()
    store_id = fields.IntField(null=True, description="where the member last bought: the code is made there")
    code = fields.CharField(max_length=64, null=True)
    code_status = fields.CharEnumField(CodeStatus, max_length=8, default=CodeStatus.NONE)
    code_error = fields.TextField(null=True)
    code_held_until = fields.DatetimeField(
        null=True, description="while issuing, other runs leave the entry alone until then (a run that died lapses)"
    )
    discount_id = fields.CharField(max_length=200, null=True, description="the platform's id of the discount")
    code_value = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    points = fields.IntField(default=0)

    class Meta:
        table = "campaign_entries"
        unique_together = (("campaign", "profile", "period"),)
        indexes = (("campaign_id", "group"), ("merchant_id", "entered_at"))


class Message(Model):
    """One email to one shopper: its send log, from queueing to the SMTP server's answer."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="messages", on_delete=fields.CASCADE
    )
    merchant_id: int
    key = fields.CharField(max_length=200, description="idempotency key from the cause: one message per cause")
    campaign_id = fields.IntField(null=True)
    entry_id = fields.BigIntField(null=True)
    profile_id = fields.IntField(null=True)
    kind = fields.CharEnumField(MessageKind, max_length=16)
    template = fields.CharField(max_length=32, description="a CampaignKind value or a transactional template name")
    locale = fields.CharField(max_length=8, default="en")
    to_email = fields.CharField(max_length=320, null=True, description="cleared on erasure")
    subject = fields.CharField(max_length=300, default="")
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict, description="what the template shows: balance, tier, code, value, expiry, store link"
    )
    status = fields.CharEnumField(MessageStatus, max_length=16, default=MessageStatus.QUEUED)
    reason = fields.CharField(max_length=64, default="", description="why skipped, bounced or failed, in a word")
    attempts = fields.IntField(default=0)
    send_after = fields.DatetimeField(description="not before: quiet hours and retry backoff move it")
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    message_id = fields.CharField(max_length=255, default="", description="the Message-ID header sent")
    sent_at = fields.DatetimeField(null=True)
    opened_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign_messages"
        unique_together = (("merchant", "key"),)
        indexes = (("status", "send_after"), ("campaign_id", "status"), ("profile_id", "sent_at"))


class Suppression(Model):
    """An address that gets no marketing from this merchant again (unsubscribed, bounced, complained)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="suppressions", on_delete=fields.CASCADE
    )
    merchant_id: int
    email = fields.CharField(max_length=320, description="lower-cased")
    reason = fields.CharEnumField(SuppressionReason, max_length=16)
    detail = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign_suppressions"
        unique_together = (("merchant", "email"),)


class Birthday(Model):
    """A shopper's birthday as they gave it (month and day, the year optional)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="birthdays", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.OneToOneRelation[Profile] = fields.OneToOneField(
        "models.Profile", related_name="birthday", on_delete=fields.CASCADE
    )
    profile_id: int
    month = fields.SmallIntField()
    day = fields.SmallIntField()
    year = fields.SmallIntField(null=True)
    source = fields.CharField(max_length=16, default="widget", description="widget, platform or admin")
    recorded_at = fields.DatetimeField(description="a gift needs the date given 30 days before the day")

    class Meta:
        table = "campaign_birthdays"


class MailSettings(Model):
    """The merchant's overrides of ``campaigns.settings.MailConfig`` (sender name, colours, locale,
    quiet hours, frequency cap)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.OneToOneRelation[Merchant] = fields.OneToOneField(
        "models.Merchant", related_name="mail_settings", on_delete=fields.CASCADE
    )
    merchant_id: int
    values: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign_mail_settings"
