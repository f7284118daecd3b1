"""Products, their variants and "bought together" lists, batched per request and bound to one store."""

from __future__ import annotations

from insights.models import ProductPairing
from schema.core.batching import Loader, by_key, grouped, loader
from store.models import Product, Variant

__all__ = ["Loader", "pairing_by_product", "product_by_id", "variants_by_product"]

SELLING = "active"


def product_by_id(store_id: int) -> Loader:
    """Only the store's live, active products: anything else is not in this shop."""

    async def fetch(keys: list[int]) -> list:
        rows = await Product.filter(id__in=keys, store_id=store_id, deleted_at=None, status=SELLING)
        return by_key(rows, keys)

    return loader(fetch)


def variants_by_product(store_id: int) -> Loader:
    async def fetch(keys: list[int]) -> list:
        return grouped(await Variant.filter(product_id__in=keys, store_id=store_id), keys, "product_id")

    return loader(fetch)


def pairing_by_product(store_id: int) -> Loader:
    async def fetch(keys: list[int]) -> list:
        rows = await ProductPairing.filter(product_id__in=keys, product__store_id=store_id)
        return by_key(rows, keys, "product_id")

    return loader(fetch)
