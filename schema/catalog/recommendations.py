"""Which products a storefront recommends: stored insight lists, checked against what the shop sells now.

"For you" and "bought together" are read from what the last insights refresh stored; a
shopper or product it knows nothing about, and every anonymous caller, gets the shop's
best-sellers among its recent orders. Whatever the list, only products this store sells
now (active, not deleted, a variant in stock) are shown, so a list never leaks a product
of another store or one that went out of stock since the refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import strawberry
from tortoise.expressions import Subquery
from tortoise.functions import Count

from insights.models import ProfileRecommendation
from insights.recommendations import MODEL_KNN
from schema.core.pagination import Ordering
from store.models import Customer, Order, OrderLine, Product, Store

if TYPE_CHECKING:
    from schema.shopper.dataloaders import StorefrontLoaders

MAX_ITEMS = 50
RECENT_ORDERS = 1000
"""Best-sellers count the products of the shop's latest orders: what sells now, at a bounded cost."""

RANKED = Ordering("rank", descending=False, is_time=False)


@strawberry.enum(description="Where a recommendation list comes from")
class RecommendationSource(Enum):
    FOR_YOU = "for_you"
    BOUGHT_TOGETHER = "bought_together"
    BEST_SELLERS = "best_sellers"


@dataclass(frozen=True)
class Ranked:
    """A product at its place in a list; ``id`` breaks no ties (ranks are unique) but keys the cursor."""

    id: int
    rank: int
    product: Product


async def on_sale(loaders: StorefrontLoaders, product_ids: list[int]) -> list[Ranked]:
    """``product_ids`` in order, keeping those the store sells now, each once."""
    wanted = list(dict.fromkeys(product_ids))[:MAX_ITEMS]
    products = await loaders.product.load_many(wanted)
    live = [p for p in products if p is not None]
    stock = await loaders.variants_by_product.load_many([p.id for p in live])
    selling = [p for p, variants in zip(live, stock, strict=True) if any(v.in_stock for v in variants)]
    return [Ranked(id=p.id, rank=rank, product=p) for rank, p in enumerate(selling, start=1)]


async def best_sellers(store_id: int) -> list[int]:
    """Products of the store by the number of its recent orders that hold them, most first."""
    recent = (
        Order.filter(store_id=store_id, deleted_at=None, test=False, cancelled_at=None)
        .order_by("-platform_created_at", "-id")
        .limit(RECENT_ORDERS)
        .values("id")
    )
    rows = (
        await OrderLine.filter(order_id__in=Subquery(recent), product_platform_id__not_isnull=True)
        .annotate(n=Count("order_id", distinct=True))
        .group_by("product_platform_id")
        .order_by("-n", "product_platform_id")
        .limit(MAX_ITEMS * 2)
        .values_list("product_platform_id", "n")
    )
    ranked = [platform_id for platform_id, _ in rows]
    found = dict(await Product.filter(store_id=store_id, platform_id__in=ranked).values_list("platform_id", "id"))
    return [found[p] for p in ranked if p in found]


async def _here(store: Store, product_ids: list[int], from_store: int) -> list[int]:
    """The same products at ``store``: a list made for another store of the merchant, by handle."""
    if from_store == store.id:
        return product_ids
    handles = dict(
        await Product.filter(id__in=product_ids, merchant_id=store.merchant_id, handle__not="").values_list(
            "id", "handle"
        )
    )
    local = dict(
        await Product.filter(store_id=store.id, handle__in=list(handles.values()), deleted_at=None).values_list(
            "handle", "id"
        )
    )
    return [local[handles[p]] for p in product_ids if p in handles and handles[p] in local]


async def for_you(
    loaders: StorefrontLoaders, store: Store, customer: Customer | None
) -> tuple[RecommendationSource, list[Ranked]]:
    """The signed-in shopper's stored list; best-sellers for anyone else or when it has nothing on sale."""
    if customer is not None:
        stored = (
            await ProfileRecommendation.get_or_none(profile_id=customer.profile_id, merchant_id=store.merchant_id)
            if customer.profile_id is not None
            else None
        )
        if stored is not None and stored.model == MODEL_KNN:
            ids = await _here(store, [int(item["product_id"]) for item in stored.items], stored.store_id)
            ranked = await on_sale(loaders, ids)
            if ranked:
                return RecommendationSource.FOR_YOU, ranked
    return RecommendationSource.BEST_SELLERS, await on_sale(loaders, await best_sellers(store.id))


async def bought_together(loaders: StorefrontLoaders, product: Product) -> tuple[RecommendationSource, list[Ranked]]:
    """What people buy with ``product``; best-sellers when nobody has bought it yet."""
    stored = await loaders.pairing_by_product.load(product.id)
    if stored is not None and stored.model == MODEL_KNN:
        ranked = await on_sale(
            loaders, [int(i["product_id"]) for i in stored.items if int(i["product_id"]) != product.id]
        )
        if ranked:
            return RecommendationSource.BOUGHT_TOGETHER, ranked
    ids = [p for p in await best_sellers(product.store_id) if p != product.id]
    return RecommendationSource.BEST_SELLERS, await on_sale(loaders, ids)
