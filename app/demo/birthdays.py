"""The sandbox people's birthdays, kept as birthdays the stores' platforms had, so the demo's
birthday campaign has an audience on its first day.

Each registered account of a person with a birthday gives it to the member holding that
account's points (``Customer.owner``, followed through loyalty's merges), the key the birthday
campaign reads. They count as given when the history starts, and a platform's birthday needs no
notice, so the ones falling today are paid today.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from campaigns.birthdays import keep_platform_birthdays
from loyalty.holders import merged_holders
from sandbox.dataset import Platform, SandboxData
from store.models import Customer, Merchant, Store


async def seed_birthdays(data: SandboxData, merchant: Merchant, stores: Mapping[Platform, Store]) -> int:
    """Birthdays for the members of every sandbox person who has one; returns how many were new."""
    people = data.people_by_id
    merged = await merged_holders(merchant.id)
    born: dict[int, date] = {}
    for platform, store in sorted(stores.items()):
        person_of = {str(c.platform_id): c.person_id for c in data.by_store(platform).customers}
        rows = (
            await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None)
            .order_by("id")
            .values_list("platform_id", "owner_id", "profile_id")
        )
        for platform_id, owner_id, profile_id in rows:
            person = people.get(person_of.get(platform_id, -1))
            anchor = owner_id if owner_id is not None else profile_id
            if person is None or person.birthday is None or anchor is None:
                continue
            born.setdefault(merged.get(anchor, anchor), person.birthday)
    return await keep_platform_birthdays(merchant.id, born, data.orders[0].created_at)
