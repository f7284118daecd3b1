"""Insight rows of profiles, batched per request and scoped to the merchant."""

from __future__ import annotations

from collections import defaultdict

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q

from insights.models import (
    ClvPrediction,
    IdentityDecision,
    MergeEvidence,
    ProfileFact,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
)
from insights.segments.ranges import score_ranges
from schema.core.batching import Row, Rows, by_key, grouped, loader
from schema.insights.score_ranges import RfmScoreRanges, ranges_of
from store.scope import MerchantScope

__all__ = [
    "decisions_by_customer",
    "evidence_by_profile",
    "facts_by_profile",
    "predictions_by_profile",
    "revenue_by_profile",
    "score_ranges_by_currency",
    "segment_by_profile",
    "stats_by_profile",
]


def facts_by_profile(scope: MerchantScope) -> Rows[ProfileFact]:
    async def fetch(keys: list[int]) -> list[list[ProfileFact]]:
        return grouped(await ProfileFact.filter(merchant_id=scope.merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


def stats_by_profile(scope: MerchantScope) -> Row[ProfileStats]:
    async def fetch(keys: list[int]) -> list[ProfileStats | None]:
        return by_key(await ProfileStats.filter(merchant_id=scope.merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


def revenue_by_profile(scope: MerchantScope) -> Rows[ProfileRevenue]:
    async def fetch(keys: list[int]) -> list[list[ProfileRevenue]]:
        return grouped(
            await ProfileRevenue.filter(merchant_id=scope.merchant_id, profile_id__in=keys), keys, "profile_id"
        )

    return loader(fetch)


def segment_by_profile(scope: MerchantScope) -> Row[ProfileSegment]:
    async def fetch(keys: list[int]) -> list[ProfileSegment | None]:
        return by_key(
            await ProfileSegment.filter(merchant_id=scope.merchant_id, profile_id__in=keys), keys, "profile_id"
        )

    return loader(fetch)


def predictions_by_profile(scope: MerchantScope) -> Rows[ClvPrediction]:
    async def fetch(keys: list[int]) -> list[list[ClvPrediction]]:
        rows = await ClvPrediction.filter(merchant_id=scope.merchant_id, profile_id__in=keys).order_by("currency")
        return grouped(rows, keys, "profile_id")

    return loader(fetch)


def evidence_by_profile(scope: MerchantScope) -> Rows[MergeEvidence]:
    async def fetch(keys: list[int]) -> list[list[MergeEvidence]]:
        rows = await MergeEvidence.filter(merchant_id=scope.merchant_id, profile_id__in=keys).order_by("id")
        return grouped(rows, keys, "profile_id")

    return loader(fetch)


def decisions_by_customer(scope: MerchantScope) -> Rows[IdentityDecision]:
    """Every "do not merge" ruling a customer is part of, on either side."""

    async def fetch(keys: list[int]) -> list[list[IdentityDecision]]:
        rows = await IdentityDecision.filter(
            Q(customer_a_id__in=keys) | Q(customer_b_id__in=keys), merchant_id=scope.merchant_id
        ).order_by("id")
        groups: dict[int, list[IdentityDecision]] = defaultdict(list)
        for row in rows:
            groups[row.customer_a_id].append(row)
            if row.customer_b_id != row.customer_a_id:
                groups[row.customer_b_id].append(row)
        return [groups.get(key, []) for key in keys]

    return loader(fetch)


def score_ranges_by_currency(scope: MerchantScope) -> DataLoader[str, RfmScoreRanges]:
    """The ranges behind every RFM score, keyed by currency code: one set of aggregates per request."""

    async def fetch(keys: list[str]) -> list[RfmScoreRanges]:
        found = await score_ranges(scope.merchant_id, list(keys))
        return [ranges_of(key, found.get(key, [])) for key in keys]

    return loader(fetch)
