"""Storefront queries over the catalog: a product of this shop, and recommendations for the caller."""

from __future__ import annotations

import strawberry

from schema.catalog.dataloaders import product_pk_by_platform_id
from schema.catalog.recommendations import RANKED, for_you
from schema.catalog.types import ProductRecommendationConnection, ShopProduct, recommendation_page
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.ids import expect_pk, platform_id_of


@strawberry.type
class CatalogQueries:
    @strawberry.field(
        description="A product of this shop, by its id or by the platform's own id "
        "(gid://shopify/Product/123 on a Shopify store, gid://woocommerce/Product/45 on a "
        "WooCommerce store: what a theme knows); null for any other store's product"
    )
    async def product(self, info: StorefrontInfo, id: strawberry.ID) -> ShopProduct | None:
        store = info.context.viewer.store
        platform = platform_id_of(id, "Product")
        if platform is None:
            pk: int | None = expect_pk(id, "Product")
        elif platform[0] == store.platform:
            pk = await product_pk_by_platform_id(store.id, platform[1])
        else:
            pk = None  # another platform's product is never this shop's
        row = await info.context.loaders.product.load(pk) if pk is not None else None
        return ShopProduct.of(row) if row is not None else None

    @strawberry.field(
        description="For the signed-in shopper, products picked for them; for anyone else, the best-sellers"
    )
    async def recommendations(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductRecommendationConnection:
        request = Window(first, after, last, before).request(RANKED)
        viewer = info.context.viewer
        source, ranked = await for_you(info.context.loaders, viewer.store, viewer.customer)
        return recommendation_page(source, ranked, request)
