"""Stores and their sync checkpoints, batched per request and scoped to the merchant."""

from __future__ import annotations

from schema.core.batching import Loader, by_key, grouped, loader
from store.models import SyncCheckpoint
from store.scope import MerchantScope

__all__ = ["Loader", "checkpoints_by_store", "store_by_id"]


def store_by_id(scope: MerchantScope) -> Loader:
    async def fetch(keys: list[int]) -> list:
        return by_key(await scope.stores().filter(id__in=keys), keys)

    return loader(fetch)


def checkpoints_by_store(scope: MerchantScope) -> Loader:
    async def fetch(keys: list[int]) -> list:
        rows = await SyncCheckpoint.filter(store_id__in=keys, store__merchant_id=scope.merchant_id)
        return grouped(rows, keys, "store_id")

    return loader(fetch)
