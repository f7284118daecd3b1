"""The people filters the admin lists share (profiles, loyalty members): store, search, segment,
value tier and churn band, as one queryset of the merchant's surviving profiles."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from insights.models import ClvPrediction, ProfileSegment
from insights.segments.rules import FALLBACK_SEGMENT
from insights.settings import load_config
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import expect_pk
from schema.core.search import name_or_email
from schema.insights.types import ChurnBand, ValueTier
from store.models import Profile


def spelling(name: str) -> str:
    """A name as people type it compared as one: "Champions", "can't_lose" and "AT RISK" match."""
    return " ".join(name.replace("_", " ").replace("-", " ").lower().split())


def pick_known(value: str, names: list[str], argument: str, what: str) -> str:
    """``value`` as one of ``names`` however it is spelled; otherwise an error that lists them,
    because a filter that silently matches nothing looks like "nobody" to the person asking."""
    found = {spelling(n): n for n in names}.get(spelling(value))
    if found is None:
        listed = ", ".join(f'"{n}"' for n in names)
        shown = value if len(value) <= 60 else f"{value[:57]}..."
        raise ApiError(
            f'Unknown {what} "{shown}" in {argument}; valid values: {listed}.',
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
            valid=names,
        )
    return found


async def known_segment(merchant_id: int, segment: str | None) -> str | None:
    """The merchant's own segment names (they may define their own rules), matched loosely."""
    if segment is None:
        return None
    config = await load_config(merchant_id)
    names = list(dict.fromkeys([r.name for r in config.segment_rules] + [FALLBACK_SEGMENT]))
    return pick_known(segment, names, "segment", "segment")


def filtered_profiles(
    merchant_id: int,
    *,
    store_id: strawberry.ID | None = None,
    search: str | None = None,
    segment: str | None = None,
    tier: ValueTier | None = None,
    churn_band: ChurnBand | None = None,
) -> tuple[QuerySet[Profile], bool]:
    """Profiles matching every filter given, and whether the query joins customers (then a
    profile can come back once per matching customer, and a list of them needs ``distinct``)."""
    queryset = Profile.filter(merchant_id=merchant_id, merged_into_id=None)
    if segment is not None or tier is not None:
        segments = ProfileSegment.filter(merchant_id=merchant_id)
        if segment is not None:
            segments = segments.filter(segment=segment)
        if tier is not None:
            segments = segments.filter(tier=tier.value)
        queryset = queryset.filter(id__in=Subquery(segments.values("profile_id")))
    if churn_band is not None:
        predicted = ClvPrediction.filter(merchant_id=merchant_id, churn_risk=churn_band.value)
        queryset = queryset.filter(id__in=Subquery(predicted.values("profile_id")))
    joined = False
    if store_id is not None:
        queryset = queryset.filter(
            customers__store_id=expect_pk(store_id, "Store", argument="storeId"), customers__deleted_at=None
        )
        joined = True
    if (matches := name_or_email(search or None, "customers__")) is not None:
        queryset = queryset.filter(matches)
        joined = True
    return queryset, joined
