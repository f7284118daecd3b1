"""Admin queries over profiles and customers, with the store and search filters."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate
from schema.core.search import name_or_email
from schema.insights.types import ChurnBand, ValueTier
from schema.people.filters import filtered_profiles, known_segment
from schema.people.types import CUSTOMERS, PROFILES, CustomerNode, ProfileNode


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="People across the merchant's stores (merged profiles left out)")
    async def profiles(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        store_id: strawberry.ID | None = None,
        search: str | None = None,
        segment: Annotated[
            str | None,
            strawberry.argument(
                description="a named RFM segment of the merchant, e.g. champions (any case); "
                "an unknown name is a BAD_USER_INPUT error listing the valid ones"
            ),
        ] = None,
        tier: ValueTier | None = None,
        churn_band: Annotated[
            ChurnBand | None, strawberry.argument(description="the band of any of the person's predictions")
        ] = None,
    ) -> Connection[ProfileNode]:
        request = Window(first, after, last, before).request(PROFILES)
        merchant_id = info.context.viewer.merchant_id
        segment = await known_segment(merchant_id, segment)
        queryset, joined = filtered_profiles(
            merchant_id, store_id=store_id, search=search, segment=segment, tier=tier, churn_band=churn_band
        )
        if joined:
            queryset = queryset.distinct()
        return await paginate(queryset, PROFILES, request, ProfileNode.of)

    @strawberry.field
    async def profile(self, info: AdminInfo, id: strawberry.ID) -> ProfileNode | None:
        row = await info.context.loaders.profile.load(expect_pk(id, "Profile"))
        return ProfileNode.of(row) if row is not None else None

    @strawberry.field(description="Store-level customers, guests included")
    async def customers(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        store_id: strawberry.ID | None = None,
        search: str | None = None,
    ) -> Connection[CustomerNode]:
        request = Window(first, after, last, before).request(CUSTOMERS)
        queryset = info.context.loaders.scope.customers()
        if store_id is not None:
            queryset = queryset.filter(store_id=expect_pk(store_id, "Store", argument="storeId"))
        if (matches := name_or_email(search)) is not None:
            queryset = queryset.filter(matches)
        return await paginate(queryset, CUSTOMERS, request, CustomerNode.of)

    @strawberry.field
    async def customer(self, info: AdminInfo, id: strawberry.ID) -> CustomerNode | None:
        row = await info.context.loaders.customer.load(expect_pk(id, "Customer"))
        return CustomerNode.of(row) if row is not None else None
