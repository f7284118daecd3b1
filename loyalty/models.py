"""The loyalty tables: program versions, members, the ledger, per-order accounts, referrals,
rewards and redemptions, and outgoing events.

A member is a ``Profile`` (one per person per merchant). No personal data lives here: people
are ids, and anything personal (emails, addresses) is read from the store when needed.
Orders and stores are referred to by plain ids so the ledger outlives a store clean-up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from store.models.fields import EncryptedTextField, MoneyField

if TYPE_CHECKING:
    from store.models import Customer, Merchant, Profile


class ProgramVersion(Model):
    """One version of a merchant's program rules, in force from its effective time on."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_versions", on_delete=fields.CASCADE
    )
    merchant_id: int
    number = fields.IntField()
    effective_from = fields.DatetimeField()
    rules: fields.JSONField[Any] = fields.JSONField()
    actor = fields.CharField(max_length=200, default="")
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_program_versions"
        unique_together = (("merchant", "number"),)
        indexes = (Index(fields=("merchant_id", "effective_from")),)


class Member(Model):
    """A profile's cached balances and tier, updated under a row lock with each ledger entry.

    ``available`` below zero is debt from a clawback, paid back by later earnings.
    """

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_members", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.OneToOneRelation[Profile] = fields.OneToOneField(
        "models.Profile", related_name="loyalty_member", on_delete=fields.CASCADE
    )
    profile_id: int
    available = fields.IntField(default=0)
    pending = fields.IntField(default=0)
    lifetime = fields.IntField(default=0, description="points earned net of clawbacks, never lowered by spending")
    tier = fields.CharField(max_length=64, null=True)
    tier_since = fields.DatetimeField(null=True)
    tier_grace_until = fields.DatetimeField(null=True, description="a downgrade waits until then")
    referral_code = fields.CharField(max_length=32, unique=True)
    first_order_at = fields.DatetimeField(null=True)
    last_activity_at = fields.DatetimeField(null=True)
    merged_into_id = fields.IntField(null=True, description="profile id this member was merged into")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loyalty_members"
        # the admin's members list, newest first, whole or by tier: its pages are index range scans
        indexes = (
            Index(fields=("merchant_id", "created_at", "id")),
            Index(fields=("merchant_id", "tier", "created_at", "id")),
        )

    @property
    def debt(self) -> int:
        return max(0, -self.available)


class EntryKind(StrEnum):
    PENDING = "pending"
    EARN = "earn"
    RELEASE = "release"
    CLAWBACK = "clawback"
    REVERSAL = "reversal"
    REDEEM = "redeem"
    REDEEM_REFUND = "redeem_refund"
    EXPIRE = "expire"
    ADJUST = "adjust"
    ACTION = "action"
    REFERRAL = "referral"
    TIER_REWARD = "tier_reward"
    AUTOMATION = "automation"
    """Points an automation granted, before campaigns replaced automations; kept for old entries."""
    CAMPAIGN = "campaign"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class Entry(Model):
    """One append-only ledger line: signed deltas of a member's available, pending and lifetime points."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_entries", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_entries", on_delete=fields.CASCADE
    )
    profile_id: int
    kind = fields.CharEnumField(EntryKind, max_length=16)
    key = fields.CharField(max_length=200, description="idempotency key derived from the cause")
    available = fields.IntField(default=0)
    pending = fields.IntField(default=0)
    lifetime = fields.IntField(default=0)
    order_id = fields.IntField(null=True)
    order_seq = fields.IntField(null=True, description="amount version of the order account")
    store_id = fields.IntField(null=True)
    version_id = fields.IntField(null=True, description="program version whose rules produced the entry")
    cause = fields.CharField(max_length=64, default="", description="action name, refund ids or the like")
    actor = fields.CharField(max_length=200, null=True)
    reason = fields.TextField(null=True)
    data: fields.JSONField[Any] = fields.JSONField(null=True)
    occurred_at = fields.DatetimeField(description="when the cause happened")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_entries"
        unique_together = (("merchant", "key"), ("order_id", "order_seq"))
        indexes = (
            Index(fields=("profile_id", "occurred_at")),
            Index(fields=("merchant_id", "kind", "occurred_at")),
        )


class OrderAccount(Model):
    """What one order has credited so far, under which rules: the base for clawbacks and release."""

    id = fields.IntField(primary_key=True)
    order_id = fields.IntField(unique=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_orders", on_delete=fields.CASCADE
    )
    merchant_id: int
    store_id = fields.IntField()
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_orders", on_delete=fields.CASCADE
    )
    profile_id: int
    version_id = fields.IntField()
    multiplier = fields.DecimalField(max_digits=8, decimal_places=4, default=1)
    placed_at = fields.DatetimeField()
    points = fields.IntField(default=0, description="net points credited for the order")
    pending = fields.IntField(default=0)
    spend = MoneyField(description="net qualifying spend in the program currency")
    counted = fields.BooleanField(default=False, description="counts as an order for tiers")
    release_at = fields.DatetimeField(null=True)
    released_at = fields.DatetimeField(null=True)
    seq = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loyalty_orders"
        indexes = (
            Index(fields=("profile_id", "placed_at")),
            Index(fields=("merchant_id", "release_at")),
        )


class Transfer(Model):
    """Balances moved by a merge of two members, kept so a split can move them back."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_transfers", on_delete=fields.CASCADE
    )
    merchant_id: int
    from_profile_id = fields.IntField()
    to_profile_id = fields.IntField()
    available = fields.IntField()
    pending = fields.IntField()
    lifetime = fields.IntField()
    order_ids: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    reversed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_transfers"
        indexes = (Index(fields=("from_profile_id", "to_profile_id")),)


class ReferralStatus(StrEnum):
    PENDING = "pending"
    REVIEW = "review"
    QUALIFIED = "qualified"
    COMPLETED = "completed"
    REJECTED = "rejected"


class ReferralSource(StrEnum):
    """How a friend's referral was recorded."""

    LINK = "link"
    """A signed-in shopper claimed the code their first visit's ``?ref=`` left in a cookie."""
    CODE = "code"
    """The code was given by hand (an API call, a sign-up form field)."""
    ORDER = "order"
    """The friend's first order carried the referral code as a discount code."""


class FriendCodeStatus(StrEnum):
    """Where the friend's welcome code stands on the platform."""

    NONE = "none"
    ISSUING = "issuing"
    ISSUED = "issued"
    USED = "used"
    FAILED = "failed"


class Referral(Model):
    """A friend brought by a member's code. Rejected ones keep their reason."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_referrals", on_delete=fields.CASCADE
    )
    merchant_id: int
    referrer: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_referrals_made", on_delete=fields.CASCADE
    )
    referrer_id: int
    friend: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_referrals_received", on_delete=fields.CASCADE
    )
    friend_id: int
    status = fields.CharEnumField(ReferralStatus, max_length=16, default=ReferralStatus.PENDING)
    reason = fields.CharField(max_length=200, default="")
    network_key = fields.CharField(max_length=64, null=True, description="keyed hash of the friend's network")
    order_id = fields.IntField(null=True, description="the friend's first order")
    source = fields.CharEnumField(
        ReferralSource,
        max_length=16,
        default=ReferralSource.CODE,
        description="how the friend came: link, code or order",
    )
    store_id = fields.IntField(null=True, description="the store the friend signed up or claimed on")
    friend_code = fields.CharField(max_length=64, null=True, description="the friend's welcome code on that store")
    friend_code_status = fields.CharEnumField(
        FriendCodeStatus,
        max_length=16,
        default=FriendCodeStatus.NONE,
        description="none, issuing, issued, used or failed",
    )
    friend_discount_id = fields.CharField(max_length=200, null=True, description="the platform's id of the code")
    friend_code_error = fields.TextField(null=True)
    friend_code_kind = fields.CharField(max_length=16, null=True, description="what the code gives, as issued")
    friend_code_value = fields.DecimalField(
        max_digits=12, decimal_places=2, null=True, description="money or percent off, as issued"
    )
    friend_code_expires_at = fields.DatetimeField(null=True, description="when the friend's code stops working")
    decided_by = fields.CharField(max_length=200, null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "loyalty_referrals"
        unique_together = (("merchant", "friend"),)
        indexes = (Index(fields=("referrer_id", "status")), Index(fields=("merchant_id", "status")))


class RewardKind(StrEnum):
    FIXED_AMOUNT = "fixed_amount"
    PERCENTAGE = "percentage"
    FREE_SHIPPING = "free_shipping"
    FREE_PRODUCT = "free_product"
    POINTS_TO_CASH = "points_to_cash"


class Reward(Model):
    """A catalog reward. A ``points_to_cash`` reward takes any points between its min and max."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_rewards", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(RewardKind, max_length=16)
    points_cost = fields.IntField(default=0)
    value = MoneyField(description="money off, or percent off for percentage rewards")
    cash_per_point = fields.DecimalField(max_digits=12, decimal_places=6, default=0)
    min_points = fields.IntField(default=0)
    max_points = fields.IntField(default=0)
    product_platform_id = fields.CharField(max_length=80, null=True)
    minimum_subtotal = MoneyField(null=True, default=None)
    valid_days = fields.IntField(default=90)
    active = fields.BooleanField(default=True)
    min_tier = fields.CharField(
        max_length=64, null=True, description="the lowest tier that may redeem it (higher tiers too), null for all"
    )
    value_tiers: fields.JSONField[list[Any]] = fields.JSONField(
        default=list, description="insights value tiers that may redeem it (vip, regular ...), empty for all"
    )
    starts_at = fields.DatetimeField(null=True, description="launch: redeemable and its codes valid from then")
    early_tier = fields.CharField(max_length=64, null=True, description="members of this tier or higher start early")
    early_starts_at = fields.DatetimeField(null=True, description="when the early tier may redeem, before starts_at")
    per_member_limit = fields.IntField(default=0, description="redemptions per member in the period, 0 for no limit")
    limit_period_days = fields.IntField(default=0, description="the period of per_member_limit, 0 for ever")
    stock = fields.IntField(null=True, description="codes that may ever be issued, null for no limit")
    claimed = fields.IntField(default=0, description="codes taken from the stock, failed ones given back")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_rewards"


class RedemptionStatus(StrEnum):
    ISSUING = "issuing"
    ISSUED = "issued"
    FAILED = "failed"
    USED = "used"
    EXPIRED = "expired"


class Redemption(Model):
    """Points spent on a reward and the discount code the store issued for it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_redemptions", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_redemptions", on_delete=fields.CASCADE
    )
    profile_id: int
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "models.Reward", related_name="redemptions", on_delete=fields.RESTRICT
    )
    reward_id: int
    store_id = fields.IntField()
    points = fields.IntField()
    value = MoneyField()
    currency = fields.CharField(max_length=3)
    code = fields.CharField(max_length=64)
    request_key = fields.CharField(max_length=200)
    status = fields.CharEnumField(RedemptionStatus, max_length=16, default=RedemptionStatus.ISSUING)
    platform_discount_id = fields.CharField(max_length=200, null=True)
    error = fields.TextField(null=True)
    expires_at = fields.DatetimeField(null=True)
    starts_at = fields.DatetimeField(null=True, description="the code works from then (early access, a launch)")
    used_order_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loyalty_redemptions"
        unique_together = (("merchant", "code"), ("merchant", "request_key"))
        indexes = (Index(fields=("merchant_id", "status", "expires_at")),)


class PerkKind(StrEnum):
    """A tier's benefit that Rapport keeps on the platform for each member of the tier."""

    FREE_SHIPPING = "free_shipping"


class PerkStatus(StrEnum):
    ISSUING = "issuing"
    ACTIVE = "active"
    REVOKING = "revoking"
    REVOKED = "revoked"
    FAILED = "failed"


class Perk(Model):
    """A tier perk held on one store for one member: a code bound to their account there, created
    when they reach a tier that has it and deleted on the platform when they leave it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_perks", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_perks", on_delete=fields.CASCADE
    )
    profile_id: int
    store_id = fields.IntField()
    kind = fields.CharEnumField(PerkKind, max_length=16)
    tier = fields.CharField(max_length=64, description="the tier that gave it")
    code = fields.CharField(max_length=64)
    status = fields.CharEnumField(PerkStatus, max_length=16, default=PerkStatus.ISSUING)
    platform_discount_id = fields.CharField(max_length=200, null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loyalty_perks"
        unique_together = (("merchant", "code"),)
        indexes = (Index(fields=("profile_id", "status")), Index(fields=("merchant_id", "status")))


class ReferralVisit(Model):
    """A first visit through a member's referral link: counted once per visitor and referrer.
    The visitor is a keyed hash of the widget's random visitor id, never an address."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_referral_visits", on_delete=fields.CASCADE
    )
    merchant_id: int
    referrer: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="loyalty_referral_visits", on_delete=fields.CASCADE
    )
    referrer_id: int
    store_id = fields.IntField()
    visitor_key = fields.CharField(max_length=64)
    network_key = fields.CharField(max_length=64, null=True, description="keyed hash of the visitor's network")
    created_at = fields.DatetimeField()

    class Meta:
        table = "loyalty_referral_visits"
        unique_together = (("merchant", "referrer", "visitor_key"),)
        indexes = (Index(fields=("merchant_id", "created_at")),)


class Endpoint(Model):
    """A merchant-registered URL that receives signed loyalty events."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_endpoints", on_delete=fields.CASCADE
    )
    merchant_id: int
    url = fields.CharField(max_length=1000)
    secret = EncryptedTextField()
    kinds: fields.JSONField[list[Any]] = fields.JSONField(
        default=list, description="event kinds to send, empty for all"
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_endpoints"


class EventKind(StrEnum):
    """What an outgoing event reports; endpoints subscribe to kinds by these values."""

    CAMPAIGN_ENTERED = "campaign.entered"
    POINTS_EARNED = "points.earned"
    POINTS_EXPIRING = "points.expiring"
    REFERRAL_COMPLETED = "referral.completed"
    REWARD_REDEEMED = "reward.redeemed"
    TIER_CHANGED = "tier.changed"


class Event(Model):
    """An outgoing event (the outbox): written in the transaction of the change it reports."""

    id = fields.BigIntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="loyalty_events", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=64)
    key = fields.CharField(max_length=200)
    data: fields.JSONField[Any] = fields.JSONField()
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_events"
        unique_together = (("merchant", "key"),)
        indexes = (Index(fields=("profile_id", "kind")),)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(Model):
    """One event to one endpoint: retried with backoff, kept when it fails, replayable."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id: int
    endpoint: fields.ForeignKeyRelation[Endpoint] = fields.ForeignKeyField(
        "models.Endpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "loyalty_deliveries"
        unique_together = (("event", "endpoint"),)
        indexes = (Index(fields=("status", "next_attempt_at")),)


class AccountLinkCode(Model):
    """A one-time code a signed-in shopper takes from one store to another, so two accounts share
    one balance only when the same person is signed in to both. Only a hash of the code is kept."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="account_link_codes", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="account_link_codes", on_delete=fields.CASCADE
    )
    customer_id: int
    code_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="account_links_redeemed", null=True, on_delete=fields.SET_NULL
    )
    used_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_account_link_codes"
        indexes = (Index(fields=("customer_id", "created_at")),)


class AccountLinkAttempt(Model):
    """A redemption of a link code that failed, counted to rate-limit guessing per account."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="account_link_attempts", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="account_link_attempts", on_delete=fields.CASCADE
    )
    customer_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loyalty_account_link_attempts"
        indexes = (Index(fields=("customer_id", "created_at")),)
