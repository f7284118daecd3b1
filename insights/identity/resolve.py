"""Identity resolution: which store-level customers are one person, kept in ``Customer.profile``.

Customers are linked by a normalised email or phone (exact keys) and, when the merchant
turns it on, by a similar name *and* address. Linked customers share one profile; when
two profiles turn out to be one person, the profile with the most of that person's
customers survives and the other is marked ``merged_into`` it. Every link is stored with
the kinds of keys that matched (``MergeEvidence``), and an admin's split is stored as
``IdentityDecision`` pairs that no later run joins again.

``resolve_customers`` looks only at the part of the graph the given customers touch (their
keys' matches and their profiles' members, followed until nothing new turns up), so it
gives the same answer a full ``resolve_merchant`` would for those people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from insights.identity.clusters import Clusters, Edge
from insights.identity.fuzzy import Person, match_score
from insights.identity.keys import (
    block_key,
    digest,
    normalize_address,
    normalize_email,
    normalize_phone,
    normalize_text,
)
from insights.models import IdentityDecision, IdentityKey, IdentityKeyKind, MergeEvidence
from insights.settings import InsightsConfig, load_config
from store.models import Customer, Order, Profile
from store.sql import delete_in, dialect_of, insert_rows, set_column
from store.sql.writes import CHUNK

Merge = tuple[int, int]
"""(surviving profile id, absorbed profile id)"""

EXACT_KINDS = (IdentityKeyKind.EMAIL, IdentityKeyKind.PHONE)
FUZZY_KIND = IdentityKeyKind.NAME_AND_ADDRESS
MAX_BLOCK = 200
"""Fuzzy candidates are compared pairwise within a postcode; larger blocks are skipped."""


@dataclass
class Resolution:
    """What one run did: the merges to pass on (e.g. to loyalty) and counts for the log."""

    merges: list[Merge] = field(default_factory=list)
    customers: int = 0
    profiles_created: int = 0
    customers_moved: int = 0


_NOBODY = Person("", "", None)
"""Every customer's ``Person`` when fuzzy matching is off: nothing reads it then."""


@dataclass
class _Customer:
    id: int
    profile_id: int | None
    keys: dict[str, set[str]]  # kind -> digests
    person: Person


async def resolve_merchant(merchant_id: int) -> list[Merge]:
    """Resolve every customer of the merchant; returns the profile merges performed."""
    return (await resolve(merchant_id)).merges


async def resolve_customers(customer_ids: Iterable[int]) -> list[Merge]:
    """Link (or create) the profiles of a few customers without a full recompute."""
    wanted = set(customer_ids)
    if not wanted:
        return []
    by_merchant: dict[int, set[int]] = defaultdict(set)
    for row in await Customer.filter(id__in=wanted).values("id", "merchant_id"):
        by_merchant[row["merchant_id"]].add(row["id"])
    merges: list[Merge] = []
    for merchant_id, ids in sorted(by_merchant.items()):
        merges += (await resolve(merchant_id, ids)).merges
    return merges


async def resolve(merchant_id: int, seeds: set[int] | None = None) -> Resolution:
    """Full run when ``seeds`` is None, else the closure of the graph around ``seeds``."""
    config = await load_config(merchant_id)
    async with in_transaction() as conn:
        await dialect_of(conn).transaction_lock(conn, 0x1D, merchant_id)  # one resolver per merchant at a time
        if seeds is not None and not await IdentityKey.filter(merchant_id=merchant_id).exists():
            seeds = None  # nothing was ever keyed, so only a full run can find the matches
        customers = await _load_component(merchant_id, seeds, config)
        return await _apply(conn, merchant_id, customers, config, full=seeds is None)


async def _load_component(merchant_id: int, seeds: set[int] | None, config: InsightsConfig) -> dict[int, _Customer]:
    kinds = _matching_kinds(config)
    if seeds is None:
        return await _load_customers(merchant_id, None, config)
    loaded: dict[int, _Customer] = {}
    pending = set(seeds)
    while pending:
        fresh = await _load_customers(merchant_id, pending, config)
        loaded.update(fresh)
        digests = {d for c in fresh.values() for kind in kinds for d in c.keys.get(kind, ())}
        found: set[int] = set()
        if digests:
            found |= set(
                await IdentityKey.filter(merchant_id=merchant_id, digest__in=digests).values_list(
                    "customer_id", flat=True
                )
            )
        profiles = {c.profile_id for c in fresh.values() if c.profile_id is not None}
        if profiles:
            found |= set(await Customer.filter(profile_id__in=profiles, deleted_at=None).values_list("id", flat=True))
        pending = found - set(loaded)
    return loaded


def _matching_kinds(config: InsightsConfig) -> tuple[str, ...]:
    return (*EXACT_KINDS, "block") if config.fuzzy_matching else EXACT_KINDS


async def _load_customers(merchant_id: int, ids: set[int] | None, config: InsightsConfig) -> dict[int, _Customer]:
    """The customers with their key digests, and their names and address when fuzzy matching
    reads them (else one empty ``Person`` for all: at a million orders the names and addresses
    of every customer, read and held for nothing, were most of the identity step's memory).
    Each row read is dropped once its customer is made, so the rows and the customers are not
    both held whole."""
    fuzzy = config.fuzzy_matching
    query = Customer.filter(merchant_id=merchant_id, deleted_at=None)
    orders = Order.filter(merchant_id=merchant_id, customer_id__not_isnull=True)
    if ids is not None:
        query, orders = query.filter(id__in=ids), orders.filter(customer_id__in=ids)
    named = ("first_name", "last_name", "address") if fuzzy else ()
    rows = await query.values("id", "profile_id", "email", "phone", *named)
    contacts: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    for customer_id, email, phone in await orders.distinct().values_list("customer_id", "email", "phone"):
        contacts[customer_id].append((email, phone))
    out = {}
    rows.reverse()
    while rows:
        row = rows.pop()
        used = contacts.pop(row["id"], [])
        emails = {row["email"], *(e for e, _ in used)}
        phones = {row["phone"], *(p for _, p in used)}
        address = row.get("address")
        keys = customer_keys(merchant_id, emails, phones, address, config)
        person = _NOBODY
        if fuzzy:
            person = Person(
                normalize_text(row["first_name"]), normalize_text(row["last_name"]), normalize_address(address)
            )
        out[row["id"]] = _Customer(row["id"], row["profile_id"], keys, person)
    return out


def customer_keys(
    merchant_id: int,
    emails: Iterable[str | None],
    phones: Iterable[str | None],
    address: Mapping[str, Any] | None,
    config: InsightsConfig,
) -> dict[str, set[str]]:
    """Digests of a customer's normalised emails and phones (and fuzzy block when enabled)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for raw in emails:
        if email := normalize_email(raw, provider_aliases=config.email_provider_aliases):
            keys["email"].add(digest(merchant_id, "email", email))
    for raw in phones:
        if phone := normalize_phone(raw, config.default_phone_region):
            keys["phone"].add(digest(merchant_id, "phone", phone))
    if config.fuzzy_matching and (block := block_key(normalize_address(address))):
        keys["block"].add(digest(merchant_id, "block", block))
    return dict(keys)


def _edges(customers: Mapping[int, _Customer], config: InsightsConfig) -> list[Edge]:
    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    for c in customers.values():
        for kind, digests in c.keys.items():
            for d in digests:
                holders[(kind, d)].append(c.id)
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    for (kind, _), ids in holders.items():
        if kind == "block" or len(ids) < 2:
            continue
        ids.sort()
        for other in ids[1:]:
            shared[(ids[0], other)].add(kind)
    edges = [Edge(a, b, tuple(sorted(kinds))) for (a, b), kinds in shared.items()]
    if config.fuzzy_matching:
        linked = {frozenset(pair) for pair in shared}
        for (kind, _), ids in holders.items():
            if kind != "block" or not 2 <= len(ids) <= MAX_BLOCK:
                continue
            for a, b in combinations(sorted(ids), 2):
                if frozenset((a, b)) in linked:
                    continue
                score = match_score(customers[a].person, customers[b].person)
                if score >= config.fuzzy_threshold:
                    edges.append(Edge(a, b, (FUZZY_KIND,), round(score, 4)))
    return edges


async def _apply(
    conn: BaseDBAsyncClient,
    merchant_id: int,
    customers: dict[int, _Customer],
    config: InsightsConfig,
    *,
    full: bool,
) -> Resolution:
    result = Resolution(customers=len(customers))
    if not customers:
        return result
    ids = set(customers)
    decisions = IdentityDecision.filter(merchant_id=merchant_id)
    if not full:
        decisions = decisions.filter(Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids))
    apart = await decisions.values_list("customer_a_id", "customer_b_id")
    clusters = Clusters(sorted(ids), apart)
    clusters.join_all(_edges(customers, config))
    groups = clusters.groups()

    # Each group keeps the profile most of its customers already have; others get a new one.
    claimed: dict[int, int] = {}  # profile id -> group index
    chosen: list[int | None] = [None] * len(groups)
    for index in sorted(range(len(groups)), key=lambda i: (-len(groups[i]), groups[i][0])):
        counts = Counter(customers[c].profile_id for c in groups[index] if customers[c].profile_id is not None)
        for profile_id in sorted(counts, key=lambda p: (-counts[p], p)):
            if profile_id not in claimed:
                claimed[profile_id] = index
                chosen[index] = profile_id
                break
    now = datetime.now(UTC)
    missing = [i for i, p in enumerate(chosen) if p is None]
    if missing:
        created = await insert_rows(
            conn,
            Profile,
            [{"merchant_id": merchant_id, "created_at": now, "updated_at": now}] * len(missing),
            returning=("id",),
        )
        for index, row in zip(missing, sorted(r["id"] for r in created), strict=True):
            chosen[index] = row
        result.profiles_created = len(missing)

    target = {c: chosen[i] for i, group in enumerate(groups) for c in group}
    moves = {c: p for c, p in target.items() if customers[c].profile_id != p}
    await set_column(conn, Customer, "profile_id", moves)
    result.customers_moved = len(moves)

    # A profile left without customers was absorbed by the group that took most of them.
    absorbed: dict[int, Counter[int]] = defaultdict(Counter)
    for c in customers.values():
        if c.profile_id is not None and c.profile_id not in claimed:
            absorbed[c.profile_id][target[c.id]] += 1
    merged_into = {p: min(votes, key=lambda s: (-votes[s], s)) for p, votes in absorbed.items()}
    await set_column(conn, Profile, "merged_into_id", merged_into)
    # Stamp every profile that gained or lost a customer: an incremental refresh recomputes them.
    touched = {p for c, p in moves.items()} | {customers[c].profile_id for c in moves} | set(merged_into)
    await _stamp(conn, Profile, {p for p in touched if p is not None}, now)
    await _stamp(conn, Customer, set(moves), now)
    result.merges = sorted((survivor, p) for p, survivor in merged_into.items())

    if full:
        await IdentityKey.filter(merchant_id=merchant_id).delete()
        await MergeEvidence.filter(merchant_id=merchant_id).delete()
    else:
        await delete_in(conn, IdentityKey, "customer_id", ids)
        await delete_in(conn, MergeEvidence, "customer_a_id", ids)
        await delete_in(conn, MergeEvidence, "customer_b_id", ids)
    await insert_rows(
        conn,
        IdentityKey,
        [
            {"merchant_id": merchant_id, "customer_id": c.id, "kind": kind, "digest": d}
            for c in customers.values()
            for kind, digests in sorted(c.keys.items())
            for d in sorted(digests)
        ],
    )
    await insert_rows(
        conn,
        MergeEvidence,
        [
            {
                "merchant_id": merchant_id,
                "profile_id": target[e.a],
                "customer_a_id": e.a,
                "customer_b_id": e.b,
                "keys": list(e.keys),
                "score": e.score,
                "created_at": now,
            }
            for e in clusters.used
        ],
    )
    return result


async def _stamp(conn: BaseDBAsyncClient, model: type[Profile] | type[Customer], ids: set[int], now: datetime) -> None:
    """``updated_at = now`` on these rows, ``CHUNK`` at a time."""
    wanted = sorted(ids)
    for start in range(0, len(wanted), CHUNK):
        await model.filter(id__in=wanted[start : start + CHUNK]).using_db(conn).update(updated_at=now)
