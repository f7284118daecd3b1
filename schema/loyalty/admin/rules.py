"""Admin types of the program's settings: the program as the owner configures it, every version
of its rules (typed), its rewards, and members per tier."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from tortoise.functions import Count

from loyalty.models import Member, ProgramVersion, Reward
from loyalty.rules import ExpiryMode, ReleaseMode, Rounding, Rules, TierMetric, TierWindow
from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate
from schema.loyalty.friend_reward import FriendReward
from schema.loyalty.types import LoyaltyTier
from schema.loyalty.types import Reward as RewardNode

VERSIONS = Ordering("number", is_time=False)
"""Versions newest first."""
REWARDS = Ordering("created_at", descending=False)
"""Rewards in the order they were created, as the owner set them up."""


strawberry.enum(Rounding, name="Rounding", description="How fractional points on an order are rounded")
strawberry.enum(ReleaseMode, name="ReleaseMode", description="When an order's pending points become available")
strawberry.enum(ExpiryMode, name="ExpiryMode", description="How points expire")
strawberry.enum(TierWindow, name="TierWindow", description="The period a member's tier metric is counted over")


@strawberry.type(description="A rate per currency")
class CurrencyRate:
    currency_code: str = strawberry.field(description="ISO 4217")
    rate: Decimal = strawberry.field(description="per one unit of the currency")


@strawberry.type(description="Points for an action (sign-up, birthday, a custom event)")
class ActionRule:
    name: str = strawberry.field(description="signup, birthday, first_order, newsletter or a custom event's name")
    points: int = strawberry.field(description="points each time it counts")
    limit: int = strawberry.field(description="times per period; 0 for no limit")
    period_days: int = strawberry.field(description="the period the limit counts over; 0 for ever")


def _rates(rates: dict[str, Decimal] | object) -> list[CurrencyRate]:
    assert isinstance(rates, dict)
    return [CurrencyRate(currency_code=code, rate=rate) for code, rate in sorted(rates.items())]


RULES_HELP = {
    "currency_code": "the program currency (ISO 4217): tier spend, liability and economics are stated in it",
    "earn_rates": "points per unit of each store currency; a currency without a rate earns nothing",
    "exchange_rates": "units of program currency per unit of another store currency, for tier spend",
    "rounding": "how fractional points on an order are rounded",
    "after_discounts": "points are earned on what the order costs after its discounts",
    "include_shipping": "shipping earns points too",
    "include_tax": "tax earns points too",
    "include_gift_cards": "gift cards bought earn points too",
    "max_points_per_order": "the most points one order earns; null for no cap",
    "actions": "points for actions: signup, birthday, first_order, newsletter or custom events",
    "release": "when an order's pending points become available",
    "return_window_days": "days after an order its points stay pending (RETURN_WINDOW release)",
    "expiry": "how points expire: never, oldest first after expiryMonths, or all after expiryMonths without activity",
    "expiry_months": "months after which points expire (when expiry is not NONE)",
    "reminder_days": "days before expiry a reminder event goes out",
    "tier_metric": "what tiers are measured in",
    "tier_window": "the period the tier metric is counted over",
    "tier_grace_days": "a downgrade waits this long after a member stops qualifying",
    "tiers": "lowest first; thresholds strictly ascending, names unique",
    "referral_friend_points": "points for the friend on their first order; 0 with the referrer's 0 turns referrals off",
    "referral_referrer_points": "points for the referrer once the friend's first order is past its return window",
    "referral_cap": "referrals per referrer; 0 for no cap",
    "referral_network_limit": "referrals of one referrer from one network within 30 days before the next goes to review",
    "referral_friend_reward": "the welcome code a referred friend gets on the store where they claim: NONE for points only",
    "referral_friend_value": "money off (store currency) or percent off of the friend's code",
    "referral_friend_minimum": "the order subtotal the friend's code needs; null for none",
    "referral_friend_code_days": "days the friend's code stays valid",
    "point_value": "money (program currency) one point is worth, for the liability",
    "refund_unused_codes": "an unused code that expires gives its points back",
    "code_valid_days": "days an issued code stays valid when the reward does not say",
}
"""What each rule means, for both the rules shown and the rules input."""


def _help(name: str) -> str:
    return RULES_HELP[name]


@strawberry.type(description="A program's rules as one version states them")
class ProgramRules:
    currency_code: str = strawberry.field(description=_help("currency_code"))
    earn_rates: list[CurrencyRate] = strawberry.field(description=_help("earn_rates"))
    exchange_rates: list[CurrencyRate] = strawberry.field(description=_help("exchange_rates"))
    rounding: Rounding = strawberry.field(description=_help("rounding"))
    after_discounts: bool = strawberry.field(description=_help("after_discounts"))
    include_shipping: bool = strawberry.field(description=_help("include_shipping"))
    include_tax: bool = strawberry.field(description=_help("include_tax"))
    include_gift_cards: bool = strawberry.field(description=_help("include_gift_cards"))
    max_points_per_order: int | None = strawberry.field(description=_help("max_points_per_order"))
    actions: list[ActionRule] = strawberry.field(description=_help("actions"))
    release: ReleaseMode = strawberry.field(description=_help("release"))
    return_window_days: int = strawberry.field(description=_help("return_window_days"))
    expiry: ExpiryMode = strawberry.field(description=_help("expiry"))
    expiry_months: int = strawberry.field(description=_help("expiry_months"))
    reminder_days: int = strawberry.field(description=_help("reminder_days"))
    tier_metric: TierMetric = strawberry.field(description=_help("tier_metric"))
    tier_window: TierWindow = strawberry.field(description=_help("tier_window"))
    tier_grace_days: int = strawberry.field(description=_help("tier_grace_days"))
    tiers: list[LoyaltyTier] = strawberry.field(description=_help("tiers"))
    referral_friend_points: int = strawberry.field(description=_help("referral_friend_points"))
    referral_referrer_points: int = strawberry.field(description=_help("referral_referrer_points"))
    referral_cap: int = strawberry.field(description=_help("referral_cap"))
    referral_network_limit: int = strawberry.field(description=_help("referral_network_limit"))
    referral_friend_reward: FriendReward = strawberry.field(description=_help("referral_friend_reward"))
    referral_friend_value: Decimal = strawberry.field(description=_help("referral_friend_value"))
    referral_friend_minimum: Decimal | None = strawberry.field(description=_help("referral_friend_minimum"))
    referral_friend_code_days: int = strawberry.field(description=_help("referral_friend_code_days"))
    point_value: Decimal = strawberry.field(description=_help("point_value"))
    refund_unused_codes: bool = strawberry.field(description=_help("refund_unused_codes"))
    code_valid_days: int = strawberry.field(description=_help("code_valid_days"))

    @classmethod
    def of(cls, rules: Rules) -> ProgramRules:
        return cls(
            currency_code=rules.currency,
            earn_rates=_rates(dict(rules.earn_rates)),
            exchange_rates=_rates(dict(rules.exchange_rates)),
            rounding=rules.rounding,
            after_discounts=rules.after_discounts,
            include_shipping=rules.include_shipping,
            include_tax=rules.include_tax,
            include_gift_cards=rules.include_gift_cards,
            max_points_per_order=rules.max_points_per_order,
            actions=[
                ActionRule(name=name, points=a.points, limit=a.limit, period_days=a.period_days)
                for name, a in rules.actions.items()
            ],
            release=rules.release,
            return_window_days=rules.return_window_days,
            expiry=rules.expiry,
            expiry_months=rules.expiry_months,
            reminder_days=rules.reminder_days,
            tier_metric=rules.tier_metric,
            tier_window=rules.tier_window,
            tier_grace_days=rules.tier_grace_days,
            tiers=[LoyaltyTier.of(t, rules) for t in rules.tiers],
            referral_friend_points=rules.referral_friend_points,
            referral_referrer_points=rules.referral_referrer_points,
            referral_cap=rules.referral_cap,
            referral_network_limit=rules.referral_network_limit,
            referral_friend_reward=rules.referral_friend_reward,
            referral_friend_value=rules.referral_friend_value,
            referral_friend_minimum=rules.referral_friend_minimum,
            referral_friend_code_days=rules.referral_friend_code_days,
            point_value=rules.point_value,
            refund_unused_codes=rules.refund_unused_codes,
            code_valid_days=rules.code_valid_days,
        )


@strawberry.type(name="ProgramVersion", description="One published version of the program's rules")
class ProgramVersionNode(Node):
    number: int = strawberry.field(description="1 for the first version, then one up per publish")
    effective_from: datetime = strawberry.field(description="orders placed from then on earn under these rules")
    note: str = strawberry.field(description="why the rules changed")
    actor: str = strawberry.field(description="who published it (an admin credential, never a name)")
    created_at: datetime = strawberry.field(description="when it was published")
    rules: ProgramRules = strawberry.field(description="every rule, typed, as this version states it")

    @classmethod
    def of(cls, row: ProgramVersion) -> ProgramVersionNode:
        return cls(
            id=to_gid("ProgramVersion", row.id),
            number=row.number,
            effective_from=row.effective_from,
            note=row.note,
            actor=row.actor,
            created_at=row.created_at,
            rules=ProgramRules.of(Rules.from_json(row.rules)),
        )


@strawberry.type(description="How many members hold a tier")
class TierCount:
    tier: str | None = strawberry.field(description="the tier's name; null for members without a tier")
    members: int = strawberry.field(description="members holding it now (merged ones left out)")


async def program_currency(info: AdminInfo) -> str:
    """The currency of the rules in force now (of the defaults before the first publish)."""
    rules = (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC))
    return (rules or Rules()).currency


@strawberry.type(description="The merchant's one loyalty program, across every store")
class LoyaltyProgramAdmin:
    @strawberry.field(description="the currency of the rules in force now")
    async def currency_code(self, info: AdminInfo) -> str:
        return await program_currency(info)

    @strawberry.field(description="the version in force now; null until the first publish")
    async def current(self, info: AdminInfo) -> ProgramVersionNode | None:
        program = await info.context.loaders.loyalty.program()
        version = program.at(datetime.now(UTC)) or program.current
        return await _version(version.id) if version is not None else None

    @strawberry.field(
        description="the newest version, which may take effect later than now; programPublish starts from it"
    )
    async def latest(self, info: AdminInfo) -> ProgramVersionNode | None:
        row = await ProgramVersion.filter(merchant_id=info.context.viewer.merchant_id).order_by("-number").first()
        return ProgramVersionNode.of(row) if row is not None else None

    @strawberry.field(description="every published version, newest first")
    async def versions(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProgramVersionNode]:
        request = Window(first, after, last, before).request(VERSIONS)
        queryset = ProgramVersion.filter(merchant_id=info.context.viewer.merchant_id)
        return await paginate(queryset, VERSIONS, request, ProgramVersionNode.of)

    @strawberry.field(
        description="the rewards catalog in the order it was set up; active ones only unless includeInactive"
    )
    async def rewards(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        include_inactive: bool | None = False,
    ) -> Connection[RewardNode]:
        request = Window(first, after, last, before).request(REWARDS)
        queryset = Reward.filter(merchant_id=info.context.viewer.merchant_id)
        if not include_inactive:
            queryset = queryset.filter(active=True)
        currency = await program_currency(info)
        return await paginate(queryset, REWARDS, request, lambda row: RewardNode.of(row, currency))

    @strawberry.field(
        description="members per tier: every tier of the rules in force now (lowest first), "
        "then tiers members keep from older rules, then members without a tier"
    )
    async def tier_counts(self, info: AdminInfo) -> list[TierCount]:
        rows = (
            await Member.filter(merchant_id=info.context.viewer.merchant_id, merged_into_id=None)
            .annotate(n=Count("id"))
            .group_by("tier")
            .values_list("tier", "n")
        )
        counts = {tier: int(n) for tier, n in rows}
        rules = (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC)) or Rules()
        names = [t.name for t in rules.tiers]
        names += sorted(t for t in counts if t is not None and t not in names)
        return [TierCount(tier=name, members=counts.get(name, 0)) for name in [*names, None]]


async def _version(version_id: int) -> ProgramVersionNode:
    return ProgramVersionNode.of(await ProgramVersion.get(id=version_id))
