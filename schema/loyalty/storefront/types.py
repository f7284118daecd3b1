"""Storefront types of loyalty: the program anyone may read, and the signed-in shopper's own part."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

import strawberry
from tortoise.functions import Count, Sum

from loyalty.models import Entry, EntryKind, Member, Redemption, Referral, ReferralStatus
from loyalty.models import Reward as LoyaltyReward
from loyalty.program import Program
from loyalty.referrals import referral_link
from loyalty.rules import FriendReward, Rules
from loyalty.tiers import progress_of, tier_metrics
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.money import Money
from schema.core.pagination import paginate, paginate_loaded
from schema.loyalty.perks import TierPerk, shopper_perks
from schema.loyalty.storefront.catalog import (
    CATALOG_PAGE,
    ShopperReward,
    ShopperRewardConnection,
    catalog_page,
    next_reward,
)
from schema.loyalty.storefront.referrals import FriendCode, ReferralOffer, friend_code_of
from schema.loyalty.types import (
    BY_COST,
    CODES,
    LEDGER,
    IssuedCode,
    IssuedCodeConnection,
    LedgerEntry,
    LedgerEntryConnection,
    LoyaltyTier,
    PointsBalance,
    Reward,
    RewardConnection,
    TierProgress,
    reward_cost,
)
from store.models import Store

ACTION_TEXT = {
    "signup": "Join the rewards program",
    "birthday": "Celebrate your birthday with us",
    "newsletter": "Subscribe to the newsletter",
    "review": "Review a product you bought",
    "first_order": "Place your first order",
}
WAITING = (ReferralStatus.PENDING, ReferralStatus.REVIEW, ReferralStatus.QUALIFIED)


def storefront_url(store: Store) -> str:
    """Where shoppers browse the store: its domain over https, or the site URL as configured."""
    domain = store.domain.strip().rstrip("/")
    return domain if domain.startswith(("http://", "https://")) else f"https://{domain}"


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


@dataclass(frozen=True)
class Priced:
    """A reward with the points it takes, so a list can be ordered and paged cheapest first."""

    id: int
    cost: int
    reward: LoyaltyReward


async def reward_page(info: StorefrontInfo, window: Window, affordable_with: int | None = None) -> RewardConnection:
    """Active rewards of the merchant, cheapest first; only those ``affordable_with`` points cover, if given."""
    request = window.request(BY_COST)
    rows = await info.context.loaders.loyalty.active_rewards()
    priced = [Priced(id=r.id, cost=reward_cost(r), reward=r) for r in rows]
    if affordable_with is not None:
        priced = [p for p in priced if p.cost <= affordable_with]
    currency = info.context.viewer.store.currency
    return paginate_loaded(priced, BY_COST, request, lambda p: Reward.of(p.reward, currency))


@strawberry.type(description="One way to earn points")
class EarningRule:
    key: str = strawberry.field(description='"purchase", an action name ("signup", "birthday", ...), or "referral"')
    points: int = strawberry.field(description="for purchase: points per one unit of the shop's currency, rounded down")
    description: str = strawberry.field(description="English; widgets localize by key")


@strawberry.type(description="What a referral gives")
class ReferralTerms:
    enabled: bool = strawberry.field(description="whether referrals pay anything")
    friend_points: int = strawberry.field(description="for the friend, on their first order")
    referrer_points: int = strawberry.field(
        description="for the member who referred them, once that order is past its return window"
    )
    friend_reward: FriendReward = strawberry.field(
        default=FriendReward.NONE, description="the friend's welcome code, made on the store where they claim"
    )
    friend_value: Money | None = strawberry.field(default=None, description="money off, for FIXED_AMOUNT")
    friend_percent: Decimal | None = strawberry.field(default=None, description="percent off, for PERCENTAGE")


def earning_rules(rules: Rules, currency: str) -> list[EarningRule]:
    """Purchases first, then the program's actions in its own order, then referrals when they pay."""
    rate = rules.earn_rates.get(currency, Decimal(0))
    whole = int(rate.to_integral_value(rounding=ROUND_FLOOR))
    shown = rate.normalize() if rate else Decimal(0)
    purchase = (
        f"Earn {_points(whole)} for every 1 {currency} spent"
        if rate == whole and rate
        else f"Earn {shown} points for every 1 {currency} spent"
        if rate
        else f"Purchases in {currency} earn no points"
    )
    found = [EarningRule(key="purchase", points=whole, description=purchase)]
    for name, rule in rules.actions.items():
        text = ACTION_TEXT.get(name) or name.replace("_", " ").strip().capitalize()
        found.append(EarningRule(key=name, points=rule.points, description=f"{text}: {_points(rule.points)}"))
    if rules.referral_friend_points or rules.referral_referrer_points:
        found.append(
            EarningRule(
                key="referral",
                points=rules.referral_referrer_points,
                description=f"Refer a friend: {_points(rules.referral_referrer_points)} for you, "
                f"{_points(rules.referral_friend_points)} for them",
            )
        )
    return found


@strawberry.type(description="The loyalty program of this shop: how to earn, the tiers and the rewards")
class LoyaltyProgram:
    rules: strawberry.Private[Rules | None]
    store: strawberry.Private[Store]

    @strawberry.field(description="the program's currency: tier spend is counted in it")
    def currency_code(self) -> str:
        return self.rules.currency if self.rules is not None else self.store.currency

    @strawberry.field(description="purchase first, then actions, then referral")
    def earning_rules(self) -> list[EarningRule]:
        return earning_rules(self.rules, self.store.currency) if self.rules is not None else []

    @strawberry.field(description="ascending")
    def tiers(self) -> list[LoyaltyTier]:
        return [LoyaltyTier.of(t, self.rules) for t in self.rules.tiers] if self.rules is not None else []

    @strawberry.field(description="active rewards, cheapest first (a points-to-cash reward by its minimum)")
    async def rewards(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> RewardConnection:
        return await reward_page(info, Window(first, after, last, before))

    @strawberry.field(description="what referring a friend gives")
    def referral(self) -> ReferralTerms:
        friend = self.rules.referral_friend_points if self.rules is not None else 0
        referrer = self.rules.referral_referrer_points if self.rules is not None else 0
        offer = ReferralOffer.of(self.rules, self.store.currency) if self.rules is not None else None
        return ReferralTerms(
            enabled=bool(friend or referrer or (offer and offer.friend_reward != FriendReward.NONE)),
            friend_points=friend,
            referrer_points=referrer,
            friend_reward=offer.friend_reward if offer else FriendReward.NONE,
            friend_value=offer.friend_value if offer else None,
            friend_percent=offer.friend_percent if offer else None,
        )


def rules_now(program: Program) -> Rules | None:
    return program.rules_now(datetime.now(UTC))


@strawberry.type(description="The shopper's referral code, link and how their referrals went")
class ShopperReferral:
    member: strawberry.Private[Member]
    store: strawberry.Private[Store]
    code: str = strawberry.field(description="the shopper's referral code, for friends to enter")
    by_status: strawberry.Private[asyncio.Future[dict[ReferralStatus, int]] | None] = None

    @strawberry.field(description="the store's storefront with the code, to share")
    def link(self) -> str:
        return referral_link(self.code, storefront_url(self.store))

    @strawberry.field(description="friends who arrived through the code, whatever became of them")
    async def invited(self) -> int:
        return sum((await self._counts()).values())

    @strawberry.field(description="referrals that paid the shopper")
    async def completed(self) -> int:
        return (await self._counts()).get(ReferralStatus.COMPLETED, 0)

    @strawberry.field(
        description="referrals still waiting: for the friend's first order, its return window or a review"
    )
    async def pending(self) -> int:
        counts = await self._counts()
        return sum(counts.get(status, 0) for status in WAITING)

    @strawberry.field(description="the welcome code this shopper got as a referred friend, if any")
    async def friend_code(self) -> FriendCode | None:
        return await friend_code_of(self.member)

    @strawberry.field(description="points the shopper earned by referring friends")
    async def points_earned(self) -> int:
        rows = (
            await Entry.filter(
                profile_id=self.member.profile_id,
                merchant_id=self.member.merchant_id,
                kind=EntryKind.REFERRAL,
                cause="referrer",
            )
            .annotate(total=Sum("available"))
            .group_by("profile_id")
            .values_list("total", flat=True)
        )
        return int(rows[0] or 0) if rows else 0

    async def _counts(self) -> dict[ReferralStatus, int]:
        """Referrals by status, in one statement however many of these fields are asked (they resolve concurrently)."""
        if self.by_status is None:
            self.by_status = asyncio.ensure_future(self._count())
        return await self.by_status

    async def _count(self) -> dict[ReferralStatus, int]:
        rows = (
            await Referral.filter(referrer_id=self.member.profile_id, merchant_id=self.member.merchant_id)
            .annotate(n=Count("id"))
            .group_by("status")
            .values_list("status", "n")
        )
        return {ReferralStatus(status): n for status, n in rows}


@strawberry.type(description="The signed-in shopper's points, tier, perks, history, rewards, codes and referrals")
class ShopperLoyalty:
    member: strawberry.Private[Member]
    store: strawberry.Private[Store]

    @strawberry.field(description="points across all of the merchant's stores")
    def balance(self) -> PointsBalance:
        return PointsBalance.of(self.member)

    @strawberry.field(description="null before the lowest tier")
    async def tier(self, info: StorefrontInfo) -> LoyaltyTier | None:
        rules = rules_now(await info.context.loaders.loyalty.program())
        return LoyaltyTier.named(self.member.tier, rules)

    @strawberry.field(description="the tier after the current one; null at the top")
    async def next_tier(self, info: StorefrontInfo) -> LoyaltyTier | None:
        rules = rules_now(await info.context.loaders.loyalty.program())
        if rules is None:
            return None
        rank = rules.tier_rank(self.member.tier)
        return LoyaltyTier.of(rules.tiers[rank], rules) if rank < len(rules.tiers) else None

    @strawberry.field(description="the tier metric over the tier window, as the program counts it")
    async def tier_progress(self, info: StorefrontInfo) -> TierProgress:
        rules = rules_now(await info.context.loaders.loyalty.program())
        if rules is None or not rules.tiers:
            return TierProgress.empty(rules)
        have = (await tier_metrics([self.member.profile_id], rules, datetime.now(UTC)))[self.member.profile_id]
        return TierProgress.of(progress_of(self.member.tier, rules, have), rules)

    @strawberry.field(description="points history across the merchant's stores, newest first")
    async def ledger(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LedgerEntryConnection:
        request = Window(first, after, last, before).request(LEDGER)
        queryset = Entry.filter(profile_id=self.member.profile_id, merchant_id=self.member.merchant_id)
        return await paginate(queryset, LEDGER, request, LedgerEntry.of)

    @strawberry.field(description="active rewards, cheapest first; affordable: only those the available points cover")
    async def rewards(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        affordable: bool | None = False,
    ) -> RewardConnection:
        limit = max(0, self.member.available) if affordable else None
        return await reward_page(info, Window(first, after, last, before), limit)

    @strawberry.field(
        description="every active reward the shopper may see, locked ones included with what unlocks them, "
        "cheapest first"
    )
    async def catalog(
        self, info: StorefrontInfo, first: int | None = CATALOG_PAGE, after: str | None = None
    ) -> ShopperRewardConnection:
        return await catalog_page(info, self.member, Window(first, after))

    @strawberry.field(description="the cheapest reward only points keep from the shopper (the goal); null if none")
    async def next_reward(self, info: StorefrontInfo) -> ShopperReward | None:
        return await next_reward(info, self.member)

    @strawberry.field(description="discount codes the shopper got on this store, newest first")
    async def codes(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> IssuedCodeConnection:
        request = Window(first, after, last, before).request(CODES)
        queryset = Redemption.filter(
            profile_id=self.member.profile_id, merchant_id=self.member.merchant_id, store_id=self.store.id
        )
        return await paginate(queryset, CODES, request, IssuedCode.of)

    @strawberry.field(
        description="the shopper's tier perks on this store and the merchant's other stores where they have an "
        "account (free shipping: a code bound to them, kept while their tier has it)"
    )
    async def perks(self, info: StorefrontInfo) -> list[TierPerk]:
        return await shopper_perks(info, self.member.profile_id)

    @strawberry.field(description="the shopper's referral code and link, and how their referrals went")
    def referral(self) -> ShopperReferral:
        return ShopperReferral(member=self.member, store=self.store, code=self.member.referral_code)
