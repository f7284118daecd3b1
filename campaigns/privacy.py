"""Erasure of a person from what campaigns hold: the addresses and data of their messages, their
birthday, and every suppression of their addresses turned into a hash. Their birthday is also
part of their data export.

An erased person must still get no marketing if they had opted out (or bounced): their suppression
rows are kept, but with the address replaced by a merchant-salted SHA-256 (``erased_address``),
which the queueing rules check beside the plain address. A person who never opted out gets no
suppression: their accounts lose address and consent with the erasure, and a consent they give
the store again later is a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.transactions import in_transaction

from campaigns.models import Birthday, Message, MessageStatus, Suppression
from campaigns.unsubscribe import erased_address
from insights.privacy.subjects import person_scope
from loyalty.privacy import member_keys
from store.models import Customer, Profile


async def profile_keys(profile_id: int) -> set[int]:
    """Every profile id the person's mail and birthday can be filed under: insights' merged
    profiles and loyalty's member keys."""
    scope = await person_scope(profile_id)
    return {*scope.profile_ids, *await member_keys(profile_id)}


async def addresses_of(profile_id: int) -> set[str]:
    """The person's addresses (lower-cased), read before their accounts are erased."""
    keys = await profile_keys(profile_id)
    found = await Customer.filter(profile_id__in=keys).exclude(email=None).values_list("email", flat=True)
    owned = await Customer.filter(owner_id__in=keys).exclude(email=None).values_list("email", flat=True)
    sent = await Message.filter(profile_id__in=keys).exclude(to_email=None).values_list("to_email", flat=True)
    return {str(a).strip().lower() for a in (*found, *owned, *sent) if a}


async def export_profile(profile_id: int) -> dict[str, Any]:
    """What campaigns hold of the person for a data request: the birthday they (or the store) gave."""
    keys = await profile_keys(profile_id)
    rows = await Birthday.filter(profile_id__in=keys).order_by("recorded_at", "id")
    return {
        "birthdays": [
            {
                "month": row.month,
                "day": row.day,
                "year": row.year,
                "source": row.source,
                "recorded_at": row.recorded_at.isoformat(),
            }
            for row in rows
        ]
    }


async def erase_profile(profile_id: int, *, addresses: Iterable[str] = ()) -> dict[str, int]:
    """Scrub the person's traces from campaigns; returns rows touched per table."""
    merchant_id = (await Profile.get(id=profile_id)).merchant_id
    keys = await profile_keys(profile_id)
    known = {a.strip().lower() for a in addresses} | await addresses_of(profile_id)
    async with in_transaction():
        pending = await Message.filter(
            profile_id__in=keys, status__in=(MessageStatus.QUEUED, MessageStatus.SENDING)
        ).update(status=MessageStatus.SKIPPED, reason="erased", lease_until=None)
        messages = await Message.filter(profile_id__in=keys).update(to_email=None, data={}, subject="", last_error=None)
        hashed = 0
        for address in sorted(known):
            row = await Suppression.get_or_none(merchant_id=merchant_id, email=address)
            if row is None:
                continue
            digest = erased_address(merchant_id, address)
            if await Suppression.exists(merchant_id=merchant_id, email=digest):
                await row.delete()
            else:
                await Suppression.filter(id=row.id).update(email=digest, detail="")
            hashed += 1
        birthdays = await Birthday.filter(profile_id__in=keys).delete()
    return {"messages": messages, "cancelled": pending, "suppressions": hashed, "birthdays": birthdays}
