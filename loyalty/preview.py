"""Previewing a rule change before it takes effect: who moves up or down a tier, and how
many points the last year's orders would have earned under the new rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loyalty.earning import award
from loyalty.models import Member, OrderAccount
from loyalty.orders import load_orders
from loyalty.rules import Rules
from loyalty.tiers import tier_metrics

BATCH = 2000


@dataclass
class RulesPreview:
    moves_up: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    moves_down: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    orders: int = 0
    points_before: int = 0
    points_after: int = 0

    @property
    def points_delta(self) -> int:
        return self.points_after - self.points_before


async def preview_rules(merchant_id: int, rules: Rules, now: datetime | None = None) -> RulesPreview:
    now = now or datetime.now(UTC)
    preview = RulesPreview()
    members = await Member.filter(merchant_id=merchant_id, merged_into_id=None).values_list("profile_id", "tier")
    metrics = await tier_metrics([pid for pid, _ in members], rules, now)
    for pid, tier in members:
        target = rules.qualifying_tier(metrics[pid])
        name = target.name if target else None
        have, want = rules.tier_rank(tier), rules.tier_rank(name)
        if want > have:
            preview.moves_up.append((pid, tier, name))
        elif want < have or (tier is not None and rules.tier(tier) is None):
            preview.moves_down.append((pid, tier, name))
    rows = (
        await OrderAccount.filter(merchant_id=merchant_id, placed_at__gte=now - timedelta(days=365), placed_at__lte=now)
        .order_by("order_id")
        .values_list("order_id", "points", "multiplier")
    )
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        facts = await load_orders([r[0] for r in chunk], categories=bool(rules.category_multipliers))
        for order_id, points, multiplier in chunk:
            preview.orders += 1
            preview.points_before += points
            if order_id in facts:
                preview.points_after += award(facts[order_id], rules, multiplier).points
    return preview
