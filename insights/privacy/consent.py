"""Marketing consent: whether a person may be contacted, for every outgoing event and export."""

from __future__ import annotations

from collections.abc import Iterable

from store.models import Customer
from store.people import resolve_profile


async def may_contact(profile_id: int) -> bool:
    """The newest consent any of the person's store accounts gave; no account (or erased) means no."""
    return profile_id in await contactable([await resolve_profile(profile_id)])


async def contactable(profile_ids: Iterable[int]) -> set[int]:
    """The profiles among ``profile_ids`` (surviving ids) whose newest store record accepts marketing."""
    wanted = set(profile_ids)
    newest: dict[int, tuple[object, int, bool]] = {}
    rows = await Customer.filter(profile_id__in=wanted, deleted_at=None).values_list(
        "profile_id", "platform_updated_at", "id", "accepts_marketing"
    )
    for profile_id, updated_at, customer_id, accepts in rows:
        seen = newest.get(profile_id)
        if seen is None or (updated_at, customer_id) > seen[:2]:
            newest[profile_id] = (updated_at, customer_id, bool(accepts))
    return {p for p, (_, _, accepts) in newest.items() if accepts}
