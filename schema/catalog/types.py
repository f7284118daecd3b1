"""Storefront types of the catalog: a product of this shop, and lists of recommended products."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from schema.catalog.recommendations import RANKED, Ranked, RecommendationSource, bought_together
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.ids import to_gid
from schema.core.money import Money
from schema.core.node import Node
from schema.core.pagination import Connection, PageRequest, paginate_loaded
from store.models import Product


@strawberry.type(description="A product's picture, loaded from where the store keeps it")
class Image:
    url: str
    alt_text: str | None = strawberry.field(description="what the picture shows, for screen readers")


@strawberry.type(name="Product", description="A product this shop sells")
class ShopProduct(Node):
    row: strawberry.Private[Product]
    title: str
    handle: str
    vendor: str
    category: str
    image: Image | None = strawberry.field(description="the product's main picture; null when it has none")
    url: str | None = strawberry.field(
        description="the product's page on the storefront, to link it; null when unpublished"
    )

    @strawberry.field(description="the lowest price of a variant in stock (of any variant when none is)")
    async def price(self, info: StorefrontInfo) -> Money | None:
        variants = await info.context.loaders.variants_by_product.load(self.row.id)
        pool = [v for v in variants if v.in_stock] or variants
        if not pool:
            return None
        return Money.of(min(v.price for v in pool), info.context.viewer.store.currency)

    @strawberry.field
    async def available_for_sale(self, info: StorefrontInfo) -> bool:
        return any(v.in_stock for v in await info.context.loaders.variants_by_product.load(self.row.id))

    @strawberry.field(description="Products people buy together with this one, best first")
    async def frequently_bought_together(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductRecommendationConnection:
        request = Window(first, after, last, before).request(RANKED)
        source, ranked = await bought_together(info.context.loaders, self.row)
        return recommendation_page(source, ranked, request)

    @classmethod
    def of(cls, row: Product) -> ShopProduct:
        image = Image(url=row.image_url, alt_text=row.image_alt or None) if row.image_url else None
        return cls(
            id=to_gid("Product", row.id),
            row=row,
            title=row.title,
            handle=row.handle,
            vendor=row.vendor,
            category=row.category,
            image=image,
            url=row.url or None,
        )


@strawberry.type(description="Recommended products of this shop, best first, and where the list comes from")
class ProductRecommendationConnection(Connection[ShopProduct]):
    source: RecommendationSource


def recommendation_page(
    source: RecommendationSource, ranked: Sequence[Ranked], request: PageRequest
) -> ProductRecommendationConnection:
    page = paginate_loaded(ranked, RANKED, request, lambda r: ShopProduct.of(r.product))
    return ProductRecommendationConnection(edges=page.edges, page_info=page.page_info, source=source)
