"""Inputs of the loyalty mutations on the admin API.

A field left out of ``ProgramRulesInput`` keeps the value of the latest published version
(a partial update), so a form that edits only the tiers sends only ``tiers``. Fields with a
default are nullable, as the published contract has them: null there means the default.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from loyalty.models import RewardKind
from loyalty.rules import ExpiryMode, ReleaseMode, Rounding, TierMetric, TierWindow
from schema.loyalty.admin.rules import RULES_HELP  # also gives the rule modes their GraphQL names
from schema.loyalty.friend_reward import FriendReward


def _help(name: str) -> str:
    return RULES_HELP[name]


@strawberry.input(description="A rate for one currency")
class CurrencyRateInput:
    currency_code: str = strawberry.field(description="ISO 4217, e.g. USD")
    rate: Decimal = strawberry.field(
        description="per one unit of the currency; at least 0 for earn rates, above 0 for exchange rates"
    )


@strawberry.input(description="Points for an action")
class ActionRuleInput:
    name: str = strawberry.field(
        description="lower-case letters, digits and underscores: signup, birthday, first_order, newsletter or a custom event"
    )
    points: int = strawberry.field(description="points each time it counts; at least 0")
    limit: int | None = strawberry.field(default=1, description="times per period; 0 for no limit")
    period_days: int | None = strawberry.field(default=0, description="the period the limit counts over; 0 for ever")


@strawberry.input(description="One tier; tiers are listed lowest first, thresholds strictly ascending")
class TierInput:
    name: str = strawberry.field(description='unique, at most 64 characters; "none" is reserved')
    threshold: Decimal = strawberry.field(description="in tier metric units: program currency, points or orders")
    multiplier: Decimal | None = strawberry.field(
        default=Decimal("1"), description="points on orders are multiplied by this"
    )
    entry_points: int | None = strawberry.field(
        default=0, description="points given the first time a member reaches the tier"
    )
    free_shipping: bool | None = strawberry.field(default=False, description="members of the tier ship free")


@strawberry.input(
    description="The rules of a new version. Every field is optional: a field left out (or null) "
    "keeps the latest version's value, "
    "so this is a partial update of the latest version, not a reset to defaults "
    "(maxPointsPerOrder alone takes null as no cap). A list given replaces the whole list."
)
class ProgramRulesInput:
    currency_code: str | None = strawberry.field(default=strawberry.UNSET, description=_help("currency_code"))
    earn_rates: list[CurrencyRateInput] | None = strawberry.field(
        default=strawberry.UNSET, description=_help("earn_rates")
    )
    exchange_rates: list[CurrencyRateInput] | None = strawberry.field(
        default=strawberry.UNSET, description=_help("exchange_rates")
    )
    rounding: Rounding | None = strawberry.field(default=strawberry.UNSET, description=_help("rounding"))
    after_discounts: bool | None = strawberry.field(default=strawberry.UNSET, description=_help("after_discounts"))
    include_shipping: bool | None = strawberry.field(default=strawberry.UNSET, description=_help("include_shipping"))
    include_tax: bool | None = strawberry.field(default=strawberry.UNSET, description=_help("include_tax"))
    include_gift_cards: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_help("include_gift_cards")
    )
    max_points_per_order: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="the most points one order earns; null removes the cap, leaving it out keeps it",
    )
    actions: list[ActionRuleInput] | None = strawberry.field(default=strawberry.UNSET, description=_help("actions"))
    release: ReleaseMode | None = strawberry.field(default=strawberry.UNSET, description=_help("release"))
    return_window_days: int | None = strawberry.field(default=strawberry.UNSET, description=_help("return_window_days"))
    expiry: ExpiryMode | None = strawberry.field(default=strawberry.UNSET, description=_help("expiry"))
    expiry_months: int | None = strawberry.field(default=strawberry.UNSET, description=_help("expiry_months"))
    reminder_days: int | None = strawberry.field(default=strawberry.UNSET, description=_help("reminder_days"))
    tier_metric: TierMetric | None = strawberry.field(default=strawberry.UNSET, description=_help("tier_metric"))
    tier_window: TierWindow | None = strawberry.field(default=strawberry.UNSET, description=_help("tier_window"))
    tier_grace_days: int | None = strawberry.field(default=strawberry.UNSET, description=_help("tier_grace_days"))
    tiers: list[TierInput] | None = strawberry.field(default=strawberry.UNSET, description=_help("tiers"))
    referral_friend_points: int | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_friend_points")
    )
    referral_referrer_points: int | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_referrer_points")
    )
    referral_cap: int | None = strawberry.field(default=strawberry.UNSET, description=_help("referral_cap"))
    referral_network_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_network_limit")
    )
    referral_friend_reward: FriendReward | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_friend_reward")
    )
    referral_friend_value: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_friend_value")
    )
    referral_friend_minimum: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_friend_minimum")
    )
    referral_friend_code_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=_help("referral_friend_code_days")
    )
    point_value: Decimal | None = strawberry.field(default=strawberry.UNSET, description=_help("point_value"))
    refund_unused_codes: bool | None = strawberry.field(
        default=strawberry.UNSET, description=_help("refund_unused_codes")
    )
    code_valid_days: int | None = strawberry.field(default=strawberry.UNSET, description=_help("code_valid_days"))


@strawberry.input(description="A new version of the program's rules, and when it takes effect")
class ProgramPublishInput:
    rules: ProgramRulesInput = strawberry.field(
        description="what changes; everything left out stays as the latest version has it"
    )
    effective_from: datetime | None = strawberry.field(
        default=None,
        description="when the version takes effect: now (the default) or later, never in the past "
        "nor before the latest version's effectiveFrom; without a time zone, UTC",
    )
    note: str | None = strawberry.field(default="", description="why the rules changed, for the version history")


@strawberry.input(description="A manual credit or debit of a member's points")
class PointsAdjustInput:
    member_id: strawberry.ID = strawberry.field(description="a LoyaltyMember id")
    points: int = strawberry.field(description="a credit (positive) or a debit (negative); not zero")
    reason: str = strawberry.field(description="why, in words the shopper may read in their history; required")
    request_key: str | None = strawberry.field(
        default=None, description="the same key again returns the first adjustment instead of making another"
    )
    allow_debt: bool | None = strawberry.field(default=False, description="let a debit take the balance below zero")


@strawberry.input(description="A new reward; the fields a kind needs are required for it, the other kinds' are refused")
class RewardCreateInput:
    name: str = strawberry.field(description="what shoppers see, 1 to 200 characters")
    kind: RewardKind = strawberry.field(description="what the discount code gives")
    points_cost: int | None = strawberry.field(
        default=None, description="required, above zero, except for POINTS_TO_CASH"
    )
    value: Decimal | None = strawberry.field(
        default=None, description="FIXED_AMOUNT only: money off in the program currency, above zero"
    )
    percent_off: Decimal | None = strawberry.field(default=None, description="PERCENTAGE only: above 0, at most 100")
    min_points: int | None = strawberry.field(
        default=None, description="POINTS_TO_CASH only: the fewest points a shopper may spend"
    )
    max_points: int | None = strawberry.field(
        default=None, description="POINTS_TO_CASH only: the most points, at least minPoints"
    )
    cash_per_point: Decimal | None = strawberry.field(default=None, description="POINTS_TO_CASH only: money per point")
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="FREE_PRODUCT only: a product of one of the merchant's stores"
    )
    minimum_subtotal: Decimal | None = strawberry.field(default=None, description="the order subtotal the code needs")
    valid_days: int | None = strawberry.field(default=90, description="days an issued code stays valid")
    min_tier: str | None = strawberry.field(
        default=None, description="a tier of the program: only it and higher tiers may redeem; null for all"
    )
    value_tiers: list[str] | None = strawberry.field(
        default_factory=list,
        description="insights value tiers (vip, regular, at_risk, lost) that may redeem; empty for all",
    )
    starts_at: datetime | None = strawberry.field(default=None, description="launch: redeemable from then")
    early_tier: str | None = strawberry.field(
        default=None, description="a tier whose members (and higher) may redeem from earlyStartsAt"
    )
    early_starts_at: datetime | None = strawberry.field(
        default=None, description="early access for earlyTier, before startsAt"
    )
    per_member_limit: int | None = strawberry.field(
        default=0, description="redemptions per member in limitPeriodDays; 0 for no limit"
    )
    limit_period_days: int | None = strawberry.field(
        default=0, description="rolling period of perMemberLimit in days; 0 for ever"
    )
    stock: int | None = strawberry.field(default=None, description="codes it may ever issue; null for no limit")


@strawberry.input(
    description="Fields left out keep their value; kind-specific fields apply to rewards of that kind only"
)
class RewardUpdateInput:
    id: strawberry.ID = strawberry.field(description="a Reward id")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 200 characters")
    points_cost: int | None = strawberry.field(
        default=strawberry.UNSET, description="above zero; not for POINTS_TO_CASH"
    )
    value: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="FIXED_AMOUNT only: money off, above zero"
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false takes it off the storefront; codes issued stay valid"
    )
    valid_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="days codes issued from now on stay valid"
    )
    percent_off: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="PERCENTAGE only: above 0, at most 100"
    )
    min_points: int | None = strawberry.field(default=strawberry.UNSET, description="POINTS_TO_CASH only")
    max_points: int | None = strawberry.field(
        default=strawberry.UNSET, description="POINTS_TO_CASH only, at least minPoints"
    )
    cash_per_point: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="POINTS_TO_CASH only: money per point"
    )
    minimum_subtotal: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="null removes the minimum"
    )
    min_tier: str | None = strawberry.field(default=strawberry.UNSET, description="null opens it to every tier")
    value_tiers: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="null or empty opens it to every value tier"
    )
    starts_at: datetime | None = strawberry.field(default=strawberry.UNSET, description="null: redeemable now")
    early_tier: str | None = strawberry.field(default=strawberry.UNSET, description="null removes early access")
    early_starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="null removes early access"
    )
    per_member_limit: int | None = strawberry.field(default=strawberry.UNSET, description="0 for no limit")
    limit_period_days: int | None = strawberry.field(default=strawberry.UNSET, description="0 for ever")
    stock: int | None = strawberry.field(
        default=strawberry.UNSET, description="codes it may ever issue, those issued included; null for no limit"
    )


@strawberry.input(description="The owner's decision on a referral in the review queue")
class ReferralDecideInput:
    referral_id: strawberry.ID = strawberry.field(description="a Referral id")
    approve: bool = strawberry.field(description="true lets the referral pay out; false rejects it")
    reason: str | None = strawberry.field(default="", description="kept with a rejection (at most 200 characters)")


@strawberry.input(description="A URL to send the program's signed events to")
class EventEndpointCreateInput:
    url: str = strawberry.field(description="https; plain http only to 127.0.0.1 or localhost in development")
    kinds: list[str] | None = strawberry.field(default_factory=list, description="event kinds to send; empty for all")


@strawberry.input(description="An event endpoint to forget")
class EventEndpointDeleteInput:
    id: strawberry.ID = strawberry.field(description="an EventEndpoint id")
