"""Giving every store-level customer a profile, so loyalty and insights always have a person to key on.

A customer nobody has linked yet gets a profile of their own; identity resolution (insights)
later merges profiles that turn out to be one person.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from tortoise.transactions import in_transaction

from store.models import Customer, Profile


async def ensure_profiles(customer_ids: Iterable[int]) -> dict[int, int]:
    """The profile id of each customer, creating a one-customer profile for those without one."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    rows = await Customer.filter(id__in=wanted).values("id", "merchant_id", "profile_id")
    linked = {row["id"]: row["profile_id"] for row in rows if row["profile_id"] is not None}
    async with in_transaction():
        for row in rows:
            if row["profile_id"] is not None:
                continue
            profile = await Profile.create(merchant_id=row["merchant_id"])
            claimed = await Customer.filter(id=row["id"], profile_id=None).update(profile_id=profile.id)
            if claimed:
                linked[row["id"]] = profile.id
            else:  # linked concurrently: keep theirs and drop ours
                await profile.delete()
                linked[row["id"]] = (await Customer.get(id=row["id"])).profile_id
    return linked


async def resolve_profile(profile_id: int) -> int:
    """Follow ``merged_into`` to the surviving profile, so an old id still finds its person."""
    seen: set[int] = set()
    current = profile_id
    while current not in seen:
        seen.add(current)
        merged_into = cast(list[int | None], await Profile.filter(id=current).values_list("merged_into_id", flat=True))
        if not merged_into or merged_into[0] is None:
            return current
        current = merged_into[0]
    raise ValueError(f"profile {profile_id} is merged in a cycle")
