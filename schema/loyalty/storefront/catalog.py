"""The catalog as one shopper sees it: every active reward, locked ones included with what unlocks
them, and the next reward to aim for.

The locks come from ``loyalty.eligibility`` (the rules ``redeem`` enforces); the shopper's value
tier is insights', read here through a DataLoader and handed to loyalty as a plain string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import strawberry

from loyalty import eligibility
from loyalty.eligibility import Lock, RewardLockReason, Usage
from loyalty.models import Member
from loyalty.models import Reward as LoyaltyReward
from loyalty.rewards import usages
from loyalty.rules import Rules
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.pagination import Connection, paginate_loaded
from schema.loyalty.types import BY_COST, Reward, reward_cost

strawberry.enum(
    RewardLockReason,
    name="RewardLockReason",
    description="Why a shopper cannot redeem a reward now: TIER, VALUE_TIER (a customer segment), NOT_YET "
    "(a launch), MEMBER_LIMIT, OUT_OF_STOCK or POINTS",
)

CATALOG_PAGE = 20


@strawberry.type(description="One reason a reward is locked for this shopper, with what unlocks it")
class RewardLock:
    reason: RewardLockReason
    message: str = strawberry.field(description='English, e.g. "Reach Gold to unlock"; widgets localize by reason')
    tier: str | None = strawberry.field(description="TIER: the tier to reach; NOT_YET: the tier that starts early")
    value_tiers: list[str] | None = strawberry.field(description="VALUE_TIER: the value tiers it is kept for")
    until: datetime | None = strawberry.field(description="NOT_YET: when it opens; MEMBER_LIMIT: when one frees up")
    points_to_go: int | None = strawberry.field(description="POINTS: points still needed")

    @classmethod
    def of(cls, lock: Lock) -> RewardLock:
        return cls(
            reason=lock.reason,
            message=lock.message,
            tier=lock.tier,
            value_tiers=list(lock.value_tiers) if lock.value_tiers else None,
            until=lock.until,
            points_to_go=lock.points_to_go,
        )


@strawberry.type(description="A reward as this shopper sees it")
class ShopperReward:
    reward: Reward
    available: bool = strawberry.field(description="redeemable now by this shopper (no lock)")
    locks: list[RewardLock] = strawberry.field(description="every reason it is locked, POINTS last")
    points_to_go: int = strawberry.field(
        description="points still needed for its cost (a slider's minimum); 0 when affordable"
    )
    max_points: int | None = strawberry.field(
        description="POINTS_TO_CASH: the most this shopper may spend now, the reward's maxPoints or the balance"
    )
    starts_at: datetime | None = strawberry.field(
        description="when this shopper may redeem it and its code works (early access or the launch); null for now"
    )
    early_access: bool = strawberry.field(description="the shopper's tier opens it before its launch")


ShopperRewardConnection = Connection[ShopperReward]


@dataclass(frozen=True)
class Seen:
    """A reward and its locks for one shopper, ordered cheapest first like the catalog."""

    id: int
    cost: int
    reward: LoyaltyReward
    locks: tuple[Lock, ...]


@dataclass(frozen=True)
class ShopperView:
    """What the catalog needs to know of the shopper, read once per request."""

    member: Member
    rules: Rules | None
    value_tier: str | None
    usage: dict[int, Usage]
    now: datetime

    def see(self, row: LoyaltyReward) -> Seen:
        found = eligibility.locks(
            row, self.member, self.rules, self.value_tier, self.now, self.usage.get(row.id, eligibility.NO_USAGE)
        )
        return Seen(id=row.id, cost=reward_cost(row), reward=row, locks=tuple(found))

    def shown(self, seen: Seen, currency: str) -> ShopperReward:
        tier = self.member.tier
        return ShopperReward(
            reward=Reward.of(seen.reward, currency),
            available=not seen.locks,
            locks=[RewardLock.of(lock) for lock in seen.locks],
            points_to_go=eligibility.points_to_go(seen.reward, self.member),
            max_points=eligibility.max_points(seen.reward, self.member),
            starts_at=_future(eligibility.starts_for(seen.reward, tier, self.rules), self.now),
            early_access=eligibility.early_access(seen.reward, tier, self.rules, self.now),
        )


def _future(when: datetime | None, now: datetime) -> datetime | None:
    return when if when is not None and when > now else None


async def shopper_view(info: StorefrontInfo, member: Member) -> tuple[ShopperView, list[Seen]]:
    """The shopper's view of every active reward."""
    loaders = info.context.loaders.loyalty
    now = datetime.now(UTC)
    rows = await loaders.active_rewards()
    program = await loaders.program()
    view = ShopperView(
        member=member,
        rules=program.rules_now(now),
        value_tier=await loaders.value_tier.load(member.profile_id),
        usage=await usages(member.profile_id, rows, now),
        now=now,
    )
    return view, [view.see(row) for row in rows]


async def catalog_page(info: StorefrontInfo, member: Member, window: Window) -> Connection[ShopperReward]:
    view, seen = await shopper_view(info, member)
    currency = info.context.viewer.store.currency
    return paginate_loaded(seen, BY_COST, window.request(BY_COST), lambda s: view.shown(s, currency))


async def next_reward(info: StorefrontInfo, member: Member) -> ShopperReward | None:
    """The cheapest reward only points keep from the shopper: the goal to show."""
    view, seen = await shopper_view(info, member)
    goals = [s for s in seen if s.locks and all(lock.reason == RewardLockReason.POINTS for lock in s.locks)]
    if not goals:
        return None
    goal = min(goals, key=lambda s: (s.cost, s.id))
    return view.shown(goal, info.context.viewer.store.currency)
