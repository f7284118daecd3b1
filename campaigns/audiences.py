"""Who is in an audience: one query per condition, combined as sets.

An audience names **member keys**: the profile a loyalty balance is held on (``Member.profile_id``
of a member not merged into another, ``loyalty.holders``), the key a campaign entry, its points
and a birthday are stored under. Everyone the merchant can reach has one: each non-deleted
customer account (guests included) stands for the member holding its points (``Customer.owner``,
followed through loyalty's merges); an account loyalty has not given an owner yet stands for its
insight profile, the key loyalty gives the first account of a profile. Members without any account
(enrolled by hand) are in the universe too. Facts insights keeps per insight profile (value tier,
segment, predictions, order counts) apply to every member key with an account in that profile,
so a key matches when any of its accounts' profiles does. ``ne`` and ``not_in`` are the
complement of ``eq`` and ``in`` within that universe (people with no value at all included).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from campaigns.birthdays import BirthdaySource, earns_gift, next_celebration
from campaigns.definitions import Audience, AudienceField, Condition, Op
from campaigns.models import Birthday, Suppression
from feedback.analytics import nps_groups, open_complaints, profiles_of
from insights.models import ClvPrediction, ProfileRevenue, ProfileSegment, ProfileStats
from loyalty.expiry import Expiring, expiring_points
from loyalty.holders import merged_holders
from loyalty.models import Member
from store.models import Customer, Store
from store.sql import dialect_of, select
from store.timezones import local_date

_LOOKUP = {Op.EQ: "", Op.IN: "__in", Op.GTE: "__gte", Op.LTE: "__lte", Op.GT: "__gt", Op.LT: "__lt"}
_COMPLEMENT = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN}


def _keys(rows: Iterable[Any]) -> set[int]:
    """Ids from ``values_list(..., flat=True)``, which Tortoise types as tuples."""
    return {int(r) for r in rows}


@dataclass
class People:
    """The merchant's member keys and how accounts and insight profiles map onto them."""

    keys: set[int]
    key_of_account: dict[int, int]
    keys_of_profile: dict[int, set[int]]
    accounts_of_key: dict[int, list[tuple[int, int]]]
    """(customer id, store id) of each key's accounts, oldest first."""
    merged: dict[int, int]
    marketing: dict[int, str] = field(default_factory=dict)
    """The address of each account that accepts marketing, trimmed and lower-cased."""

    def key(self, profile_id: int) -> int:
        return self.merged.get(profile_id, profile_id)

    def from_profiles(self, profile_ids: Iterable[Any]) -> set[int]:
        found: set[int] = set()
        for pid in profile_ids:
            found |= self.keys_of_profile.get(pid, set())
        return found

    def from_accounts(self, customer_ids: Iterable[Any]) -> set[int]:
        return {self.key_of_account[c] for c in customer_ids if c in self.key_of_account}


async def people_of(merchant_id: int) -> People:
    """Three queries: merged members, the merchant's live accounts, and its members (read as plain
    rows: at 100,000 accounts the ORM's rows cost more than the database's answer)."""
    merged = await merged_holders(merchant_id)
    key_of_account: dict[int, int] = {}
    keys_of_profile: dict[int, set[int]] = defaultdict(set)
    accounts_of_key: dict[int, list[tuple[int, int]]] = defaultdict(list)
    marketing: dict[int, str] = {}
    conn = Customer._meta.db
    one = f'"merchant_id" = {dialect_of(conn).param(1)}'
    rows = await select(
        conn,
        Customer,
        ("id", "profile_id", "owner_id", "store_id", "accepts_marketing", "email"),
        f'{one} AND "deleted_at" IS NULL',
        [merchant_id],
        suffix=' ORDER BY "id"',
    )
    for customer_id, profile_id, owner_id, store_id, accepts, email in rows:
        anchor: int | None = owner_id if owner_id is not None else profile_id
        if anchor is None:
            continue
        key = merged.get(anchor, anchor)
        key_of_account[customer_id] = key
        accounts_of_key[key].append((customer_id, store_id))
        if profile_id is not None:
            keys_of_profile[profile_id].add(key)
        if accepts and email and email.strip():
            marketing[customer_id] = email.strip().lower()
    members = _keys(
        row[0]
        for row in await select(conn, Member, ("profile_id",), f'{one} AND "merged_into_id" IS NULL', [merchant_id])
    )
    for pid in members:
        keys_of_profile[pid].add(pid)
    keys = set(key_of_account.values()) | set(members)
    return People(keys, key_of_account, dict(keys_of_profile), dict(accounts_of_key), merged, marketing)


@dataclass
class Evaluation:
    """One evaluation of a merchant's audiences at ``now``; keeps what several conditions (and the
    runner) share: the people, where each last bought, the stores' time zones, birthdays and expiring points."""

    merchant_id: int
    now: datetime
    people: People
    stores: dict[int, dict[str, Any]] = field(default_factory=dict)
    _last_store: dict[int, int] | None = None
    _birthdays: dict[int, tuple[date, bool]] | None = None
    _expiring: dict[int, Expiring] | None = None

    @classmethod
    async def start(cls, merchant_id: int, now: datetime) -> Evaluation:
        people = await people_of(merchant_id)
        stores = {
            row["id"]: row
            for row in await Store.filter(merchant_id=merchant_id).values(
                "id", "name", "domain", "platform", "currency", "timezone"
            )
        }
        return cls(merchant_id, now, people, stores)

    async def members(self, audience: Audience) -> set[int]:
        if not audience.parts:
            return set()
        sets = [
            await (self.members(part) if isinstance(part, Audience) else self.matching(part)) for part in audience.parts
        ]
        if audience.match == "any":
            return set().union(*sets)
        result = sets[0]
        for other in sets[1:]:
            result = result & other
        return result

    async def matching(self, condition: Condition) -> set[int]:
        if condition.op in _COMPLEMENT:
            positive = Condition(condition.field, _COMPLEMENT[condition.op], condition.value)
            return self.people.keys - await self.matching(positive)
        return await _SOURCES[condition.field](self, condition) & self.people.keys

    async def last_store(self) -> dict[int, int]:
        """The store each key last bought on (from insights' per-store revenue), else its oldest account's store."""
        if self._last_store is None:
            latest: dict[int, tuple[datetime, int]] = {}
            rows = await ProfileRevenue.filter(merchant_id=self.merchant_id).values_list(
                "profile_id", "store_id", "last_order_at"
            )
            for profile_id, store_id, last in rows:
                for key in self.people.keys_of_profile.get(profile_id, ()):
                    if any(s == store_id for _, s in self.people.accounts_of_key.get(key, ())):
                        if key not in latest or (last, store_id) > latest[key]:
                            latest[key] = (last, store_id)
            found = {key: store for key, (_, store) in latest.items()}
            for key, accounts in self.people.accounts_of_key.items():
                found.setdefault(key, accounts[0][1])
            self._last_store = found
        return self._last_store

    async def today_of(self, key: int) -> date:
        store = (await self.last_store()).get(key)
        return local_date(self.stores[store]["timezone"] if store in self.stores else None, self.now)

    async def birthdays(self) -> dict[int, tuple[date, bool]]:
        """Each key's next birthday on or after its local today, and whether it earns a gift then
        (the 30-day notice for birthdays the shopper gave; the platform's need none)."""
        if self._birthdays is None:
            given: dict[int, tuple[int, int, datetime | None]] = {}
            for customer_id, born in (
                await Customer.filter(merchant_id=self.merchant_id, deleted_at=None)
                .exclude(birthday=None)
                .order_by("id")
                .values_list("id", "birthday")
            ):
                key = self.people.key_of_account.get(customer_id)
                if key is not None:
                    given.setdefault(key, (born.month, born.day, None))
            for profile_id, month, day, source, recorded in await Birthday.filter(
                merchant_id=self.merchant_id
            ).values_list("profile_id", "month", "day", "source", "recorded_at"):
                given[self.people.key(profile_id)] = (
                    month,
                    day,
                    None if source == BirthdaySource.PLATFORM else recorded,
                )
            found: dict[int, tuple[date, bool]] = {}
            for key, (month, day, recorded) in given.items():
                on = next_celebration(month, day, await self.today_of(key))
                found[key] = (on, earns_gift(on, recorded.astimezone(UTC).date() if recorded else None))
            self._birthdays = found
        return self._birthdays

    async def expiring(self, days: int) -> dict[int, Expiring]:
        if self._expiring is None:
            self._expiring = await expiring_points(self.merchant_id, self.now, self.now + timedelta(days=366))
        until = self.now + timedelta(days=days)
        return {k: e for k, e in self._expiring.items() if e.expires_at <= until}


async def evaluate(merchant_id: int, audience: Audience, now: datetime) -> set[int]:
    """The member keys in ``audience`` at ``now``."""
    return await (await Evaluation.start(merchant_id, now)).members(audience)


def _filter(name: str, condition: Condition) -> dict[str, Any]:
    return {name + _LOOKUP[condition.op]: condition.value}


async def _segments(ev: Evaluation, condition: Condition) -> set[int]:
    column = "tier" if condition.field == AudienceField.VALUE_TIER else "segment"
    rows = await ProfileSegment.filter(merchant_id=ev.merchant_id, **_filter(column, condition)).values_list(
        "profile_id", flat=True
    )
    return ev.people.from_profiles(rows)


async def _predictions(ev: Evaluation, condition: Condition) -> set[int]:
    column = {
        AudienceField.CHURN_BAND: "churn_risk",
        AudienceField.P_ALIVE: "probability_alive",
        AudienceField.CLV: "clv",
    }[condition.field]
    value = condition.value
    if condition.field == AudienceField.CLV:
        value = [str(v) for v in value] if isinstance(value, list) else str(value)
    rows = await ClvPrediction.filter(
        merchant_id=ev.merchant_id, **_filter(column, Condition(condition.field, condition.op, value))
    ).values_list("profile_id", "currency")
    if condition.field != AudienceField.CLV:
        return ev.people.from_profiles(pid for pid, _ in rows)
    main = dict(
        await ProfileStats.filter(merchant_id=ev.merchant_id, profile_id__in=list({pid for pid, _ in rows}))
        .exclude(main_currency=None)
        .values_list("profile_id", "main_currency")
    )
    return ev.people.from_profiles(pid for pid, currency in rows if main.get(pid) == currency)


async def _orders(ev: Evaluation, condition: Condition) -> set[int]:
    rows = await ProfileStats.filter(merchant_id=ev.merchant_id, **_filter("orders", condition)).values_list(
        "profile_id", flat=True
    )
    return ev.people.from_profiles(rows)


def _silence_bounds(op: Op, value: float, now: datetime) -> list[dict[str, datetime]]:
    """``last_order_at`` filters for "whole days since the last order <op> value" (days are floored)."""
    day = timedelta(days=1)
    if op == Op.GTE:
        return [{"last_order_at__lte": now - math.ceil(value) * day}]
    if op == Op.GT:
        return [{"last_order_at__lte": now - (math.floor(value) + 1) * day}]
    if op == Op.LTE:
        return [{"last_order_at__gt": now - (math.floor(value) + 1) * day}]
    if op == Op.LT:
        return [{"last_order_at__gt": now - math.ceil(value) * day}]
    values = value if isinstance(value, list) else [value]
    return [
        {"last_order_at__lte": now - int(v) * day, "last_order_at__gt": now - (int(v) + 1) * day}
        for v in values
        if float(v).is_integer()
    ]


async def _silence(ev: Evaluation, condition: Condition) -> set[int]:
    found: set[int] = set()
    for bounds in _silence_bounds(condition.op, condition.value, ev.now):
        rows = await ProfileStats.filter(merchant_id=ev.merchant_id, **bounds).values_list("profile_id", flat=True)
        found |= ev.people.from_profiles(rows)
    return found


async def _members(ev: Evaluation, condition: Condition) -> set[int]:
    column = "tier" if condition.field == AudienceField.TIER else "available"
    return _keys(
        await Member.filter(merchant_id=ev.merchant_id, merged_into_id=None, **_filter(column, condition)).values_list(
            "profile_id", flat=True
        )
    )


def _since(ev: Evaluation, days: int) -> datetime:
    """ "Within N days" of a past event: at most N days ago (0: in the last 24 hours)."""
    return ev.now - timedelta(days=max(days, 1))


async def _tier_changed(ev: Evaluation, condition: Condition) -> set[int]:
    rows = (
        await Member.filter(
            merchant_id=ev.merchant_id, merged_into_id=None, tier_since__gte=_since(ev, condition.value)
        )
        .exclude(tier=None)
        .values_list("profile_id", flat=True)
    )
    return _keys(rows)


async def _tier_drop(ev: Evaluation, condition: Condition) -> set[int]:
    rows = await Member.filter(
        merchant_id=ev.merchant_id,
        merged_into_id=None,
        tier_grace_until__gt=ev.now,
        tier_grace_until__lte=ev.now + timedelta(days=condition.value),
    ).values_list("profile_id", flat=True)
    return _keys(rows)


async def _joined(ev: Evaluation, condition: Condition) -> set[int]:
    rows = await Member.filter(
        merchant_id=ev.merchant_id, merged_into_id=None, created_at__gte=_since(ev, condition.value)
    ).values_list("profile_id", flat=True)
    return _keys(rows)


async def _birthday(ev: Evaluation, condition: Condition) -> set[int]:
    found = set()
    for key, (on, gift) in (await ev.birthdays()).items():
        if gift and (on - await ev.today_of(key)).days <= condition.value:
            found.add(key)
    return found


async def _expiring(ev: Evaluation, condition: Condition) -> set[int]:
    return set(await ev.expiring(condition.value))


async def _accounts(ev: Evaluation, condition: Condition) -> set[int]:
    column = "store_id" if condition.field == AudienceField.STORE else "store__platform"
    rows = await Customer.filter(merchant_id=ev.merchant_id, deleted_at=None, **_filter(column, condition)).values_list(
        "id", flat=True
    )
    return ev.people.from_accounts(rows)


async def consenting(merchant_id: int, people: People) -> set[int]:
    """Keys with an account that accepts marketing at an address nobody suppressed (one query)."""
    suppressed = set(await Suppression.filter(merchant_id=merchant_id).values_list("email", flat=True))
    return people.from_accounts(c for c, email in people.marketing.items() if email not in suppressed)


async def _consent(ev: Evaluation, condition: Condition) -> set[int]:
    agreed = await consenting(ev.merchant_id, ev.people)
    return agreed if condition.value is True else ev.people.keys - agreed


def _compare(count: int, op: Op, value: Any) -> bool:
    if op == Op.IN:
        return count in value
    return {
        Op.EQ: count == value,
        Op.GTE: count >= value,
        Op.LTE: count <= value,
        Op.GT: count > value,
        Op.LT: count < value,
    }[op]


async def _per_person(ev: Evaluation, values: dict[int, Any]) -> dict[int, list[Any]]:
    """Each key's values, one per person (surviving profile) whose accounts it holds."""
    found: dict[int, dict[int, Any]] = defaultdict(dict)
    for profile, person in (await profiles_of(ev.merchant_id, values)).items():
        for key in ev.people.keys_of_profile.get(profile, ()):
            found[key][person] = values[person]
    return {key: list(people.values()) for key, people in found.items()}


async def _nps_group(ev: Evaluation, condition: Condition) -> set[int]:
    """Keys whose latest NPS answer falls in the group(s): one person may hold several profiles
    (a merge), and then a key matches on any of their latest answers."""
    wanted = set(condition.value) if condition.op == Op.IN else {condition.value}
    groups = await _per_person(ev, await nps_groups(ev.merchant_id))
    return {key for key, found in groups.items() if wanted & {str(g) for g in found}}


async def _open_complaints(ev: Evaluation, condition: Condition) -> set[int]:
    """Keys by their people's open or waiting complaints (0 for everyone without one)."""
    counts = {key: sum(found) for key, found in (await _per_person(ev, await open_complaints(ev.merchant_id))).items()}
    return {key for key in ev.people.keys if _compare(counts.get(key, 0), condition.op, condition.value)}


_SOURCES = {
    AudienceField.VALUE_TIER: _segments,
    AudienceField.RFM_SEGMENT: _segments,
    AudienceField.CHURN_BAND: _predictions,
    AudienceField.P_ALIVE: _predictions,
    AudienceField.CLV: _predictions,
    AudienceField.DAYS_SINCE_LAST_ORDER: _silence,
    AudienceField.ORDERS: _orders,
    AudienceField.TIER: _members,
    AudienceField.POINTS_BALANCE: _members,
    AudienceField.BIRTHDAY_WITHIN_DAYS: _birthday,
    AudienceField.POINTS_EXPIRING_WITHIN_DAYS: _expiring,
    AudienceField.TIER_CHANGED_WITHIN_DAYS: _tier_changed,
    AudienceField.TIER_DROP_WITHIN_DAYS: _tier_drop,
    AudienceField.JOINED_WITHIN_DAYS: _joined,
    AudienceField.STORE: _accounts,
    AudienceField.PLATFORM: _accounts,
    AudienceField.MARKETING_CONSENT: _consent,
    AudienceField.NPS_GROUP: _nps_group,
    AudienceField.OPEN_COMPLAINTS: _open_complaints,
}
