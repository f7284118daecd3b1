"""Profiles and customers, batched per request and scoped to the merchant."""

from __future__ import annotations

from schema.core.batching import Row, Rows, by_key, grouped, loader
from store.models import Customer, Profile
from store.scope import MerchantScope

__all__ = ["customer_by_id", "customers_by_profile", "profile_by_id"]


def profile_by_id(scope: MerchantScope) -> Row[Profile]:
    async def fetch(keys: list[int]) -> list[Profile | None]:
        return by_key(await Profile.filter(merchant_id=scope.merchant_id, id__in=keys), keys)

    return loader(fetch)


def customer_by_id(scope: MerchantScope) -> Row[Customer]:
    async def fetch(keys: list[int]) -> list[Customer | None]:
        return by_key(await scope.customers().filter(id__in=keys), keys)

    return loader(fetch)


def customers_by_profile(scope: MerchantScope, by_id: Row[Customer] | None = None) -> Rows[Customer]:
    """Customers per profile; primes ``by_id`` with them, so a later lookup of one of them is free."""

    async def fetch(keys: list[int]) -> list[list[Customer]]:
        rows = await scope.customers().filter(profile_id__in=keys)
        if by_id is not None:
            by_id.prime_many({row.id: row for row in rows})
        return grouped(rows, keys, "profile_id")

    return loader(fetch)
