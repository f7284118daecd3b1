"""The people filters the admin lists share (profiles, loyalty members): store, search, segment,
value tier and churn band, as one queryset of the merchant's surviving profiles."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from insights.models import ClvPrediction, ProfileSegment
from schema.core.ids import expect_pk
from schema.core.search import name_or_email
from schema.insights.types import ChurnBand, ValueTier
from store.models import Profile


def filtered_profiles(merchant_id: int, *, store_id: strawberry.ID | None = None, search: str | None = None,
                      segment: str | None = None, tier: ValueTier | None = None,
                      churn_band: ChurnBand | None = None) -> tuple[QuerySet[Profile], bool]:
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
        queryset = queryset.filter(customers__store_id=expect_pk(store_id, "Store", argument="storeId"),
                                   customers__deleted_at=None)
        joined = True
    if (matches := name_or_email(search or None, "customers__")) is not None:
        queryset = queryset.filter(matches)
        joined = True
    return queryset, joined
