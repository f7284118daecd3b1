"""Admin queries over the merchant and its stores."""

from __future__ import annotations

import strawberry

from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate
from schema.stores.types import STORES, MerchantNode, StoreNode
from store.models import Merchant


@strawberry.type
class StoreQueries:
    @strawberry.field(description="The merchant the caller acts for")
    async def merchant(self, info: AdminInfo) -> MerchantNode:
        return MerchantNode.of(await Merchant.get(id=info.context.viewer.merchant_id))

    @strawberry.field(description="The merchant's stores with their install state and sync health")
    async def stores(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StoreNode]:
        request = Window(first, after, last, before).request(STORES)
        return await paginate(info.context.loaders.scope.stores(), STORES, request, StoreNode.of)

    @strawberry.field
    async def store(self, info: AdminInfo, id: strawberry.ID) -> StoreNode | None:
        row = await info.context.loaders.store.load(expect_pk(id, "Store"))
        return StoreNode.of(row) if row is not None else None
