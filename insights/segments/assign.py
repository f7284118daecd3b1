"""RFM segments per merchant: scores within each currency, then the named segment and tier.

Recency is days since the last purchase at ``as_of``, frequency the number of purchases and
monetary the spend net of refunds, all in the person's main currency (``insights.purchases``
says what a purchase is); people are ranked only against others who pay in that currency, so
amounts are never mixed. Scores are relative, so the recency score is also capped by absolute
silence (``rules.cap_recency``): nobody silent past the merchant's lost threshold is a Champion.

Ranks need the whole population, which an incremental refresh does not read: a full run leaves a
reference (``segment_reference``: per currency the values to beat for each score and for VIP),
and an incremental run scores the people whose orders changed against it, so each gets what the
full run's population would have given them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tortoise.backends.base.client import BaseDBAsyncClient

from insights.history import MerchantHistory
from insights.models import ProfileSegment
from insights.purchases import ZERO, Purchase, RunningPurchases, main_currency, merchant_purchases
from insights.segments.rfm import quintile_scores, score_cuts, scores_from_cuts, top_share, top_share_cut
from insights.segments.rules import TIERS, TierThresholds, cap_recency, segment_of, tiers_of
from insights.settings import InsightsConfig
from insights.why import segment_why
from store.sql import delete_in, insert_rows

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
    return _scored(r, f, m, tiers, recency_days, config)


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


def score_against(
    last_days: Sequence[int],
    recency_days: Sequence[int],
    frequency: Sequence[int],
    monetary: Sequence[float],
    cuts: dict[str, Any],
    config: InsightsConfig,
) -> list[Scored]:
    """``score_people`` of people who pay in one currency, ranked against a population they need
    not be in: ``cuts`` is that currency's entry of a ``segment_reference``. Recency ranks the
    day of the last purchase (``date.toordinal``), which orders people as their days of silence
    do at any as-of; the cap by absolute silence reads ``recency_days``."""
    days = np.asarray(recency_days, dtype=np.float64)
    last_cuts = [None if d is None else float(date.fromisoformat(d).toordinal()) for d in cuts["last_purchase"]]
    r = scores_from_cuts(np.asarray(last_days, dtype=np.float64), last_cuts)
    f = scores_from_cuts(np.asarray(frequency, dtype=np.float64), cuts["purchases"])
    spend = np.asarray(monetary, dtype=np.float64)
    m = scores_from_cuts(spend, cuts["spend"])
    vip = np.ones(spend.shape, dtype=bool) if cuts["vip_spend"] is None else spend > float(cuts["vip_spend"])
    # tiers_of only asks whether a share is within vip_top_share: 0 is, infinity is not.
    tiers = tiers_of(days, np.where(vip, 0.0, np.inf), config.tiers)
    return _scored(r, f, m, tiers, recency_days, config)


def _scored(
    r: NDArray[np.int64],
    f: NDArray[np.int64],
    m: NDArray[np.int64],
    tiers: NDArray[np.int8],
    recency_days: Sequence[int],
    config: InsightsConfig,
) -> list[Scored]:
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


def segment_rows(
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    explain: bool = True,
    reference: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One row per person with a purchase; ``explain`` adds the one-line why (``reorder_shares``);
    ``reference`` scores them against an earlier population (``scored_segments``)."""
    return scored_segments(history, config, as_of, explain=explain, reference=reference)[0]


def scored_segments(
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    explain: bool = True,
    reference: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The segment rows of ``history``'s people and the reference they were scored against.

    ``reference`` None: everyone is ranked among everyone (a full run), and the reference made
    of them (``segment_reference``) comes back. Else the people are scored against it, as its
    population would have ranked them, and it comes back as it was. A currency the reference
    lacks (nobody paid in it at the full run) is scored as a population of the people at hand
    who pay in it, which is what a full run does with so few people; its why lines count the
    reorders of those people alone.
    """
    bought_now = merchant_purchases(history, as_of)
    known = {} if reference is None else reference["currencies"]
    rows = _scored_rows(history.merchant_id, bought_now, config, as_of, known)
    if reference is None:
        shares = reorder_shares(history, config, as_of, bought_now)
        reference = segment_reference(bought_now, shares, config, as_of)
    else:
        shares = {
            (currency, segment): (int(members), int(reordered))
            for currency, segments in reference["reorder"].items()
            if currency in known
            for segment, (members, reordered) in segments.items()
        }
        if any(row["currency"] not in known for row in rows):
            shares |= {
                key: value
                for key, value in reorder_shares(history, config, as_of, bought_now).items()
                if key[0] not in known
            }
    if explain:
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
    return rows, reference


def segment_reference(
    bought_now: dict[int, dict[str, list[Purchase]]],
    shares: dict[tuple[str, str], tuple[int, int]],
    config: InsightsConfig,
    as_of: datetime,
) -> dict[str, Any]:
    """What scores one more person as this population would, as JSON (a few numbers per currency,
    not the people): the values to beat for each R, F and M score (``rfm.score_cuts``; recency as
    the ISO day of the last purchase), the spend to beat for VIP at ``vip_top_share``, and the
    reorder shares of the why lines. The cuts hold for the settings of the run that made them."""
    currencies: dict[str, Any] = {}
    for currency, people in sorted(_by_currency(bought_now, as_of).items()):
        spend = [float(p[4]) for p in people]
        currencies[currency] = {
            "people": len(people),
            "last_purchase": [
                None if cut is None else date.fromordinal(int(cut)).isoformat()
                for cut in score_cuts([p[1].toordinal() for p in people])
            ],
            "purchases": score_cuts([p[3] for p in people]),
            "spend": score_cuts(spend),
            "vip_spend": top_share_cut(spend, config.tiers.vip_top_share),
        }
    reorder: dict[str, dict[str, list[int]]] = {}
    for (currency, segment), (members, reordered) in sorted(shares.items()):
        reorder.setdefault(currency, {})[segment] = [members, reordered]
    return {
        "as_of": as_of.isoformat(),
        "vip_top_share": config.tiers.vip_top_share,
        "currencies": currencies,
        "reorder": reorder,
    }


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


def _by_currency(
    bought_by_profile: dict[int, dict[str, list[Purchase]]], as_of: datetime
) -> dict[str, list[tuple[int, date, int, int, Decimal]]]:
    """(profile id, last purchase day, days since, purchases, spend) of each person, under their main currency."""
    out: dict[str, list[tuple[int, date, int, int, Decimal]]] = defaultdict(list)
    for profile_id, bought in bought_by_profile.items():
        currency = main_currency(bought)
        mine = bought[currency]
        last = mine[-1].day
        out[currency].append(
            (profile_id, last, max(0, (as_of.date() - last).days), len(mine), sum((p.value for p in mine), ZERO))
        )
    return out


def _scored_rows(
    merchant_id: int,
    bought_by_profile: dict[int, dict[str, list[Purchase]]],
    config: InsightsConfig,
    as_of: datetime,
    known: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The rows of these people, ranked among themselves per currency or, for the currencies in
    ``known`` (a reference's), against its cuts."""
    rows = []
    for currency, people in sorted(_by_currency(bought_by_profile, as_of).items()):
        days, counts, spends = [p[2] for p in people], [p[3] for p in people], [float(p[4]) for p in people]
        if known and currency in known:
            last_days = [p[1].toordinal() for p in people]
            scored = score_against(last_days, days, counts, spends, known[currency], config)
        else:
            scored = score_people(days, counts, spends, config)
        for (profile_id, _, days_since, count, spend), score in zip(people, scored, strict=True):
            rows.append(
                {
                    "merchant_id": merchant_id,
                    "profile_id": profile_id,
                    "currency": currency,
                    "recency_days": days_since,
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
    conn: BaseDBAsyncClient,
    history: MerchantHistory,
    config: InsightsConfig,
    as_of: datetime,
    *,
    reference: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Write the segment rows; returns how many and the reference (``scored_segments``).

    ``history.profiles`` None: the merchant's rows are replaced. Else (an incremental run) exactly
    the rows of ``history.profiles`` are: one without a purchase any more loses its row.
    """
    rows, reference = scored_segments(history, config, as_of, reference=reference)
    if history.profiles is None:
        await ProfileSegment.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    else:
        rows = [row for row in rows if row["profile_id"] in history.profiles]
        await delete_in(conn, ProfileSegment, "profile_id", history.profiles)
    await insert_rows(conn, ProfileSegment, rows)
    return len(rows), reference
