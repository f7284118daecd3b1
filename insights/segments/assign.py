"""RFM segments per merchant: scores within each currency, then the named segment and tier.

Recency is days since the last order at ``as_of``, frequency the number of orders and
monetary the spend net of refunds, all in the person's main currency; people are ranked
only against others who pay in that currency, so amounts are never mixed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from tortoise.backends.base.client import BaseDBAsyncClient

from insights.batch import insert_rows
from insights.history import MerchantHistory
from insights.models import ProfileSegment
from insights.profiles.transactions import main_currency
from insights.segments.rfm import quintile_scores, top_share
from insights.segments.rules import segment_of, tier_of
from insights.settings import InsightsConfig


def segment_rows(history: MerchantHistory, config: InsightsConfig, as_of: datetime) -> list[dict[str, Any]]:
    by_currency: dict[str, list[tuple[int, int, int, Decimal]]] = defaultdict(list)
    for profile_id, orders in sorted(history.orders_by_profile().items()):
        orders = [o for o in orders if o.created_at <= as_of]
        if not orders:
            continue
        currency = main_currency(orders)
        mine = [o for o in orders if o.currency == currency]
        recency = max(0, (as_of - mine[-1].created_at).days)
        by_currency[currency].append((profile_id, recency, len(mine), sum((o.net for o in mine), Decimal("0"))))
    rows = []
    for currency, people in sorted(by_currency.items()):
        recency = np.array([p[1] for p in people], dtype=np.float64)
        frequency = np.array([p[2] for p in people], dtype=np.float64)
        monetary = np.array([float(p[3]) for p in people])
        r = quintile_scores(recency, higher_is_better=False)
        f = quintile_scores(frequency)
        m = quintile_scores(monetary)
        share = top_share(monetary)
        for i, (profile_id, days, count, spend) in enumerate(people):
            rows.append({
                "merchant_id": history.merchant_id, "profile_id": profile_id, "currency": currency,
                "recency_days": days, "frequency": count, "monetary": spend,
                "r_score": int(r[i]), "f_score": int(f[i]), "m_score": int(m[i]),
                "segment": segment_of(int(r[i]), int(f[i]), int(m[i]), config.segment_rules),
                "tier": tier_of(days, float(share[i]), config.tiers), "as_of": as_of,
            })
    return rows


async def refresh_segments(conn: BaseDBAsyncClient, history: MerchantHistory, config: InsightsConfig, as_of: datetime) -> int:
    rows = segment_rows(history, config, as_of)
    await ProfileSegment.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await insert_rows(conn, ProfileSegment, rows)
    return len(rows)
