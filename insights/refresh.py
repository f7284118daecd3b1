"""A merchant's full insights refresh: identity, profiles, segments, predictions, recommendations.

Each step replaces the merchant's rows of its tables in one transaction, so readers see
either the previous or the new result of a step, never half of one. The run, its step
timings and counts are kept in ``RefreshRun`` (``/metrics`` reads the latest from there, so
the figures are right whichever process ran the refresh), with its as-of, the as-of guard's
warning (``insights.as_of``) and the model check (``insights.model_check``).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from insights.as_of import as_of_warning
from insights.history import MerchantHistory, load_history
from insights.identity.resolve import Merge, resolve
from insights.model_check import model_checks
from insights.models import (
    ClvPrediction,
    IdentityKey,
    ProfileFact,
    ProfileRecommendation,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
    RefreshRun,
    RefreshStatus,
)
from insights.predictions import refresh_predictions
from insights.profiles.facts import refresh_facts
from insights.profiles.transactions import refresh_transactions
from insights.recommendations import Rerank, refresh_recommendations
from insights.segments.assign import refresh_segments
from insights.segments.thresholds import stored_tier_totals
from insights.settings import load_config
from store.models import Customer, Profile
from store.sql import dialect_of

STEPS = ("identity", "profiles", "segments", "predictions", "recommendations")

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, steps_done, steps_total)`` before each step and once at the end ("done")."""


def start_of_day(moment: datetime | None = None) -> datetime:
    """Midnight UTC of ``moment``'s day (default now): the default as-of, so every refresh run on
    one day, by the scheduler, the demo or the CLI, gives the same segments and predictions."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class RefreshResult:
    run_id: int
    merges: list[Merge] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    warning: str | None = None
    """Why the as-of date is suspect (``insights.as_of``), or None."""
    model_check: list[dict[str, Any]] = field(default_factory=list)
    history: MerchantHistory | None = field(default=None, repr=False, compare=False)
    """The orders the run read, for the steps after it (the measurements) to use instead of reading them again."""


async def refresh_merchant(
    merchant_id: int,
    progress: Progress | None = None,
    *,
    as_of: datetime | None = None,
    rerank: Rerank | None = None,
) -> RefreshResult:
    """Recompute every insight of the merchant; ``as_of`` (default the start of today, UTC) is
    "today" for recency and CLV."""
    as_of = (as_of or start_of_day()).astimezone(UTC)
    config = await load_config(merchant_id)
    run = await RefreshRun.create(merchant_id=merchant_id, started_at=datetime.now(UTC), as_of=as_of)
    result = RefreshResult(run.id)
    report = progress or (lambda step, done, total: None)
    history = None
    try:
        for done, step in enumerate(STEPS):
            report(step, done, len(STEPS))
            started = time.perf_counter()
            now = datetime.now(UTC)
            if step == "identity":
                resolution = await resolve(merchant_id)
                result.merges = resolution.merges
                result.counts |= {
                    "customers": resolution.customers,
                    "profiles_created": resolution.profiles_created,
                    "merges": len(resolution.merges),
                }
            elif step == "profiles":
                history = result.history = await load_history(merchant_id)
                result.warning = run.warning = as_of_warning(history, as_of)
                async with in_transaction() as conn:
                    result.counts["facts"] = await refresh_facts(conn, merchant_id, config)
                    result.counts["profiles_with_orders"] = await refresh_transactions(conn, history, now)
            elif step == "segments":
                assert history is not None
                async with in_transaction() as conn:
                    result.counts["segments"] = await refresh_segments(conn, history, config, as_of)
                    result.counts["value_tiers"] = await stored_tier_totals(merchant_id, conn)
            elif step == "predictions":
                assert history is not None
                async with in_transaction() as conn:
                    result.counts |= await refresh_predictions(conn, history, config, as_of)
                result.model_check = run.model_check = model_checks(history, as_of)
            else:
                assert history is not None
                async with in_transaction() as conn:
                    recs = await refresh_recommendations(conn, history, config.recommendations, now, rerank)
                result.counts |= {"recommended_profiles": recs["profiles"], "paired_products": recs["products"]}
            result.step_seconds[step] = round(time.perf_counter() - started, 4)
        report("done", len(STEPS), len(STEPS))
    except Exception:
        run.status, run.error = RefreshStatus.FAILED, traceback.format_exc(limit=5)
        run.step_seconds, run.counts, run.finished_at = result.step_seconds, result.counts, datetime.now(UTC)
        await run.save()
        raise
    await _fresh_statistics()
    run.status, run.step_seconds, run.counts = RefreshStatus.COMPLETE, result.step_seconds, result.counts
    run.finished_at = datetime.now(UTC)
    await run.save()
    return result


_REWRITTEN = (
    Customer,
    Profile,
    IdentityKey,
    ProfileFact,
    ProfileStats,
    ProfileRevenue,
    ProfileSegment,
    ClvPrediction,
    ProfileRecommendation,
)


async def _fresh_statistics() -> None:
    """The refresh rewrites these tables wholesale and the admin filters join them: the planner
    needs their new shape (a first refresh is the first time it sees them at all)."""
    conn = Profile._meta.db
    await dialect_of(conn).analyze(conn, [m._meta.db_table for m in _REWRITTEN])
