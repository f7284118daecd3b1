"""A merchant's insights refresh: identity, profiles, segments, predictions, recommendations.

A full run recomputes everyone and leaves a reference (segment cut points, CLV fits, the item
neighbours) for the incremental runs after it, which recompute only the people who changed
(``insights.changes`` says who, and when a run must be full). Each step replaces its rows, of
the merchant or of the changed people, in one transaction, so readers see either the previous
or the new result of a step, never half of one. The run, its step
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

from insights.as_of import as_of_warning, span_warning
from insights.changes import Plan, changed_customers, changed_profiles, plan, settings_digest, silence_crossed, too_many
from insights.history import MerchantHistory, load_history
from insights.identity.resolve import Merge, Resolution, resolve
from insights.model_check import model_checks
from insights.models import (
    ClvPrediction,
    IdentityKey,
    ProfileFact,
    ProfileRecommendation,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
    RefreshKind,
    RefreshRun,
    RefreshStatus,
)
from insights.predictions import refresh_predictions
from insights.profiles.facts import refresh_facts
from insights.profiles.transactions import refresh_transactions
from insights.recommendations import Rerank, refresh_recommendations
from insights.segments.assign import refresh_segments
from insights.segments.thresholds import stored_tier_totals
from insights.settings import InsightsConfig, load_config
from store.models import Customer, Order, OrderLine, Product, Profile, Variant
from store.sql import dialect_of
from store.sql.purchases import purchase_span

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
    kind: RefreshKind = RefreshKind.FULL
    merges: list[Merge] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    warning: str | None = None
    """Why the as-of date is suspect (``insights.as_of``), or None."""
    model_check: list[dict[str, Any]] = field(default_factory=list)
    history: MerchantHistory | None = field(default=None, repr=False, compare=False)
    """The orders the run read, for the steps after it (the measurements) to use instead of reading them
    again; an incremental run's holds only the changed people's."""
    customers: list[int] = field(default_factory=list, repr=False)
    """The customers an incremental run found changed (their balances may need linking)."""


async def refresh_merchant(
    merchant_id: int,
    progress: Progress | None = None,
    *,
    as_of: datetime | None = None,
    rerank: Rerank | None = None,
    kind: RefreshKind | None = RefreshKind.FULL,
) -> RefreshResult:
    """Recompute the insights of the merchant; ``as_of`` (default the start of today, UTC) is
    "today" for recency and CLV. ``kind`` None lets ``insights.changes.plan`` choose (what the
    schedule does): incremental, only the people who changed since the last run, unless a full
    run is due."""
    as_of = (as_of or start_of_day()).astimezone(UTC)
    config = await load_config(merchant_id)
    digest = settings_digest(config)
    chosen = await plan(merchant_id, as_of, digest, kind)
    changed: set[int] = set()
    if chosen.kind is RefreshKind.INCREMENTAL:
        assert chosen.since is not None
        changed = await changed_customers(merchant_id, chosen.since)
        if await too_many(merchant_id, changed):
            chosen = Plan(RefreshKind.FULL, f"{len(changed)} customers changed: more than a full run saves")
    run = await RefreshRun.create(
        merchant_id=merchant_id,
        started_at=datetime.now(UTC),
        as_of=as_of,
        kind=chosen.kind,
        settings_digest=digest,
    )
    result = RefreshResult(run.id, chosen.kind, counts={"kind": chosen.kind.value, "why": chosen.reason})
    report = progress or (lambda step, done, total: None)
    try:
        if chosen.kind is RefreshKind.FULL:
            run.reference = await _full(merchant_id, config, as_of, rerank, result, run, report)
        else:
            assert chosen.since is not None and chosen.full_run is not None
            await _incremental(merchant_id, config, as_of, rerank, result, run, chosen, changed, report)
            run.reference = chosen.full_run.reference
        report("done", len(STEPS), len(STEPS))
    except Exception:
        run.status, run.error = RefreshStatus.FAILED, traceback.format_exc(limit=5)
        run.step_seconds, run.counts, run.finished_at = result.step_seconds, result.counts, datetime.now(UTC)
        await run.save()
        raise
    if chosen.kind is RefreshKind.FULL:
        await _fresh_statistics()
    run.status, run.step_seconds, run.counts = RefreshStatus.COMPLETE, result.step_seconds, result.counts
    run.finished_at = datetime.now(UTC)
    await run.save()
    return result


async def _full(
    merchant_id: int,
    config: InsightsConfig,
    as_of: datetime,
    rerank: Rerank | None,
    result: RefreshResult,
    run: RefreshRun,
    report: Progress,
) -> dict[str, Any]:
    """Every step over everyone; returns the reference the incremental runs after it score against."""
    history = None
    reference: dict[str, Any] = {}
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
            run.read_at = datetime.now(UTC)
            history = result.history = await load_history(merchant_id)
            result.warning = run.warning = as_of_warning(history, as_of)  # type: ignore[assignment]
            async with in_transaction() as conn:
                result.counts["facts"] = await refresh_facts(conn, merchant_id, config)
                result.counts["profiles_with_orders"] = await refresh_transactions(conn, history, now)
        elif step == "segments":
            assert history is not None
            async with in_transaction() as conn:
                result.counts["segments"], reference["segments"] = await refresh_segments(conn, history, config, as_of)
                result.counts["value_tiers"] = await stored_tier_totals(merchant_id, conn)
        elif step == "predictions":
            assert history is not None
            async with in_transaction() as conn:
                counts, reference["predictions"] = await refresh_predictions(conn, history, config, as_of)
            result.counts |= counts
            result.model_check = run.model_check = model_checks(history, as_of)
        else:
            assert history is not None
            async with in_transaction() as conn:
                recs = await refresh_recommendations(conn, history, config.recommendations, now, rerank, run_id=run.id)
            result.counts |= {"recommended_profiles": recs["profiles"], "paired_products": recs["products"]}
        result.step_seconds[step] = round(time.perf_counter() - started, 4)
    return reference


async def _incremental(
    merchant_id: int,
    config: InsightsConfig,
    as_of: datetime,
    rerank: Rerank | None,
    result: RefreshResult,
    run: RefreshRun,
    chosen: Plan,
    changed: set[int],
    report: Progress,
) -> None:
    """The same steps over the changed people only, scored against the last full run's reference;
    each step's rows of those people are replaced in one transaction, everyone else's stay."""
    assert chosen.since is not None and chosen.full_run is not None
    reference = chosen.full_run.reference
    result.customers = sorted(changed)
    history = None
    for done, step in enumerate(STEPS):
        report(step, done, len(STEPS))
        started = time.perf_counter()
        now = datetime.now(UTC)
        if step == "identity":
            resolution = await resolve(merchant_id, changed) if changed else Resolution()
            result.merges = resolution.merges
            profiles = await changed_profiles(merchant_id, chosen.since, changed)
            profiles |= {p for merge in resolution.merges for p in merge}
            silent = await silence_crossed(merchant_id, as_of, config.tiers) - profiles
            result.counts |= {
                "customers_changed": len(changed),
                "profiles_created": resolution.profiles_created,
                "merges": len(resolution.merges),
                "profiles_changed": len(profiles),
                "silence_crossed": len(silent),
            }
            profiles |= silent
        elif step == "profiles":
            run.read_at = datetime.now(UTC)
            span = await purchase_span(Order._meta.db, merchant_id)
            result.warning = run.warning = span_warning(span, as_of)  # type: ignore[assignment]
            # the model the people are scored with: the full run's, with its check
            result.model_check = run.model_check = chosen.full_run.model_check
            history = result.history = await load_history(merchant_id, profiles=profiles)
            async with in_transaction() as conn:
                result.counts["facts"] = await refresh_facts(conn, merchant_id, config, profiles)
                result.counts["profiles_with_orders"] = await refresh_transactions(conn, history, now)
        elif step == "segments":
            assert history is not None
            async with in_transaction() as conn:
                result.counts["segments"], _ = await refresh_segments(
                    conn, history, config, as_of, reference=reference["segments"]
                )
                result.counts["value_tiers"] = await stored_tier_totals(merchant_id, conn)
        elif step == "predictions":
            assert history is not None
            async with in_transaction() as conn:
                counts, _ = await refresh_predictions(conn, history, config, as_of, reference=reference["predictions"])
            result.counts |= counts
        else:
            assert history is not None
            async with in_transaction() as conn:
                recs = await refresh_recommendations(conn, history, config.recommendations, now, rerank)
            result.counts |= {"recommended_profiles": recs["profiles"]}
        result.step_seconds[step] = round(time.perf_counter() - started, 4)


_ANALYZED = (
    Order,
    OrderLine,
    Product,
    Variant,
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
    """The refresh rewrites these tables wholesale and the admin filters join them, and the
    incremental runs after it look up a few people's orders in the store's tables: the planner
    needs their current shape (a first refresh may be the first time it sees them at all; without
    it, a lookup of 1,500 people's orders at a million orders scanned the merchant's index once per
    person, 47 s instead of 0.8 s)."""
    conn = Profile._meta.db
    await dialect_of(conn).analyze(conn, [m._meta.db_table for m in _ANALYZED])
