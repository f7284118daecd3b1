"""Who a member is: the surviving profile of an order's customer, looked up for a whole batch."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.transactions import in_transaction

from loyalty.ledger import ensure_members
from loyalty.models import Member
from loyalty.sql import ids_param, in_ids, select
from store.models import Customer, Profile
from store.people import ensure_profiles, resolve_profile


async def resolve_many(profile_ids: Iterable[int]) -> dict[int, int]:
    """The surviving profile of each id: one query, and ``resolve_profile`` for merged ones only."""
    wanted = set(profile_ids)
    if not wanted:
        return {}
    conn = Profile._meta.db
    merged = await select(conn, Profile, ("id",), f'{in_ids(conn, "id", 1)} AND "merged_into_id" IS NOT NULL',
                          [ids_param(conn, wanted)])
    resolved = {pid: pid for pid in wanted}
    for (pid,) in merged:
        resolved[pid] = await resolve_profile(pid)
    return resolved


async def profiles_of_customers(customer_ids: Iterable[int]) -> dict[int, int]:
    """The surviving profile of each customer, giving unlinked customers a profile of their own."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    conn = Customer._meta.db
    rows = await select(conn, Customer, ("id", "profile_id"), in_ids(conn, "id", 1), [ids_param(conn, wanted)])
    linked = {cid: pid for cid, pid in rows if pid is not None}
    missing = [cid for cid, pid in rows if pid is None]
    if missing:
        linked |= await ensure_profiles(missing)
    resolved = await resolve_many(linked.values())
    return {cid: resolved[pid] for cid, pid in linked.items()}


async def member_of(profile_id: int) -> Member | None:
    return await Member.get_or_none(profile_id=await resolve_profile(profile_id))


async def enroll(profile_id: int) -> Member:
    """Make a profile a member (sign-up), so it has a balance and a referral code before any order."""
    pid = await resolve_profile(profile_id)
    merchant_id = (await Profile.get(id=pid)).merchant_id
    async with in_transaction() as conn:
        await ensure_members(conn, merchant_id, [pid])
    return await Member.get(profile_id=pid)
