"""Store linking: a merchant hands out a one-time code, and a second store redeems it to join.

A store installs as a merchant of its own; linking moves it (with its customers, orders,
products and their profiles) under the merchant that issued the code, so one shopper who buys
on both stores becomes one person with one program. Only a hash of the code is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import cast

from tortoise.transactions import in_transaction

from store.link_codes import code_hash, new_code
from store.models import Customer, Order, Product, Profile, Store, StoreLinkCode
from store.people import ensure_profiles

CODE_TTL = timedelta(hours=24)


class LinkFailure(StrEnum):
    INVALID_CODE = "INVALID_CODE"
    EXPIRED = "EXPIRED"
    ALREADY_USED = "ALREADY_USED"
    ALREADY_LINKED = "ALREADY_LINKED"


class LinkError(Exception):
    def __init__(self, failure: LinkFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure


async def create_link_code(merchant_id: int, *, ttl: timedelta = CODE_TTL) -> tuple[str, datetime]:
    """A fresh code (80 random bits, grouped for reading aloud) and when it expires."""
    code = new_code()
    expires_at = datetime.now(UTC) + ttl
    await StoreLinkCode.create(merchant_id=merchant_id, code_hash=code_hash(code), expires_at=expires_at)
    return code, expires_at


async def redeem_link_code(code: str, store_id: int) -> Store:
    """Move ``store`` to the code's merchant; the code is spent in the same transaction."""
    now = datetime.now(UTC)
    async with in_transaction():
        link = await StoreLinkCode.get_or_none(code_hash=code_hash(code))
        if link is None:
            raise LinkError(LinkFailure.INVALID_CODE, "no such link code")
        if link.used_at is not None:
            raise LinkError(LinkFailure.ALREADY_USED, "this link code was already used")
        if link.expires_at <= now:
            raise LinkError(LinkFailure.EXPIRED, "this link code has expired")
        store = await Store.get(id=store_id)
        if store.merchant_id == link.merchant_id:
            raise LinkError(LinkFailure.ALREADY_LINKED, "the store already belongs to this merchant")
        spent = await StoreLinkCode.filter(id=link.id, used_at=None).update(used_at=now, used_by_id=store.id)
        if not spent:
            raise LinkError(LinkFailure.ALREADY_USED, "this link code was already used")
        shared = await _profiles_shared_with_other_stores(store)
        unlinked = cast(
            list[int], await Customer.filter(store_id=store.id, profile_id__in=shared).values_list("id", flat=True)
        )
        await Customer.filter(store_id=store.id, profile_id__in=shared).update(profile_id=None, updated_at=now)
        own = await Customer.filter(store_id=store.id, profile_id__not_isnull=True).values_list("profile_id", flat=True)
        await Profile.filter(id__in=set(own)).update(merchant_id=link.merchant_id, updated_at=now)
        # stamped: the next refresh of either merchant sees every row that moved
        for model in (Customer, Order, Product):
            await model.filter(store_id=store.id).update(merchant_id=link.merchant_id, updated_at=now)
        await Store.filter(id=store.id).update(merchant_id=link.merchant_id)
    await ensure_profiles(unlinked)  # new profiles, under the new merchant
    return await Store.get(id=store.id)


async def _profiles_shared_with_other_stores(store: Store) -> set[int]:
    """Profiles of this store's customers that also stand for customers of other stores."""
    mine = set(
        await Customer.filter(store_id=store.id, profile_id__not_isnull=True).values_list("profile_id", flat=True)
    )
    if not mine:
        return set()
    elsewhere = (
        await Customer.filter(profile_id__in=mine).exclude(store_id=store.id).values_list("profile_id", flat=True)
    )
    return set(cast(list[int], elsewhere))
