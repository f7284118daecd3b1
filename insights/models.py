"""Insight tables: identity evidence, unified profile facts, segments, predictions, recommendations.

Everything here is derived from the store and can be rebuilt by a refresh, except the
decisions people take (``IdentityDecision``, ``InsightsSettings``) and the privacy audit.
Rows that could identify a person (``ProfileFact``, ``IdentityKey``) are removed by an erasure.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from store.models.fields import MoneyField

if TYPE_CHECKING:
    from store.models import Customer, Merchant, Product, Profile, Store


class IdentityKeyKind(StrEnum):
    """What linked two customers: a shared email or phone, or a similar name and address."""

    EMAIL = "email"
    PHONE = "phone"
    NAME_AND_ADDRESS = "name+address"


class IdentityRuling(StrEnum):
    """An admin's ruling about two customers."""

    DO_NOT_MERGE = "do_not_merge"


class ProfileFactKind(StrEnum):
    """A kind of basic fact about a person."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    BIRTHDAY = "birthday"
    LOCALE = "locale"
    MARKETING_CONSENT = "marketing_consent"


class ValueTier(StrEnum):
    """The at-a-glance value tier: silence decides first, then spend."""

    VIP = "vip"
    REGULAR = "regular"
    AT_RISK = "at_risk"
    LOST = "lost"


class RefreshStatus(StrEnum):
    """How an insights refresh ended (``RUNNING`` while it has not)."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class RefreshKind(StrEnum):
    """A full refresh recomputes every person against everyone; an incremental one only the people
    whose orders or records changed since the last run, against the last full run's reference."""

    FULL = "full"
    INCREMENTAL = "incremental"


class ChurnBand(StrEnum):
    """Churn risk from the probability that the person is still a customer."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class InsightsSettings(Model):
    """A merchant's overrides of the insight defaults (``insights.settings.InsightsConfig``)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.OneToOneRelation[Merchant] = fields.OneToOneField(
        "models.Merchant", related_name="insights_settings", on_delete=fields.CASCADE
    )
    merchant_id: int
    values: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict, description="only the options that differ from the defaults"
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "insights_settings"


class IdentityKey(Model):
    """A normalised identifier of one customer, hashed with the merchant id, to find matches fast."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="identity_keys", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="identity_keys", on_delete=fields.CASCADE
    )
    customer_id: int
    kind = fields.CharField(max_length=16, description="email, phone or block (fuzzy candidates only)")
    digest = fields.CharField(max_length=64)

    class Meta:
        table = "insights_identity_keys"
        indexes = (Index(fields=("merchant_id", "digest")), Index(fields=("customer_id",)))


class MergeEvidence(Model):
    """Why two customers share a profile: the keys they matched on (never the values)."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="merge_evidence", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="merge_evidence", on_delete=fields.CASCADE
    )
    profile_id: int
    customer_a: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="evidence_as_a", on_delete=fields.CASCADE
    )
    customer_a_id: int
    customer_b: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="evidence_as_b", on_delete=fields.CASCADE
    )
    customer_b_id: int
    keys: fields.JSONField[list[Any]] = fields.JSONField(
        default=list, description="key kinds that matched, e.g. email and phone"
    )
    score = fields.FloatField(default=1.0, description="1 for exact keys, the similarity for fuzzy ones")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insights_merge_evidence"
        indexes = (Index(fields=("profile_id",)), Index(fields=("customer_a_id",)), Index(fields=("customer_b_id",)))


class IdentityDecision(Model):
    """An admin's ruling that two customers are different people, so no later run merges them."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="identity_decisions", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer_a: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="decisions_as_a", on_delete=fields.CASCADE
    )
    customer_a_id: int
    customer_b: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="decisions_as_b", on_delete=fields.CASCADE
    )
    customer_b_id: int
    decision = fields.CharField(max_length=16, default=IdentityRuling.DO_NOT_MERGE.value)
    actor = fields.CharField(max_length=100, default="", description="who decided, an account id not a name")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insights_identity_decisions"
        unique_together = (("customer_a", "customer_b"),)
        indexes = (Index(fields=("merchant_id",)),)


class ProfileFact(Model):
    """One value of one basic fact about a person, with the store and time it was seen."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profile_facts", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="insight_facts", on_delete=fields.CASCADE
    )
    profile_id: int
    kind = fields.CharField(
        max_length=32, description="name, email, phone, address, birthday, locale, marketing_consent"
    )
    value: fields.JSONField[Any] = fields.JSONField()
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="profile_facts", on_delete=fields.CASCADE
    )
    store_id: int
    platform = fields.CharField(max_length=16)
    observed_at = fields.DatetimeField(description="platform time of the record the value came from")
    current = fields.BooleanField(default=False, description="the newest value of its kind wins")

    class Meta:
        table = "insights_profile_facts"
        indexes = (Index(fields=("profile_id", "kind")), Index(fields=("merchant_id",)))


class ProfileStats(Model):
    """Transaction facts and preferences of one person across all stores."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profile_stats", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.OneToOneRelation[Profile] = fields.OneToOneField(
        "models.Profile", related_name="insight_stats", on_delete=fields.CASCADE
    )
    profile_id: int
    orders = fields.IntField(default=0)
    refunded_orders = fields.IntField(default=0)
    refund_rate = fields.FloatField(default=0.0, description="share of orders with a refund")
    first_order_at = fields.DatetimeField(null=True)
    last_order_at = fields.DatetimeField(null=True)
    main_currency = fields.CharField(max_length=3, null=True)
    price_sensitivity = fields.FloatField(
        null=True, description="share of spend on discounted orders in the main currency"
    )
    top_categories: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    top_vendors: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    preferred_store: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="insight_preferred_by", null=True, on_delete=fields.SET_NULL
    )
    preferred_store_id: int | None
    sources: fields.JSONField[list[Any]] = fields.JSONField(
        default=list, description="stores the figures come from, with their newest order"
    )
    computed_at = fields.DatetimeField()

    class Meta:
        table = "insights_profile_stats"
        indexes = (Index(fields=("merchant_id",)),)


class ProfileRevenue(Model):
    """Orders and money of one person at one store in one currency."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profile_revenue", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="insight_revenue", on_delete=fields.CASCADE
    )
    profile_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="profile_revenue", on_delete=fields.CASCADE
    )
    store_id: int
    platform = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    orders = fields.IntField()
    revenue = MoneyField(description="order totals")
    refunded = MoneyField()
    discounted_revenue = MoneyField(description="totals of orders that had a discount")
    first_order_at = fields.DatetimeField()
    last_order_at = fields.DatetimeField()

    class Meta:
        table = "insights_profile_revenue"
        unique_together = (("profile", "store", "currency"),)
        indexes = (Index(fields=("merchant_id",)),)


class ProfileSegment(Model):
    """RFM scores (quintiles per merchant and currency), the named segment and the simple tier."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profile_segments", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.OneToOneRelation[Profile] = fields.OneToOneField(
        "models.Profile", related_name="insight_segment", on_delete=fields.CASCADE
    )
    profile_id: int
    currency = fields.CharField(max_length=3)
    recency_days = fields.IntField()
    frequency = fields.IntField()
    monetary = MoneyField()
    r_score = fields.SmallIntField()
    f_score = fields.SmallIntField()
    m_score = fields.SmallIntField()
    segment = fields.CharField(max_length=32)
    tier = fields.CharField(max_length=16, description="vip, regular, at_risk or lost")
    why = fields.CharField(max_length=255, default="", description="one line: the history and how similar people did")
    as_of = fields.DatetimeField()

    class Meta:
        table = "insights_profile_segments"
        indexes = (Index(fields=("merchant_id", "segment")),)


class ClvPrediction(Model):
    """Churn and lifetime value of one person in one currency, with the model that made it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="clv_predictions", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.ForeignKeyRelation[Profile] = fields.ForeignKeyField(
        "models.Profile", related_name="insight_predictions", on_delete=fields.CASCADE
    )
    profile_id: int
    currency = fields.CharField(max_length=3)
    model = fields.CharField(max_length=32, description="mbgnbd+gamma_gamma or heuristic")
    status = fields.CharField(max_length=32, description="data sufficiency, or why the heuristic was used")
    horizon_days = fields.IntField()
    interval_level = fields.FloatField()
    probability_alive = fields.FloatField()
    probability_alive_low = fields.FloatField()
    probability_alive_high = fields.FloatField()
    expected_orders = fields.FloatField()
    expected_orders_low = fields.FloatField()
    expected_orders_high = fields.FloatField()
    expected_order_value = MoneyField()
    clv = MoneyField()
    clv_low = MoneyField()
    clv_high = MoneyField()
    order_probability = fields.FloatField(
        null=True, description="chance of at least one order within the horizon (same model as P(alive))"
    )
    next_order_at = fields.DatetimeField(
        null=True,
        description="median date of the next order; null when an order within the horizon is less likely than not",
    )
    churn_risk = fields.CharField(max_length=8, description="low, medium or high, from probability_alive")
    why = fields.CharField(
        max_length=255, default="", description="one line: the history and the model's chance for it"
    )
    as_of = fields.DatetimeField()

    class Meta:
        table = "insights_clv_predictions"
        unique_together = (("profile", "currency"),)
        indexes = (Index(fields=("merchant_id", "churn_risk")),)


class ProfileRecommendation(Model):
    """The "for you" list of one person, as product ids of their preferred store."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profile_recommendations", on_delete=fields.CASCADE
    )
    merchant_id: int
    profile: fields.OneToOneRelation[Profile] = fields.OneToOneField(
        "models.Profile", related_name="insight_recommendations", on_delete=fields.CASCADE
    )
    profile_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="profile_recommendations", on_delete=fields.CASCADE
    )
    store_id: int
    model = fields.CharField(max_length=32, description="item_knn, or popularity when the history says nothing")
    items: fields.JSONField[list[Any]] = fields.JSONField(default=list, description="product id and score, best first")
    computed_at = fields.DatetimeField()

    class Meta:
        table = "insights_profile_recommendations"
        indexes = (Index(fields=("merchant_id",)),)


class ProductPairing(Model):
    """Products frequently bought together with one product, from the same store and in stock."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="product_pairings", on_delete=fields.CASCADE
    )
    merchant_id: int
    product: fields.OneToOneRelation[Product] = fields.OneToOneField(
        "models.Product", related_name="insight_pairing", on_delete=fields.CASCADE
    )
    product_id: int
    model = fields.CharField(max_length=32)
    items: fields.JSONField[list[Any]] = fields.JSONField(default=list, description="product id and score, best first")
    computed_at = fields.DatetimeField()

    class Meta:
        table = "insights_product_pairings"
        indexes = (Index(fields=("merchant_id",)),)


class RefreshRun(Model):
    """One insights refresh of a merchant: when, how it ended and how long each step took."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="insight_refreshes", on_delete=fields.CASCADE
    )
    merchant_id: int
    status = fields.CharField(
        max_length=16, default=RefreshStatus.RUNNING.value, description="running, complete or failed"
    )
    step_seconds: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    counts: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    error = fields.TextField(null=True)
    as_of = fields.DatetimeField(null=True, description="the day the run took as today")
    warning = fields.TextField(
        null=True, description="why the as-of date is suspect: far past the last order or before the first"
    )
    model_check: fields.JSONField[list[Any]] = fields.JSONField(
        default=list, description="held-out weeks: predicted vs actual repeat orders, per currency"
    )
    kind = fields.CharField(max_length=16, default=RefreshKind.FULL.value, description="full or incremental")
    reference: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict,
        description="what a full run leaves the incremental runs after it: segment cut points, CLV fits",
    )
    read_at = fields.DatetimeField(
        null=True, description="when the run read the orders: the next incremental run takes changes from then"
    )
    settings_digest = fields.CharField(
        max_length=64, default="", description="the insights settings the run used: a change calls for a full run"
    )
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "insights_refresh_runs"
        indexes = (Index(fields=("merchant_id", "started_at")),)


class PrivacyAudit(Model):
    """Every export and erasure: who, what and when, and counts only, never personal data.

    Plain ids rather than foreign keys, so the trail outlives the store or profile it names.
    """

    id = fields.IntField(primary_key=True)
    merchant_id = fields.IntField()
    action = fields.CharField(max_length=32, description="export, erase or redact_store")
    subject = fields.CharField(max_length=16, description="profile or store")
    subject_id = fields.IntField()
    actor = fields.CharField(max_length=100, description="an account or system id, not a name")
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, description="row counts per table")
    at = fields.DatetimeField()

    class Meta:
        table = "insights_privacy_audit"
        indexes = (Index(fields=("merchant_id", "at")),)


class InsightModel(Model):
    """A trained model a full refresh leaves for the incremental runs after it (e.g. the
    recommender's item neighbours), in the database: every web and worker process can read it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="insight_models", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=32, description="which model: recommender")
    payload = fields.BinaryField(description="the model's state, as the model serialises it")
    run: fields.ForeignKeyNullableRelation[RefreshRun] = fields.ForeignKeyField(
        "models.RefreshRun", related_name="models", null=True, on_delete=fields.SET_NULL
    )
    run_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "insights_models"
        unique_together = (("merchant_id", "name"),)
