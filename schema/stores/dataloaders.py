"""Stores and their sync checkpoints, batched per request and scoped to the merchant."""

from __future__ import annotations

from schema.core.batching import Row, Rows, by_key, grouped, loader
from store.models import Store, SyncCheckpoint
from store.scope import MerchantScope

__all__ = ["checkpoints_by_store", "store_by_id"]


def store_by_id(scope: MerchantScope) -> Row[Store]:
    async def fetch(keys: list[int]) -> list[Store | None]:
        return by_key(await scope.stores().filter(id__in=keys), keys)

    return loader(fetch)


def checkpoints_by_store(scope: MerchantScope) -> Rows[SyncCheckpoint]:
    async def fetch(keys: list[int]) -> list[list[SyncCheckpoint]]:
        rows = await SyncCheckpoint.filter(store_id__in=keys, store__merchant_id=scope.merchant_id)
        return grouped(rows, keys, "store_id")

    return loader(fetch)
