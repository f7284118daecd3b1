"""What an incremental refresh recomputes, and when a refresh must be a full one.

An incremental run recomputes the people whose orders, customer records or profile changed
since the last complete run read the orders (``updated_at``: ingest, deletions, erasures and
identity moves stamp it; the last run's own identity moves came before its read), and the people whose silence crossed a tier threshold since their row was
scored (the at-risk and lost tiers are absolute, so time alone moves people across them).
Everyone else keeps their rows. Relative figures (RFM quintiles, the VIP share, the CLV fits,
the item neighbours) come from the last full run, which runs weekly, after a settings change,
or when too much changed for an incremental run to be cheaper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from insights.models import InsightModel, ProfileSegment, RefreshKind, RefreshRun, RefreshStatus
from insights.recommendations import STORED_NAME as RECOMMENDER
from insights.segments.rules import TierThresholds
from insights.settings import InsightsConfig
from store.models import Customer, Order, Profile
from store.sql.writes import CHUNK

FULL_EVERY = timedelta(days=7)
"""An incremental run's relative figures drift as the population moves: a full run this often."""
FULL_SHARE = 0.2
"""When more than this share of the merchant's customers changed, a full run costs little more."""
REFERENCE_PARTS = ("segments", "predictions")


def settings_digest(config: InsightsConfig) -> str:
    """The settings a run used, as a digest: an incremental run needs the same as its full run."""
    return hashlib.sha256(repr(config).encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    kind: RefreshKind
    reason: str
    """Why this kind: said in the run's counts, so an owner sees why a run was full."""
    since: datetime | None = None
    """Changes stamped at or after this moment are recomputed (incremental runs)."""
    full_run: RefreshRun | None = None
    """The full run whose reference an incremental run scores against."""


async def plan(merchant_id: int, as_of: datetime, digest: str, wanted: RefreshKind | None) -> Plan:
    """Full or incremental: ``wanted`` None lets the last runs decide; an incremental run asked
    for is still full when it cannot be right (no full run yet, new settings, an earlier as-of)."""
    if wanted is RefreshKind.FULL:
        return Plan(RefreshKind.FULL, "asked for")
    done = RefreshRun.filter(merchant_id=merchant_id, status=RefreshStatus.COMPLETE)
    full = await done.filter(kind=RefreshKind.FULL).order_by("-started_at", "-id").first()
    last = await done.order_by("-started_at", "-id").first()
    if full is None or last is None or not all(part in full.reference for part in REFERENCE_PARTS):
        return Plan(RefreshKind.FULL, "no full run to score against")
    if not await InsightModel.filter(merchant_id=merchant_id, name=RECOMMENDER).exists():
        return Plan(RefreshKind.FULL, "no recommender kept by a full run")
    if full.settings_digest != digest:
        return Plan(RefreshKind.FULL, "the insights settings changed since the last full run")
    if full.as_of is None or last.as_of is None or as_of < last.as_of:
        return Plan(RefreshKind.FULL, "the as-of date is earlier than the last run's")
    if wanted is None and as_of - full.as_of >= FULL_EVERY:
        return Plan(RefreshKind.FULL, f"the last full run is {(as_of - full.as_of).days} days old")
    since = last.read_at or last.started_at
    return Plan(RefreshKind.INCREMENTAL, "asked for" if wanted else "changes since the last run", since, full)


async def changed_customers(merchant_id: int, since: datetime) -> set[int]:
    """Customers whose record, or one of whose orders, changed at or after ``since``."""
    records = await Customer.filter(merchant_id=merchant_id, updated_at__gte=since).values_list("id", flat=True)
    ordered = (
        await Order.filter(merchant_id=merchant_id, updated_at__gte=since, customer_id__not_isnull=True)
        .distinct()
        .values_list("customer_id", flat=True)
    )
    return {*cast(list[int], records), *cast(list[int], ordered)}


async def too_many(merchant_id: int, customers: Collection[int]) -> bool:
    if not customers:
        return False
    total = await Customer.filter(merchant_id=merchant_id).count()
    return len(customers) > FULL_SHARE * total


async def changed_profiles(merchant_id: int, since: datetime, customers: Collection[int]) -> set[int]:
    """The profiles of ``customers`` now, and profiles stamped since (a customer moved out or in,
    a merge): with the profiles those were merged into. A profile left without customers is in
    the set so its rows go."""
    wanted = sorted(customers)
    profiles: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        profiles |= set(
            cast(
                list[int],
                await Customer.filter(id__in=wanted[start : start + CHUNK], profile_id__not_isnull=True).values_list(
                    "profile_id", flat=True
                ),
            )
        )
    for profile_id, merged_into in await Profile.filter(merchant_id=merchant_id, updated_at__gte=since).values_list(
        "id", "merged_into_id"
    ):
        profiles.add(profile_id)
        if merged_into is not None:
            profiles.add(merged_into)
    return profiles


async def silence_crossed(merchant_id: int, as_of: datetime, tiers: TierThresholds) -> set[int]:
    """People whose days of silence crossed the at-risk or lost threshold between the day their
    segment was scored and ``as_of``: their tier moved without a new order."""
    out: set[int] = set()
    scored_on = await ProfileSegment.filter(merchant_id=merchant_id).distinct().values_list("as_of", flat=True)
    for then in cast(list[datetime], scored_on):
        days = (as_of.date() - then.date()).days
        if days <= 0:
            continue
        for threshold in {tiers.at_risk_after_days, tiers.lost_after_days}:
            crossed = ProfileSegment.filter(
                merchant_id=merchant_id, as_of=then, recency_days__lte=threshold, recency_days__gt=threshold - days
            )
            out |= set(cast(list[int], await crossed.values_list("profile_id", flat=True)))
    return out
