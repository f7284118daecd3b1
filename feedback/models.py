"""Feedback tables: the merchant's survey and service settings, survey invitations and their
answers, complaints and requests with their messages, and product reviews.

Free text (comments, messages, reviews) is personal data: erasure blanks it and keeps the
numbers (scores, ratings, times), so NPS and response times stay right after an erasure.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models import Merchant, Profile


class SurveyKind(StrEnum):
    """NPS asks 0-10 (how likely to recommend) and a comment; CSAT asks 1-5 (how satisfied)."""

    NPS = "nps"
    CSAT = "csat"


class SurveyStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Waiting for its send time (the order's fulfilment plus the merchant's delay)."""
    SENT = "sent"
    """Invited (mail queued, and shown in the widget); open for an answer until ``expires_at``."""
    ANSWERED = "answered"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    """Not sent: surveys turned off, no consent, the person erased, or asked too recently."""


class ComplaintKind(StrEnum):
    COMPLAINT = "complaint"
    REQUEST = "request"


class ComplaintCategory(StrEnum):
    DELIVERY = "delivery"
    PRODUCT = "product"
    BILLING = "billing"
    RETURN = "return"
    SERVICE = "service"
    ACCOUNT = "account"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    """Waiting for the merchant."""
    WAITING = "waiting"
    """Answered; waiting for the shopper."""
    RESOLVED = "resolved"


class FeedbackSource(StrEnum):
    """Where a complaint or review came from."""

    WIDGET = "widget"
    API = "api"
    """A signed server-side post: a help-desk tool, a review app, the merchant's own code."""
    DASHBOARD = "dashboard"
    SURVEY = "survey"
    DEMO = "demo"


class MessageAuthor(StrEnum):
    SHOPPER = "shopper"
    MERCHANT = "merchant"
    """A reply, mailed to the shopper."""
    NOTE = "note"
    """Internal: never shown or sent to the shopper."""


class FeedbackSettings(Model):
    """The merchant's overrides of ``feedback.settings.FeedbackConfig`` (survey kind, delay,
    frequency, points; response and resolution targets)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.OneToOneRelation[Merchant] = fields.OneToOneField(
        "models.Merchant", related_name="feedback_settings", on_delete=fields.CASCADE
    )
    merchant_id: int
    values: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "feedback_settings"


class Survey(Model):
    """One invitation to answer, for one order, and its answer (one per survey)."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="surveys", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="surveys", on_delete=fields.CASCADE
    )
    profile_id: int
    store_id = fields.IntField(description="the store the order was placed on")
    customer_id = fields.IntField(description="the account the invitation goes to")
    order_id = fields.BigIntField(null=True, description="the fulfilled order it asks about")
    kind = fields.CharEnumField(SurveyKind, max_length=8)
    status = fields.CharEnumField(SurveyStatus, max_length=12, default=SurveyStatus.SCHEDULED)
    reason = fields.CharField(max_length=64, default="", description="why cancelled, in a word")
    send_at = fields.DatetimeField(description="fulfilment plus the merchant's delay")
    sent_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True, description="answers are refused after it")
    answered_at = fields.DatetimeField(null=True)
    score = fields.SmallIntField(null=True, description="0-10 (NPS) or 1-5 (CSAT)")
    comment = fields.TextField(null=True, description="blanked on erasure")
    channel = fields.CharField(max_length=16, default="", description="email link or widget")
    points_paid = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feedback_surveys"
        unique_together = (("merchant", "order_id", "kind"),)
        indexes = (("status", "send_at"), ("merchant_id", "answered_at"), ("profile_id", "status"))


class Complaint(Model):
    """A complaint or request: who, about which order, where it stands and how fast it was handled."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="complaints", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="complaints", on_delete=fields.CASCADE
    )
    profile_id: int
    store_id = fields.IntField(null=True)
    customer_id = fields.IntField(null=True, description="the account replies are mailed to")
    order_id = fields.BigIntField(null=True)
    kind = fields.CharEnumField(ComplaintKind, max_length=12, default=ComplaintKind.COMPLAINT)
    category = fields.CharEnumField(ComplaintCategory, max_length=12, default=ComplaintCategory.OTHER)
    status = fields.CharEnumField(ComplaintStatus, max_length=12, default=ComplaintStatus.OPEN)
    source = fields.CharEnumField(FeedbackSource, max_length=12)
    external_id = fields.CharField(max_length=100, null=True, description="the caller's id: a repeat is the same")
    subject = fields.CharField(max_length=200, default="", description="blanked on erasure")
    assignee = fields.CharField(max_length=100, default="")
    received_at = fields.DatetimeField(description="intake: the clocks start here")
    first_response_at = fields.DatetimeField(null=True, description="the first reply sent to the shopper")
    resolved_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "feedback_complaints"
        unique_together = (("merchant", "external_id"),)
        indexes = (("merchant_id", "status"), ("merchant_id", "received_at"), ("profile_id",))


class ComplaintMessage(Model):
    """The thread: the shopper's words, the merchant's replies (mailed) and internal notes."""

    id = fields.BigIntField(primary_key=True)
    complaint: fields.ForeignKeyRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="messages", on_delete=fields.CASCADE
    )
    complaint_id: int
    author = fields.CharEnumField(MessageAuthor, max_length=12)
    author_name = fields.CharField(max_length=100, default="")
    body = fields.TextField(description="blanked on erasure")
    message_id = fields.BigIntField(null=True, description="the campaign_messages row that mailed a reply")
    created_at = fields.DatetimeField()

    class Meta:
        table = "feedback_complaint_messages"
        indexes = (("complaint_id", "created_at"),)


class Review(Model):
    """A product review posted by a review app or the store (signed), kept with its text."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="reviews", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="reviews", on_delete=fields.CASCADE
    )
    profile_id: int
    store_id = fields.IntField()
    customer_id = fields.IntField()
    review_id = fields.CharField(max_length=100, description="the caller's id: one review, one row")
    product_platform_id = fields.CharField(max_length=64)
    order_platform_id = fields.CharField(max_length=64, null=True)
    rating = fields.SmallIntField(description="1-5")
    title = fields.CharField(max_length=200, default="", description="blanked on erasure")
    body = fields.TextField(default="", description="blanked on erasure")
    source = fields.CharEnumField(FeedbackSource, max_length=12, default=FeedbackSource.API)
    points_paid = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "feedback_reviews"
        unique_together = (("store_id", "review_id"),)
        indexes = (("merchant_id", "created_at"), ("profile_id",))
