"""RFM segments per merchant: scores within each currency, then the named segment and tier.

Recency is days since the last purchase at ``as_of``, frequency the number of purchases and
monetary the spend net of refunds, all in the person's main currency (``insights.purchases``
says what a purchase is); people are ranked only against others who pay in that currency, so
amounts are never mixed. Scores are relative, so the recency score is also capped by absolute
silence (``rules.cap_recency``): nobody silent past the merchant's lost threshold is a Champion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tortoise.backends.base.client import BaseDBAsyncClient

from insights.history import MerchantHistory
from insights.models import ProfileSegment
from insights.purchases import ZERO, Purchase, RunningPurchases, main_currency, merchant_purchases
from insights.segments.rfm import quintile_scores, top_share
from insights.segments.rules import TIERS, TierThresholds, cap_recency, segment_of, tiers_of
from insights.settings import InsightsConfig
from insights.why import segment_why
from store.sql import insert_rows

REORDER_WINDOW_DAYS = 90
"""The "why" of a segment compares with the people in it this many days earlier: did they order again?"""


@dataclass(frozen=True, slots=True)
class Scored:
    r: int
    f: int
    m: int
    segment: str
    tier: str


def score_people(
    recency_days: Sequence[int], frequency: Sequence[int], monetary: Sequence[float], config: InsightsConfig
) -> list[Scored]:
    """RFM scores, segment and value tier of people who pay in one currency."""
    days = np.asarray(recency_days, dtype=np.float64)
    r = quintile_scores(days, higher_is_better=False)
    f = quintile_scores(np.asarray(frequency, dtype=np.float64))
    m = quintile_scores(np.asarray(monetary, dtype=np.float64))
    tiers = tiers_of(days, top_share(np.asarray(monetary, dtype=np.float64)), config.tiers)
    out = []
    for i, silence in enumerate(recency_days):
        r_i = cap_recency(int(r[i]), int(silence), config.tiers)
        out.append(
            Scored(
                r_i,
                int(f[i]),
                int(m[i]),
                segment_of(r_i, int(f[i]), int(m[i]), config.segment_rules),
                TIERS[int(tiers[i])],
            )
        )
    return out


def value_tiers_at(running: RunningPurchases, thresholds: TierThresholds, as_of: datetime) -> NDArray[np.int8]:
    """The tier (position in ``TIERS``) of everyone in ``running`` at ``as_of``, as ``segment_rows``
    gives it when ``running`` holds the orders up to ``as_of``: silence in the main currency, then
    the spend ranked among the people of that currency. Whole arrays, no row per person."""
    running.settle()
    days = np.maximum(0, as_of.date().toordinal() - np.asarray(running.last_day, dtype=np.int64))
    spend = np.asarray(running.monetary, dtype=np.float64)
    currency = np.asarray(running.currency, dtype=np.int64)
    out = np.empty(len(days), dtype=np.int8)
    for code in range(len(running.currencies)):
        mine = currency == code
        out[mine] = tiers_of(days[mine], top_share(spend[mine]), thresholds)
    return out


def segment_rows(
    history: MerchantHistory, config: InsightsConfig, as_of: datetime, *, explain: bool = True
) -> list[dict[str, Any]]:
    """One row per person with a purchase; ``explain`` adds the one-line why (``reorder_shares``)."""
    bought_now = merchant_purchases(history, as_of)
    rows = _scored_rows(history.merchant_id, bought_now, config, as_of)
    if not explain:
        return rows
    shares = reorder_shares(history, config, as_of, bought_now)
    for row in rows:
        earlier, reordered = shares.get((row["currency"], row["segment"]), (0, 0))
        row["why"] = segment_why(
            row["frequency"],
            row["recency_days"],
            row["monetary"],
            row["currency"],
            row["segment"],
            earlier,
            reordered,
            REORDER_WINDOW_DAYS,
        )
    return rows


def reorder_shares(
    history: MerchantHistory, config: InsightsConfig, as_of: datetime, bought_now: dict[int, dict[str, list[Purchase]]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (currency, segment) ``REORDER_WINDOW_DAYS`` before ``as_of``: how many people it held and
    how many of them have bought again in that currency since."""
    then = as_of - timedelta(days=REORDER_WINDOW_DAYS)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for row in _scored_rows(history.merchant_id, merchant_purchases(history, then), config, then):
        key = (row["currency"], row["segment"])
        again = len(bought_now.get(row["profile_id"], {}).get(row["currency"], ())) > row["frequency"]
        members, reordered = out.get(key, (0, 0))
        out[key] = (members + 1, reordered + int(again))
    return out


def _scored_rows(
    merchant_id: int, bought_by_profile: dict[int, dict[str, list[Purchase]]], config: InsightsConfig, as_of: datetime
) -> list[dict[str, Any]]:
    by_currency: dict[str, list[tuple[int, int, int, Decimal]]] = defaultdict(list)
    for profile_id, bought in bought_by_profile.items():
        currency = main_currency(bought)
        mine = bought[currency]
        recency = max(0, (as_of.date() - mine[-1].day).days)
        by_currency[currency].append((profile_id, recency, len(mine), sum((p.value for p in mine), ZERO)))
    rows = []
    for currency, people in sorted(by_currency.items()):
        scored = score_people([p[1] for p in people], [p[2] for p in people], [float(p[3]) for p in people], config)
        for (profile_id, days, count, spend), score in zip(people, scored, strict=True):
            rows.append(
                {
                    "merchant_id": merchant_id,
                    "profile_id": profile_id,
                    "currency": currency,
                    "recency_days": days,
                    "frequency": count,
                    "monetary": spend,
                    "r_score": score.r,
                    "f_score": score.f,
                    "m_score": score.m,
                    "segment": score.segment,
                    "tier": score.tier,
                    "as_of": as_of,
                }
            )
    return rows


async def refresh_segments(
    conn: BaseDBAsyncClient, history: MerchantHistory, config: InsightsConfig, as_of: datetime
) -> int:
    rows = segment_rows(history, config, as_of)
    await ProfileSegment.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await insert_rows(conn, ProfileSegment, rows)
    return len(rows)
