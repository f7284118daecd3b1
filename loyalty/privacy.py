"""Erasure: what loyalty holds that could identify a person is scrubbed, ledger sums stay.

Loyalty tables hold no emails, phones, names or addresses; what remains is free text a
person could be recognised by (manual adjustment reasons, custom action data, event
bodies) and the hashed network of a referral. Event bodies get the shopper's email only
at send time, from the store, so once the store forgets the person no delivery carries it.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from loyalty.holders import holders
from loyalty.models import Delivery, DeliveryStatus, Entry, Event, Member, Referral
from store.models import Customer
from store.people import resolve_profile

ERASED = "[erased]"


async def member_keys(profile_id: int) -> list[int]:
    """The members holding the balances of a person's accounts (each account's owner, as loyalty
    merged them), the most used first, then the keys named by the person's own profile ids."""
    person = await resolve_profile(profile_id)
    owners = await Customer.filter(profile_id=person).exclude(owner_id=None).values_list("owner_id", flat=True)
    held = await holders([*owners, profile_id, person])
    counts: dict[int, int] = {}
    for owner in owners:
        counts[held[owner]] = counts.get(held[owner], 0) + 1
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return ranked + sorted({profile_id, person, *owners, *held.values()} - set(ranked))


async def erase_profile(profile_id: int) -> dict[str, int]:
    """Scrub a profile's personal traces from loyalty; returns rows touched per table."""
    ids = set(await member_keys(profile_id))
    async with in_transaction():
        entries = await Entry.filter(profile_id__in=ids).exclude(reason=None).update(reason=ERASED)
        entry_data = await Entry.filter(profile_id__in=ids).exclude(data=None).update(data={"erased": True})
        event_ids = await Event.filter(profile_id__in=ids).values_list("id", flat=True)
        await Delivery.filter(event_id__in=event_ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, last_error="profile erased"
        )
        events = await Event.filter(id__in=event_ids).update(data={"erased": True})
        referrals = await Referral.filter(friend_id__in=ids).update(network_key=None)
    return {"entries": entries + entry_data, "events": events, "referrals": referrals}


async def export_profile(profile_id: int) -> dict:
    """A person's loyalty data for a data request: balances, tier and every ledger line."""
    keys = await member_keys(profile_id)
    found = {m.profile_id: m for m in await Member.filter(profile_id__in=keys, merged_into_id=None)}
    member = next((found[key] for key in keys if key in found), None)
    entries = (
        await Entry.filter(profile_id__in=keys)
        .order_by("occurred_at", "id")
        .values("kind", "available", "pending", "lifetime", "order_id", "store_id", "cause", "reason", "occurred_at")
    )
    for entry in entries:
        entry["occurred_at"] = entry["occurred_at"].isoformat()
        entry["kind"] = str(entry["kind"])
    return {
        "member": None
        if member is None
        else {
            "available": member.available,
            "pending": member.pending,
            "lifetime": member.lifetime,
            "tier": member.tier,
            "referral_code": member.referral_code,
        },
        "ledger": entries,
    }
