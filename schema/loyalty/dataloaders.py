"""Loyalty's DataLoaders, built per request for one merchant (never at module level).

Both schemas hang one ``LoyaltyLoaders`` on their loaders object as ``loyalty``, so the shared
types in ``schema.loyalty.types`` resolve their relations the same way on either endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from strawberry.dataloader import DataLoader

from campaigns.models import Birthday
from insights.models import ProfileSegment
from loyalty.holders import holders
from loyalty.members import enroll
from loyalty.models import Member, Perk, Redemption, Reward
from loyalty.ownership import owners_of_customers
from loyalty.program import Program, load_program
from schema.core.batching import Row, Rows, by_key, grouped, loader
from store.models import Order, Profile, Store
from store.people import resolve_profile

__all__ = [
    "LoyaltyLoaders",
    "active_rewards_by_merchant",
    "birthday_by_holder",
    "member_by_customer",
    "member_by_owner",
    "member_by_profile",
    "person_by_member_key",
    "order_name_by_id",
    "perks_by_member",
    "program_by_merchant",
    "redemption_by_id",
    "reward_by_id",
    "store_by_id",
    "value_tier_by_member_key",
]


def reward_by_id(merchant_id: int) -> Row[Reward]:
    """Any reward of the merchant, active or not (an issued code keeps its reward)."""

    async def fetch(keys: list[int]) -> list[Reward | None]:
        return by_key(await Reward.filter(merchant_id=merchant_id, id__in=keys), keys)

    return loader(fetch)


def redemption_by_id(merchant_id: int, rewards: Row[Reward] | None = None) -> Row[Redemption]:
    """Redemptions with their reward in the same statement; primes ``rewards`` with them."""

    async def fetch(keys: list[int]) -> list[Redemption | None]:
        rows = await Redemption.filter(merchant_id=merchant_id, id__in=keys).select_related("reward")
        if rewards is not None:
            rewards.prime_many({row.reward.id: row.reward for row in rows})
        return by_key(rows, keys)

    return loader(fetch)


def order_name_by_id(merchant_id: int) -> Row[str]:
    """An order's display name (``#1042``) by id, for ledger descriptions."""

    async def fetch(keys: list[int]) -> list[str | None]:
        names: dict[int, str] = dict(await Order.filter(merchant_id=merchant_id, id__in=keys).values_list("id", "name"))
        return [names.get(key) for key in keys]

    return loader(fetch)


def member_by_profile(merchant_id: int) -> Row[Member]:
    async def fetch(keys: list[int]) -> list[Member | None]:
        return by_key(await Member.filter(merchant_id=merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


def member_by_owner(merchant_id: int) -> Row[Member]:
    """The member holding the balance of an owner key (``Customer.owner``), following loyalty's merges."""

    async def fetch(keys: list[int]) -> list[Member | None]:
        held = await holders(keys)
        found = {
            m.profile_id: m
            for m in await Member.filter(merchant_id=merchant_id, profile_id__in=list(set(held.values())))
        }
        return [found.get(held[key]) for key in keys]

    return loader(fetch)


def person_by_member_key(merchant_id: int) -> Row[Profile]:
    """The person (surviving insight profile) behind a member key: the key itself, or the profile
    a new owner key was made under (``loyalty.ownership``); one statement for a page of members."""

    async def fetch(keys: list[int]) -> list[Profile | None]:
        rows = {
            row.id: row
            for row in await Profile.filter(merchant_id=merchant_id, id__in=keys).select_related("merged_into")
        }
        found = {}
        for key, row in rows.items():
            person = row.merged_into if row.merged_into_id is not None else row
            if person.merged_into_id is not None:  # merged again since: rare, followed one by one
                person = await Profile.get(id=await resolve_profile(person.id))
            found[key] = person
        return [found.get(key) for key in keys]

    return loader(fetch)


def member_by_customer(merchant_id: int, known_owners: Mapping[int, int] | None = None) -> Row[Member]:
    """The member holding each account's balance (``loyalty.ownership``), enrolled if not one yet.

    For the storefront: a signed-in shopper always has a balance and a referral code to show.
    ``known_owners`` (customer id to owner key, as the sign-in read them in this request)
    spares reading those customers again; loyalty's merges are still followed.
    """
    known = dict(known_owners or {})

    async def fetch(keys: list[int]) -> list[Member | None]:
        unread = [key for key in keys if key not in known]
        profiles = await owners_of_customers(unread) if unread else {}
        resolved = await holders(known[key] for key in keys if key in known)
        profiles |= {key: resolved[known[key]] for key in keys if key in known}
        wanted = set(profiles.values())
        found = {m.profile_id: m for m in await Member.filter(merchant_id=merchant_id, profile_id__in=list(wanted))}
        for pid in sorted(wanted - set(found)):
            found[pid] = await enroll(pid)
        return [found.get(profiles[key]) if key in profiles else None for key in keys]

    return loader(fetch)


def program_by_merchant() -> DataLoader[int, Program]:
    """Every version of a merchant's program, read once per request however many fields need it."""

    async def fetch(keys: list[int]) -> list[Program]:
        return [await load_program(key) for key in keys]

    return loader(fetch)


def active_rewards_by_merchant(rewards: Row[Reward] | None = None) -> Rows[Reward]:
    """A merchant's active rewards in one statement; primes ``rewards`` with them."""

    async def fetch(keys: list[int]) -> list[list[Reward]]:
        rows = await Reward.filter(merchant_id__in=keys, active=True)
        if rewards is not None:
            rewards.prime_many({row.id: row for row in rows})
        return grouped(rows, keys, "merchant_id")

    return loader(fetch)


def store_by_id(merchant_id: int) -> Row[Store]:
    """The merchant's stores, for the store a code is valid on."""

    async def fetch(keys: list[int]) -> list[Store | None]:
        return by_key(await Store.filter(merchant_id=merchant_id, id__in=keys), keys)

    return loader(fetch)


def value_tier_by_member_key(merchant_id: int, people: Row[Profile]) -> Row[str]:
    """The insights value tier (vip, regular, at_risk, lost) of the person behind a member key, from
    the merchant's stored segments; ``None`` before insights has scored them."""

    async def fetch(keys: list[int]) -> list[str | None]:
        persons = await people.load_many(keys)
        ids = [p.id for p in persons if p is not None]
        tiers: dict[int, str] = dict(
            await ProfileSegment.filter(merchant_id=merchant_id, profile_id__in=ids).values_list("profile_id", "tier")
        )
        return [tiers.get(p.id) if p is not None else None for p in persons]

    return loader(fetch)


def perks_by_member(merchant_id: int) -> Rows[Perk]:
    """Every tier perk row of each member key, by store then newest first (one statement per batch)."""

    async def fetch(keys: list[int]) -> list[list[Perk]]:
        rows = await Perk.filter(merchant_id=merchant_id, profile_id__in=keys).order_by(
            "store_id", "-created_at", "-id"
        )
        return grouped(rows, keys, "profile_id")

    return loader(fetch)


def birthday_by_holder(merchant_id: int) -> Row[Birthday]:
    """A member's birthday by the member key holding their points (the birthday campaign's key)."""

    async def fetch(keys: list[int]) -> list[Birthday | None]:
        return by_key(await Birthday.filter(merchant_id=merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


@dataclass
class LoyaltyLoaders:
    """One merchant's loyalty rows for one request."""

    merchant_id: int
    reward: Row[Reward]
    redemption: Row[Redemption]
    order_name: Row[str]
    member_by_profile: Row[Member]
    member_by_customer: Row[Member]
    member_by_owner: Row[Member]
    person: Row[Profile]
    programs: DataLoader[int, Program]
    active_rewards_of: Rows[Reward]
    birthday: Row[Birthday]
    store: Row[Store]
    value_tier: Row[str]
    perks: Rows[Perk]

    @classmethod
    def for_merchant(cls, merchant_id: int, known_owners: Mapping[int, int] | None = None) -> LoyaltyLoaders:
        reward = reward_by_id(merchant_id)
        person = person_by_member_key(merchant_id)
        return cls(
            merchant_id=merchant_id,
            reward=reward,
            redemption=redemption_by_id(merchant_id, reward),
            order_name=order_name_by_id(merchant_id),
            member_by_profile=member_by_profile(merchant_id),
            member_by_customer=member_by_customer(merchant_id, known_owners),
            member_by_owner=member_by_owner(merchant_id),
            person=person,
            programs=program_by_merchant(),
            active_rewards_of=active_rewards_by_merchant(reward),
            birthday=birthday_by_holder(merchant_id),
            store=store_by_id(merchant_id),
            value_tier=value_tier_by_member_key(merchant_id, person),
            perks=perks_by_member(merchant_id),
        )

    async def program(self) -> Program:
        return await self.programs.load(self.merchant_id)

    async def active_rewards(self) -> list[Reward]:
        return await self.active_rewards_of.load(self.merchant_id)

    def forget(self) -> None:
        """Drop cached rows after a write in the same request (a redemption, an adjustment)."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, DataLoader):
                value.clear_all()
