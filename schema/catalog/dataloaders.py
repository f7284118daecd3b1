"""Products, their variants and "bought together" lists, batched per request and bound to one store."""

from __future__ import annotations

from insights.models import ProductPairing
from schema.core.batching import Row, Rows, by_key, grouped, loader
from store.models import Product, Variant

__all__ = ["pairing_by_product", "product_by_id", "product_pk_by_platform_id", "variants_by_product"]

SELLING = "active"


def product_by_id(store_id: int) -> Row[Product]:
    """Only the store's live, active products: anything else is not in this shop."""

    async def fetch(keys: list[int]) -> list[Product | None]:
        rows = await Product.filter(id__in=keys, store_id=store_id, deleted_at=None, status=SELLING)
        return by_key(rows, keys)

    return loader(fetch)


async def product_pk_by_platform_id(store_id: int, platform_id: str) -> int | None:
    """The store's product the platform calls ``platform_id`` (what a theme knows), live or not:
    the product loader decides whether it is on sale here."""
    return await Product.filter(store_id=store_id, platform_id=platform_id).first().values_list("id", flat=True)


def variants_by_product(store_id: int) -> Rows[Variant]:
    async def fetch(keys: list[int]) -> list[list[Variant]]:
        return grouped(await Variant.filter(product_id__in=keys, store_id=store_id), keys, "product_id")

    return loader(fetch)


def pairing_by_product(store_id: int) -> Row[ProductPairing]:
    async def fetch(keys: list[int]) -> list[ProductPairing | None]:
        rows = await ProductPairing.filter(product_id__in=keys, product__store_id=store_id)
        return by_key(rows, keys, "product_id")

    return loader(fetch)
