"""Erasure: what loyalty holds that could identify a person is scrubbed, ledger sums stay.

Loyalty tables hold no emails, phones, names or addresses; what remains is free text a
person could be recognised by (manual adjustment reasons, custom action data, event
bodies) and the hashed network of a referral. Event bodies get the shopper's email only
at send time, from the store, so once the store forgets the person no delivery carries it.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from loyalty.models import Delivery, DeliveryStatus, Entry, Event, Member, Referral
from store.people import resolve_profile

ERASED = "[erased]"


async def erase_profile(profile_id: int) -> dict[str, int]:
    """Scrub a profile's personal traces from loyalty; returns rows touched per table."""
    ids = {profile_id, await resolve_profile(profile_id)}
    async with in_transaction():
        entries = await Entry.filter(profile_id__in=ids).exclude(reason=None).update(reason=ERASED)
        entry_data = await Entry.filter(profile_id__in=ids).exclude(data=None).update(data={"erased": True})
        event_ids = await Event.filter(profile_id__in=ids).values_list("id", flat=True)
        await Delivery.filter(event_id__in=event_ids, status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED, last_error="profile erased")
        events = await Event.filter(id__in=event_ids).update(data={"erased": True})
        referrals = await Referral.filter(friend_id__in=ids).update(network_key=None)
    return {"entries": entries + entry_data, "events": events, "referrals": referrals}


async def export_profile(profile_id: int) -> dict:
    """A person's loyalty data for a data request: balances, tier and every ledger line."""
    profile_id = await resolve_profile(profile_id)
    member = await Member.get_or_none(profile_id=profile_id)
    entries = await Entry.filter(profile_id=profile_id).order_by("occurred_at", "id").values(
        "kind", "available", "pending", "lifetime", "order_id", "store_id", "cause", "reason", "occurred_at"
    )
    for entry in entries:
        entry["occurred_at"] = entry["occurred_at"].isoformat()
        entry["kind"] = str(entry["kind"])
    return {
        "member": None if member is None else {
            "available": member.available, "pending": member.pending, "lifetime": member.lifetime,
            "tier": member.tier, "referral_code": member.referral_code,
        },
        "ledger": entries,
    }
