"""Storefront queries over the catalog: a product of this shop, and recommendations for the caller."""

from __future__ import annotations

import strawberry

from schema.catalog.recommendations import RANKED, for_you
from schema.catalog.types import ProductRecommendationConnection, ShopProduct, recommendation_page
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.ids import expect_pk


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="A product of this shop; null for any other store's product")
    async def product(self, info: StorefrontInfo, id: strawberry.ID) -> ShopProduct | None:
        row = await info.context.loaders.product.load(expect_pk(id, "Product"))
        return ShopProduct.of(row) if row is not None else None

    @strawberry.field(description="For the signed-in shopper, products picked for them; for anyone else, the best-sellers")
    async def recommendations(self, info: StorefrontInfo, first: int | None = None, after: str | None = None,
                              last: int | None = None, before: str | None = None) -> ProductRecommendationConnection:
        request = Window(first, after, last, before).request(RANKED)
        viewer = info.context.viewer
        source, ranked = await for_you(info.context.loaders, viewer.store, viewer.customer)
        return recommendation_page(source, ranked, request)
