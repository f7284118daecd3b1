"""Who a member is: the holder of an account's balance (``loyalty.ownership``), looked up for a whole batch."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from loyalty.holders import holder_of
from loyalty.ledger import ensure_members
from loyalty.models import Member
from store.models import Profile


async def member_of(profile_id: int) -> Member | None:
    return await Member.get_or_none(profile_id=await holder_of(profile_id))


async def enroll(profile_id: int) -> Member:
    """Make a member key a member (sign-up), so it has a balance and a referral code before any order."""
    pid = await holder_of(profile_id)
    merchant_id = (await Profile.get(id=pid)).merchant_id
    async with in_transaction() as conn:
        await ensure_members(conn, merchant_id, [pid])
    return await Member.get(profile_id=pid)
