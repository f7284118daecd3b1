"""Changing the value tier thresholds: what a change would move, and applying it at once.

The preview works on the stored segment rows alone (recency days, purchases and spend per person
at the last refresh's as-of), scored by the same ``score_people`` a refresh uses, so it is fast
and says exactly what saving will do. Saving runs the refresh's segments step again at that
as-of, so the segment rows are what a full refresh would write.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from insights.history import load_history
from insights.models import ProfileSegment, RefreshRun, RefreshStatus, ValueTier
from insights.segments.assign import refresh_segments, score_people
from insights.segments.rules import TierThresholds
from insights.settings import InsightsConfig, load_config, save_config
from store.sql.purchases import money_totals

TIERS = tuple(ValueTier)


class ThresholdName(StrEnum):
    """One of the value tier thresholds: a field of ``TierThresholds``."""

    AT_RISK_AFTER_DAYS = "at_risk_after_days"
    LOST_AFTER_DAYS = "lost_after_days"
    VIP_TOP_SHARE = "vip_top_share"


THRESHOLD_FIELDS = tuple(ThresholdName)
MAX_DAYS = 36_500
"""A hundred years: a longer silence threshold is a typing mistake, not a policy."""


@dataclass(frozen=True)
class ThresholdError:
    """A refused value, named by its ``TierThresholds`` field."""

    field: str
    message: str


def check(thresholds: TierThresholds) -> list[ThresholdError]:
    """Every reason to refuse ``thresholds``, one per field at fault, in words a merchant reads."""
    errors = []
    if not 1 <= thresholds.at_risk_after_days <= MAX_DAYS:
        errors.append(ThresholdError("at_risk_after_days", f"must be a whole number of days from 1 to {MAX_DAYS:,}"))
    if not 1 <= thresholds.lost_after_days <= MAX_DAYS:
        errors.append(ThresholdError("lost_after_days", f"must be a whole number of days from 1 to {MAX_DAYS:,}"))
    elif not errors and thresholds.lost_after_days < thresholds.at_risk_after_days:
        errors.append(
            ThresholdError(
                "lost_after_days",
                f"must be at least the at-risk threshold ({thresholds.at_risk_after_days} days): "
                "a customer is at risk before being lost",
            )
        )
    share = thresholds.vip_top_share
    if share != share or not 0 < share <= 1:
        errors.append(
            ThresholdError("vip_top_share", "must be a share above 0 and at most 1 (e.g. 0.2 for the top 20 %)")
        )
    return errors


def rescore(rows: list[dict[str, Any]], config: InsightsConfig) -> dict[int, str]:
    """Each stored row's value tier under ``config`` (profile id -> tier), ranked within each
    currency as a refresh ranks them."""
    by_currency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    tiers: dict[int, str] = {}
    for people in by_currency.values():
        scored = score_people(
            [p["recency_days"] for p in people],
            [p["frequency"] for p in people],
            [float(p["monetary"]) for p in people],
            config,
        )
        tiers |= {row["profile_id"]: score.tier for row, score in zip(people, scored, strict=True)}
    return tiers


@dataclass(frozen=True)
class Preview:
    """What saving ``proposed`` would do to the people scored at the last refresh."""

    current: TierThresholds
    proposed: TierThresholds
    before: dict[str, int]
    after: dict[str, int]
    moves: dict[tuple[str, str], int]
    """(from tier, to tier) -> people, only pairs that differ"""
    moved_by_field: dict[str, int | None]
    """People each changed field would move on its own (None when that field alone is invalid)."""

    @property
    def moved(self) -> int:
        return sum(self.moves.values())


async def stored_rows(merchant_id: int) -> list[dict[str, Any]]:
    return list(
        await ProfileSegment.filter(merchant_id=merchant_id)
        .order_by("id")
        .values("profile_id", "currency", "recency_days", "frequency", "monetary", "tier")
    )


async def preview(merchant_id: int, proposed: TierThresholds) -> Preview:
    """How many people each tier would hold under ``proposed`` and who moves; ``proposed`` must pass ``check``."""
    config = await load_config(merchant_id)
    rows = await stored_rows(merchant_id)
    now = {r["profile_id"]: r["tier"] for r in rows}
    then = rescore(rows, replace(config, tiers=proposed))
    moves = Counter((now[p], then[p]) for p in now if now[p] != then[p])
    alone: dict[str, int | None] = {}
    for name in THRESHOLD_FIELDS:
        value = getattr(proposed, name)
        if value == getattr(config.tiers, name):
            continue
        single = replace(config.tiers, **{name: value})
        if check(single):
            alone[name] = None
            continue
        single_tiers = rescore(rows, replace(config, tiers=single))
        alone[name] = sum(1 for p in now if now[p] != single_tiers[p])
    return Preview(
        current=config.tiers,
        proposed=proposed,
        before=_count(now.values()),
        after=_count(then.values()),
        moves=dict(moves),
        moved_by_field=alone,
    )


def _count(tiers: Any) -> dict[str, int]:
    counted = Counter(tiers)
    return {t: counted.get(t, 0) for t in TIERS}


async def apply(merchant_id: int, thresholds: TierThresholds) -> tuple[InsightsConfig, int]:
    """Save ``thresholds`` and run the segments step again at the last refresh's as-of, in one
    transaction, recorded as a segments-only refresh run (so the trend shows the change); returns
    the config and how many people changed tier. Segments are rebuilt from the order history, not
    patched, so every column (the "why" lines included) is what a full refresh would write."""
    started, clock = datetime.now(UTC), time.perf_counter()
    last = await ProfileSegment.filter(merchant_id=merchant_id).order_by("-as_of").first()
    if last is None:
        return await save_config(merchant_id, tiers=thresholds), 0
    history = await load_history(merchant_id)
    async with in_transaction() as conn:
        config = await save_config(merchant_id, tiers=thresholds)
        before = dict(
            await ProfileSegment.filter(merchant_id=merchant_id).using_db(conn).values_list("profile_id", "tier")
        )
        written, reference = await refresh_segments(conn, history, config, last.as_of)
        after = (
            await ProfileSegment.filter(merchant_id=merchant_id)
            .using_db(conn)
            .values("profile_id", "currency", "tier", "monetary")
        )
        moved = sum(1 for row in after if before.get(row["profile_id"], row["tier"]) != row["tier"])
        counts = {"segments": written, "value_tiers": tier_totals(after), "tier_thresholds": {"moved": moved}}
        # The other steps stand as the last full refresh left them: its as-of, its warning and
        # its model check still describe what the merchant sees, so the new run carries them.
        full = (
            await RefreshRun.filter(merchant_id=merchant_id, status=RefreshStatus.COMPLETE)
            .using_db(conn)
            .order_by("-started_at", "-id")
            .first()
        )
        await RefreshRun.create(
            merchant_id=merchant_id,
            status=RefreshStatus.COMPLETE,
            started_at=started,
            finished_at=datetime.now(UTC),
            counts=counts,
            as_of=last.as_of,
            warning=full.warning if full else None,
            model_check=full.model_check if full else [],
            # Later incremental runs score against the segments of these thresholds.
            reference={**(full.reference if full else {}), "segments": reference},
            step_seconds={"segments": round(time.perf_counter() - clock, 4)},
            using_db=conn,
        )
    return config, moved


def tier_totals(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """People and spend per currency and value tier, as JSON for ``RefreshRun.counts`` (the trend)."""
    totals: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        tiers = totals.setdefault(row["currency"], {t: {"profiles": 0, "revenue": Decimal(0)} for t in TIERS})
        tiers[row["tier"]]["profiles"] += 1
        tiers[row["tier"]]["revenue"] += Decimal(row["monetary"])
    return {
        c: {t: {"profiles": v["profiles"], "revenue": str(v["revenue"])} for t, v in tiers.items()}
        for c, tiers in sorted(totals.items())
    }


async def stored_tier_totals(merchant_id: int, conn: Any = None) -> dict[str, dict[str, dict[str, Any]]]:
    """``tier_totals`` of the merchant's stored rows, grouped in the database (exact on SQLite too):
    an incremental run reports them without reading every person's row."""
    conn = conn or ProfileSegment._meta.db
    totals: dict[str, dict[str, dict[str, Any]]] = {}
    for currency, tier, profiles, revenue in await money_totals(
        conn, ProfileSegment._meta.db_table, merchant_id, ("currency", "tier"), "monetary"
    ):
        tiers = totals.setdefault(currency, {t: {"profiles": 0, "revenue": "0"} for t in TIERS})
        tiers[tier] = {"profiles": profiles, "revenue": str(revenue)}
    return dict(sorted(totals.items()))
