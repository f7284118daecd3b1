"""Giving every store-level customer a profile, so loyalty and insights always have a person to key on.

A customer nobody has linked yet gets a profile of their own; identity resolution (insights)
later merges profiles that turn out to be one person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from tortoise.transactions import in_transaction

from store.models import Customer, Profile
from store.sql import delete_in, fill_nulls, insert_rows


async def ensure_profiles(customer_ids: Iterable[int]) -> dict[int, int]:
    """The profile id of each customer, creating a one-customer profile for those without one.

    A few statements per batch whatever its size (a backfill gives thousands of accounts their
    profiles at once): the new profiles in one insert, the links in one conditional update."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    rows = await Customer.filter(id__in=wanted).values("id", "merchant_id", "profile_id")
    linked = {row["id"]: row["profile_id"] for row in rows if row["profile_id"] is not None}
    bare: dict[int, list[int]] = defaultdict(list)  # merchant: its customers without a profile
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["profile_id"] is None:
            bare[row["merchant_id"]].append(row["id"])
    if not bare:
        return linked
    now = datetime.now(UTC)
    mine: dict[int, int] = {}
    async with in_transaction() as conn:
        for merchant, customers in bare.items():  # a merchant's new profiles are alike: any fits any customer
            made = await insert_rows(
                conn,
                Profile,
                [{"merchant_id": merchant, "created_at": now, "updated_at": now}] * len(customers),
                returning=("id",),
            )
            mine |= zip(customers, (int(row["id"]) for row in made), strict=True)
        claimed = await fill_nulls(conn, Customer, "profile_id", mine)
        lost = [cid for cid in mine if cid not in claimed]  # linked concurrently: keep theirs, drop ours
        if lost:
            await delete_in(conn, Profile, "id", [mine[cid] for cid in lost])
            linked |= dict(await Customer.filter(id__in=lost).using_db(conn).values_list("id", "profile_id"))
    return linked | {cid: mine[cid] for cid in claimed}


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
