"""Program economics for the store owner: outstanding liability in money, redemption rate,
breakage and the cost of rewards issued, overall, per store and per tier."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.functions import Sum

from loyalty.models import Entry, EntryKind, Member, Redemption, RedemptionStatus
from loyalty.program import load_program

EARNED = [k.value for k in (EntryKind.PENDING, EntryKind.EARN, EntryKind.CLAWBACK, EntryKind.REVERSAL,
                            EntryKind.ACTION, EntryKind.REFERRAL, EntryKind.TIER_REWARD,
                            EntryKind.AUTOMATION, EntryKind.ADJUST)]
SPENT = [EntryKind.REDEEM.value, EntryKind.REDEEM_REFUND.value]


@dataclass
class Figures:
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    outstanding: int = 0
    liability: Decimal = Decimal(0)
    reward_cost: dict[str, Decimal] = field(default_factory=dict)
    members: int = 0

    @property
    def redemption_rate(self) -> float | None:
        return round(self.redeemed / self.earned, 4) if self.earned else None

    @property
    def breakage(self) -> float | None:
        return round(self.expired / self.earned, 4) if self.earned else None


@dataclass
class Economics:
    currency: str
    point_value: Decimal
    total: Figures
    stores: dict[int | None, Figures]
    """Attributed by where points were earned or spent; expiry and actions belong to no store."""
    tiers: dict[str | None, Figures]


async def economics(merchant_id: int, now: datetime | None = None) -> Economics:
    now = now or datetime.now(UTC)
    rules = (await load_program(merchant_id)).rules_now(now)
    if rules is None:
        raise LookupError(f"merchant {merchant_id} has no loyalty program")
    value = rules.point_value
    tier_of = dict(await Member.filter(merchant_id=merchant_id).values_list("profile_id", "tier"))
    rows = await Entry.filter(merchant_id=merchant_id).annotate(
        a=Sum("available"), p=Sum("pending"), lt=Sum("lifetime")
    ).group_by("profile_id", "store_id", "kind").values_list("profile_id", "store_id", "kind", "a", "p", "lt")
    total, stores, tiers = Figures(), defaultdict(Figures), defaultdict(Figures)
    for pid, store_id, kind, a, _p, lt in rows:
        a, lt = int(a or 0), int(lt or 0)
        for figures in (total, stores[store_id], tiers[tier_of.get(pid)]):
            if kind in EARNED:
                figures.earned += lt
            elif kind in SPENT:
                figures.redeemed -= a
            elif kind == EntryKind.EXPIRE.value:
                figures.expired -= a
            figures.outstanding += a
    for tier in tier_of.values():
        tiers[tier].members += 1
    total.members = len(tier_of)
    for figures in (total, *stores.values(), *tiers.values()):
        figures.liability = (max(0, figures.outstanding) * value).quantize(Decimal("0.01"))
    redemptions = await Redemption.filter(merchant_id=merchant_id, status__in=[RedemptionStatus.ISSUED, RedemptionStatus.USED]).values_list(
        "profile_id", "store_id", "currency", "value")
    for pid, store_id, currency, money in redemptions:
        for figures in (total, stores[store_id], tiers[tier_of.get(pid)]):
            figures.reward_cost[currency] = figures.reward_cost.get(currency, Decimal(0)) + Decimal(money)
    return Economics(rules.currency, value, total, dict(stores), dict(tiers))
