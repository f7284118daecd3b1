"""Customers who took part in the demo's program: some of the sandbox's buyers redeem a reward or
give the newsletter consent on a day of their history, through loyalty's own calls.

The sample program enrols every buyer at the first order, so membership is no choice and the
Program impact page compares those who took part with those who never did. The sandbox history
holds no such choice, so the demo plants it: each buyer gets a day, drawn at random from their
first order to the history's end, and takes part that day more often the more they had bought
before it (0.05 with one order or none, 0.2 with two or three, 0.4 with more), as the people who
choose to take part are those who already buy most. The draw reads nothing after the day, so it
does not pick people for what they buy later; nothing is planted in what anyone buys: whatever the
matched comparison then finds in the history is the page's finding.

Each member's draws come from a generator seeded with their first order's account as the platform
knows it (platform and customer id), so the same people take part on every run and on both
databases, whatever ids the store gave them; each call is idempotent (a redemption's request key, the newsletter paid once per member), so a
second set-up changes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from loyalty.actions import ActionStatus, record_action
from loyalty.errors import LoyaltyError
from loyalty.holders import merged_holders
from loyalty.models import Entry, EntryKind, Member, Redemption, Reward
from loyalty.rewards import redeem
from store.discounts import DiscountRequest, IssuedCode, IssueFailed
from store.models import Order, Store

SEED = 2121
REWARD = "$5 off"
ACTION = "newsletter"
RELEASE_DAYS = 30
"""The sample program releases an order's points 30 days after it: points to spend by then."""
KEY = "demo-taking-part"


def chance(orders: int) -> float:
    """How likely a buyer with ``orders`` orders before the day takes part that day."""
    return 0.05 if orders <= 1 else 0.2 if orders <= 3 else 0.4


class PastCodes:
    """The codes of the history's redemptions: issued then, long gone from the store since (the
    demo's simulators serve today's codes only), so none is made on a platform now."""

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        return IssuedCode(code=request.code, platform_id=f"demo-history:{request.code}", expires_at=request.expires_at)

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        return None


@dataclass(frozen=True)
class TakingPart:
    redeemed: int
    actions: int


async def plant_engagement(merchant_id: int, last_day: date) -> TakingPart:
    """Members who took part, each once on a day from their first order to ``last_day``: a
    redemption of $5 off when the orders placed 30 days before had earned its points and the
    member still holds them, else the newsletter action. Returns what was planted this call."""
    reward = await Reward.get_or_none(merchant_id=merchant_id, name=REWARD)
    merged = await merged_holders(merchant_id)
    rows = (
        await Order.filter(
            merchant_id=merchant_id, test=False, cancelled_at=None, deleted_at=None, customer__owner_id__not_isnull=True
        )
        .order_by("platform_created_at", "id")
        .values_list(
            "customer__owner_id",
            "platform_created_at",
            "total",
            "total_refunded",
            "store_id",
            "store__platform",
            "customer__platform_id",
        )
    )
    orders: dict[int, list[tuple[datetime, Decimal, int]]] = defaultdict(list)
    account: dict[int, str] = {}
    for owner, placed, total, refunded, store_id, platform, customer in rows:
        holder = merged.get(owner, owner)
        orders[holder].append((placed, total - refunded, store_id))
        account.setdefault(holder, f"{platform}:{customer}")
    redeemed = actions = 0
    for member in await Member.filter(merchant_id=merchant_id, merged_into_id=None).order_by("profile_id"):
        history = orders.get(member.profile_id)
        if not history or history[0][0].date() > last_day:
            continue
        rng = random.Random(f"{SEED}:{account[member.profile_id]}")
        first = history[0][0].date()
        day = first + timedelta(days=rng.randint(0, (last_day - first).days))
        when = datetime.combine(day, time(20), tzinfo=UTC)
        if rng.random() >= chance(sum(1 for placed, _, _ in history if placed.date() < day)):
            continue
        key = f"{KEY}:{member.profile_id}"
        if (
            await Redemption.filter(merchant_id=merchant_id, request_key=key).exists()
            or await Entry.filter(profile_id=member.profile_id, kind=EntryKind.ACTION, cause=ACTION).exists()
        ):
            continue  # planted by an earlier set-up (whose balance may differ from today's), or consented already
        earned = sum(net for placed, net, _ in history if placed <= when - timedelta(days=RELEASE_DAYS))
        if reward is not None and earned >= reward.points_cost and await _redeemed(member, reward, key, history, when):
            redeemed += 1
            continue
        if (await record_action(member.profile_id, ACTION, ACTION, now=when)).status == ActionStatus.AWARDED:
            actions += 1
    return TakingPart(redeemed, actions)


async def _redeemed(
    member: Member, reward: Reward, key: str, history: list[tuple[datetime, Decimal, int]], when: datetime
) -> bool:
    """Redeem ``reward`` on the store of the member's last order by then; False when loyalty
    refuses it (points spent since, a limit) and nothing was spent."""
    store_id = next((s for placed, _, s in reversed(history) if placed <= when), history[0][2])
    try:
        await redeem(member.profile_id, reward.id, store_id, PastCodes(), request_key=key, now=when)
    except LoyaltyError:
        return False
    return True
