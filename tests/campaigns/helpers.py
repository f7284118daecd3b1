"""Members for campaign tests: VIPs silent for months, planted the way an insights refresh leaves them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from insights.models import ProfileSegment, ProfileStats
from tests.loyalty.helpers import Shop


async def silent_vips(shop: Shop, n: int, now: datetime, *, days: int = 120) -> list[int]:
    """``n`` customers (accepting marketing) whose value tier is VIP and who last bought ``days`` ago."""
    profiles = []
    for _ in range(n):
        _, profile = await shop.customer()
        await ProfileSegment.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            currency="USD",
            recency_days=days,
            frequency=4,
            monetary=Decimal(400),
            r_score=1,
            f_score=5,
            m_score=5,
            segment="can't lose",
            tier="vip",
            as_of=now,
        )
        await ProfileStats.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            orders=4,
            last_order_at=now - timedelta(days=days),
            main_currency="USD",
            computed_at=now,
        )
        profiles.append(profile)
    return profiles
