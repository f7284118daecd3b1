"""Loyalty shapes both schemas share: balances, tiers, progress, rewards, ledger entries, codes.

The storefront and admin schemas are separate, but these classes appear in both with the same
names and fields. Relations resolve through ``info.context.loaders.loyalty`` (a
``schema.loyalty.dataloaders.LoyaltyLoaders``), which each endpoint builds per request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from loyalty import models as lm
from loyalty.eligibility import stock_left
from loyalty.rules import Rules, Tier, TierMetric
from loyalty.tiers import Progress
from schema.core.batching import present
from schema.core.ids import to_gid
from schema.core.money import Money
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering
from schema.loyalty.dataloaders import LoyaltyLoaders
from schema.loyalty.descriptions import describe

LEDGER = Ordering("occurred_at")
"""Ledger entries newest first (by when their cause happened, id breaking ties)."""
CODES = Ordering("created_at")
"""Issued codes newest first."""
BY_COST = Ordering("cost", descending=False, is_time=False)
"""Rewards cheapest first (a points-to-cash reward by its minimum)."""


def loyalty_loaders(info: strawberry.Info) -> LoyaltyLoaders:
    return info.context.loaders.loyalty


strawberry.enum(TierMetric, name="TierMetric", description="What a program's tiers are measured in")
strawberry.enum(lm.RewardKind, name="RewardKind")
strawberry.enum(lm.EntryKind, name="LedgerEntryKind", description="What caused a ledger entry")
strawberry.enum(lm.RedemptionStatus, name="CodeStatus", description="Where an issued discount code stands")


@strawberry.type(description="A member's points: spendable now, waiting for release, and earned in all")
class PointsBalance:
    available: int = strawberry.field(description="spendable now; below zero is debt from a refund")
    pending: int = strawberry.field(description="earned, released after the return window")
    lifetime: int = strawberry.field(description="earned net of clawbacks, never lowered by spending")

    @classmethod
    def of(cls, member: lm.Member | None) -> PointsBalance:
        if member is None:
            return cls(available=0, pending=0, lifetime=0)
        return cls(available=member.available, pending=member.pending, lifetime=member.lifetime)


@strawberry.type(description="A tier of the program")
class LoyaltyTier:
    name: str = strawberry.field(description="as the merchant named it, e.g. Gold")
    threshold: Decimal = strawberry.field(description="in tier metric units (spend is program currency)")
    metric: TierMetric = strawberry.field(description="what the threshold counts")
    multiplier: Decimal = strawberry.field(description="points earned on orders are multiplied by this")
    entry_points: int = strawberry.field(description="points given the first time a member reaches the tier")
    free_shipping: bool = strawberry.field(description="members of the tier ship for free")

    @classmethod
    def of(cls, tier: Tier, rules: Rules) -> LoyaltyTier:
        return cls(
            name=tier.name,
            threshold=tier.threshold,
            metric=rules.tier_metric,
            multiplier=tier.multiplier,
            entry_points=tier.entry_points,
            free_shipping=tier.free_shipping,
        )

    @classmethod
    def named(cls, name: str | None, rules: Rules | None) -> LoyaltyTier | None:
        tier = rules.tier(name) if rules is not None else None
        return cls.of(tier, rules) if tier is not None and rules is not None else None


@strawberry.type(description="How far a member is from the next tier")
class TierProgress:
    metric: TierMetric = strawberry.field(description="what current and the thresholds count")
    current: Decimal = strawberry.field(description="the member's metric over the tier window")
    next_threshold: Decimal | None = strawberry.field(description="null at the top tier")
    remaining: Decimal | None = strawberry.field(description="null at the top tier")
    fraction: float = strawberry.field(
        description="0..1 progress from the current tier's threshold to the next (1.0 at the top)"
    )

    @classmethod
    def of(cls, progress: Progress, rules: Rules) -> TierProgress:
        """From loyalty's own ``tiers.tier_progress``, so both schemas agree with the engine."""
        metric = progress.metric
        nxt = rules.tier(progress.next_tier)
        if nxt is None:
            return cls(metric=metric, current=progress.have, next_threshold=None, remaining=None, fraction=1.0)
        here = rules.tier(progress.tier)
        floor = here.threshold if here is not None else Decimal(0)
        span = nxt.threshold - floor
        fraction = 1.0 if span <= 0 else float(min(Decimal(1), max(Decimal(0), (progress.have - floor) / span)))
        return cls(
            metric=metric,
            current=progress.have,
            next_threshold=nxt.threshold,
            remaining=progress.need,
            fraction=fraction,
        )

    @classmethod
    def empty(cls, rules: Rules | None) -> TierProgress:
        """No program yet, or a program without tiers: nothing to progress towards."""
        metric = rules.tier_metric if rules is not None else TierMetric.SPEND
        return cls(metric=metric, current=Decimal(0), next_threshold=None, remaining=None, fraction=1.0)


def plain(value: Decimal | float | str) -> Decimal:
    """A stored decimal without its column's padding: ``10.0000`` reads ``10``, ``0.010000`` reads ``0.01``."""
    number = Decimal(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def reward_cost(row: lm.Reward) -> int:
    """Points a reward takes at least: its cost, or a points-to-cash reward's minimum."""
    return row.min_points if row.kind == lm.RewardKind.POINTS_TO_CASH else row.points_cost


@strawberry.type(description="A reward shoppers spend points on")
class Reward(Node):
    row: strawberry.Private[lm.Reward]
    currency: strawberry.Private[str]
    name: str = strawberry.field(description='as shoppers see it, e.g. "$5 off"')
    kind: lm.RewardKind = strawberry.field(description="what the discount code gives")
    points_cost: int = strawberry.field(description="points it takes; for POINTS_TO_CASH, minPoints")
    active: bool = strawberry.field(description="inactive rewards cannot be redeemed; issued codes keep them")

    @strawberry.field(description="money off (FIXED_AMOUNT; POINTS_TO_CASH: per minPoints); null otherwise")
    def value(self) -> Money | None:
        if self.row.kind == lm.RewardKind.FIXED_AMOUNT:
            return Money.of(Decimal(self.row.value), self.currency)
        if self.row.kind == lm.RewardKind.POINTS_TO_CASH:
            return Money.of(Decimal(self.row.min_points) * Decimal(self.row.cash_per_point), self.currency)
        return None

    @strawberry.field(description="percent off, PERCENTAGE only")
    def percent_off(self) -> Decimal | None:
        return plain(self.row.value) if self.row.kind == lm.RewardKind.PERCENTAGE else None

    @strawberry.field(description="POINTS_TO_CASH only")
    def min_points(self) -> int | None:
        return self.row.min_points if self.row.kind == lm.RewardKind.POINTS_TO_CASH else None

    @strawberry.field(description="POINTS_TO_CASH only")
    def max_points(self) -> int | None:
        return self.row.max_points if self.row.kind == lm.RewardKind.POINTS_TO_CASH else None

    @strawberry.field(description="money per point, POINTS_TO_CASH only")
    def cash_per_point(self) -> Decimal | None:
        return plain(self.row.cash_per_point) if self.row.kind == lm.RewardKind.POINTS_TO_CASH else None

    @strawberry.field(description="the order subtotal the code needs, if any")
    def minimum_subtotal(self) -> Money | None:
        if self.row.minimum_subtotal is None:
            return None
        return Money.of(Decimal(self.row.minimum_subtotal), self.currency)

    @strawberry.field(description="the lowest loyalty tier that may redeem it (higher tiers too); null for all")
    def min_tier(self) -> str | None:
        return self.row.min_tier

    @strawberry.field(
        description="insights value tiers (vip, regular, at_risk, lost) that may redeem it; empty for everyone"
    )
    def value_tiers(self) -> list[str]:
        return list(self.row.value_tiers or [])

    @strawberry.field(description="launch: redeemable (and its codes valid) from then; null for now")
    def starts_at(self) -> datetime | None:
        return self.row.starts_at

    @strawberry.field(description="members of this tier or higher may redeem it from earlyStartsAt")
    def early_tier(self) -> str | None:
        return self.row.early_tier

    @strawberry.field(description="when earlyTier may redeem it, before startsAt")
    def early_starts_at(self) -> datetime | None:
        return self.row.early_starts_at

    @strawberry.field(description="redemptions per member in limitPeriodDays; 0 for no limit")
    def per_member_limit(self) -> int:
        return self.row.per_member_limit

    @strawberry.field(description="the rolling period of perMemberLimit in days; 0 for ever")
    def limit_period_days(self) -> int:
        return self.row.limit_period_days

    @strawberry.field(description="codes it may ever issue; null for no limit")
    def stock(self) -> int | None:
        return self.row.stock

    @strawberry.field(description="codes still left of the stock; null for no limit")
    def stock_left(self) -> int | None:
        return stock_left(self.row)

    @classmethod
    def of(cls, row: lm.Reward, currency: str) -> Reward:
        """``currency``: the store's where the reward is redeemed, the program's on the admin side."""
        return cls(
            id=to_gid("Reward", row.id),
            row=row,
            currency=currency,
            name=row.name,
            kind=lm.RewardKind(row.kind),
            points_cost=reward_cost(row),
            active=row.active,
        )


@strawberry.type(description="One line of a member's points history")
class LedgerEntry(Node):
    row: strawberry.Private[lm.Entry]
    kind: lm.EntryKind = strawberry.field(description="what caused it; widgets localize by it")
    points: int = strawberry.field(description="change to available points")
    pending: int = strawberry.field(description="change to pending points")
    reason: str | None = strawberry.field(description="the reason given for a manual adjustment")
    occurred_at: datetime = strawberry.field(description="when its cause happened")

    @strawberry.field(description='plain English, e.g. "Order #1042", "Redeemed $5 off", "Manual adjustment"')
    async def description(self, info: strawberry.Info) -> str:
        return await describe(self.row, loyalty_loaders(info))

    @classmethod
    def of(cls, row: lm.Entry) -> LedgerEntry:
        return cls(
            id=to_gid("LedgerEntry", row.id),
            row=row,
            kind=lm.EntryKind(row.kind),
            points=row.available,
            pending=row.pending,
            reason=row.reason,
            occurred_at=row.occurred_at,
        )


async def store_name_of(info: strawberry.Info, store_id: int) -> str:
    """The name a shopper knows a store by (its domain when it has none)."""
    store = present(await loyalty_loaders(info).store.load(store_id))
    return store.name or store.domain


async def store_url_of(info: strawberry.Info, store_id: int) -> str:
    """The store's storefront, where a code is used."""
    from schema.loyalty.storefront.types import storefront_url  # that module builds on this one

    return storefront_url(present(await loyalty_loaders(info).store.load(store_id)))


@strawberry.type(description="A discount code a member got for a reward")
class IssuedCode(Node):
    row: strawberry.Private[lm.Redemption]
    code: str = strawberry.field(description="what the shopper types at checkout")
    status: lm.RedemptionStatus = strawberry.field(
        description="issued codes are usable; failed ones gave the points back"
    )
    points: int = strawberry.field(description="points spent on it")
    expires_at: datetime | None = strawberry.field(description="when the store stops accepting it")
    created_at: datetime = strawberry.field(description="when it was redeemed")

    @strawberry.field(
        description="money off; for percent rewards the amount is the percent, in the store's currency code"
    )
    def value(self) -> Money:
        return Money.of(Decimal(self.row.value), self.row.currency)

    @strawberry.field(description="the reward it was issued for")
    async def reward(self, info: strawberry.Info) -> Reward:
        row = await loyalty_loaders(info).reward.load(self.row.reward_id)
        return Reward.of(present(row), self.row.currency)

    @strawberry.field(description="what the code gives, as its reward's kind")
    async def kind(self, info: strawberry.Info) -> lm.RewardKind:
        row = await loyalty_loaders(info).reward.load(self.row.reward_id)
        return lm.RewardKind(present(row).kind)

    @strawberry.field(description="when the code starts to work (early access, a launch); null for at once")
    def starts_at(self) -> datetime | None:
        return self.row.starts_at

    @strawberry.field(description="the store the code is valid on")
    async def store_name(self, info: strawberry.Info) -> str:
        return await store_name_of(info, self.row.store_id)

    @strawberry.field(description="that store's storefront, where the code is used")
    async def store_url(self, info: strawberry.Info) -> str:
        return await store_url_of(info, self.row.store_id)

    @classmethod
    def of(cls, row: lm.Redemption) -> IssuedCode:
        return cls(
            id=to_gid("IssuedCode", row.id),
            row=row,
            code=row.code,
            status=lm.RedemptionStatus(row.status),
            points=row.points,
            expires_at=row.expires_at,
            created_at=row.created_at,
        )


RewardConnection = Connection[Reward]
"""Named ``RewardConnection`` by strawberry; use this alias rather than subclassing, so both schemas share it."""
LedgerEntryConnection = Connection[LedgerEntry]
IssuedCodeConnection = Connection[IssuedCode]
