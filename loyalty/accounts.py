"""A member's own account on a store: what a code (a reward, a tier perk) is bound to there.

The account is one whose balance the member holds: its owner is the member or a member merged
into it, or, owned by no one yet, it shares the member's profile. Registered before guest,
verified first, oldest. Insights' profile alone is not enough: it may group accounts of other
people, and a member's account on another store is often keyed on a profile of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from loyalty.holders import merged_holders
from loyalty.models import Member
from store.models import Customer, Store


def _best_first(customer: Customer) -> tuple[bool, bool, int]:
    return customer.is_guest, not customer.verified_email, customer.id


async def account_on(store: Store, member_key: int) -> Customer | None:
    """The member's account on one store, or ``None`` when they have none there."""
    keys, frontier = {member_key}, [member_key]
    while frontier:
        merged = await Member.filter(merged_into_id__in=frontier).values("profile_id")
        frontier = [row["profile_id"] for row in merged if row["profile_id"] not in keys]
        keys.update(frontier)
    return (
        await Customer.filter(
            Q(owner_id__in=keys) | Q(profile_id__in=keys, owner_id=None), store_id=store.id, deleted_at=None
        )
        .order_by("is_guest", "-verified_email", "id")
        .first()
    )


async def accounts_of(merchant_id: int, member_keys: Iterable[int]) -> dict[int, dict[int, Customer]]:
    """Each member's account per store id, as ``account_on`` picks it, in a constant number of
    queries (for a whole tier's members at once)."""
    members = set(member_keys)
    if not members:
        return {}
    held = await merged_holders(merchant_id)
    keys = members | {k for k, holder in held.items() if holder in members}
    found = await Customer.filter(
        Q(owner_id__in=list(keys)) | Q(profile_id__in=list(keys), owner_id=None),
        merchant_id=merchant_id,
        deleted_at=None,
    )
    out: dict[int, dict[int, Customer]] = {}
    for customer in sorted(found, key=_best_first):
        key = customer.owner_id if customer.owner_id is not None else customer.profile_id
        if key is None:
            continue
        member = held.get(key, key)
        if member in members:
            out.setdefault(member, {}).setdefault(customer.store_id, customer)
    return out
