"""Posting to the ledger: entries and cached balances written together, under member row locks.

A ``Book`` is one transaction's unit of work. It locks the members it will touch
(``SELECT ... FOR UPDATE`` on PostgreSQL, in id order so two books cannot deadlock; SQLite
serialises writers), applies each posting to the locked balances in memory, and writes
every entry in one statement and every changed balance in another. An entry whose key
exists already aborts the whole transaction: a concurrent writer got there first, and the
caller's retry will see its work.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from loyalty.models import Delivery, Endpoint, Entry, EntryKind, Event, EventKind, Member
from store.sql import Upsert, Write, columns_of, dialect_of, select, values_of

_NOT_ACTIVITY = frozenset(
    {
        EntryKind.TRANSFER_IN,
        EntryKind.TRANSFER_OUT,
        EntryKind.EXPIRE,
        EntryKind.RELEASE,
        EntryKind.REDEEM_REFUND,
    }
)
"""Entries that do not count as the shopper being active (for inactivity expiry)."""
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class LedgerConflict(RuntimeError):
    """An entry's idempotency key was taken by a concurrent writer: retry the whole unit."""


def referral_code() -> str:
    """Ten characters without look-alikes (no 0/O, 1/I): about 50 bits."""
    raw = int.from_bytes(secrets.token_bytes(7))
    return "".join(_ALPHABET[(raw >> (5 * i)) & 31] for i in range(10))


@dataclass(slots=True)
class Posting:
    profile_id: int
    kind: EntryKind
    key: str
    occurred_at: datetime
    available: int = 0
    pending: int = 0
    lifetime: int = 0
    order_id: int | None = None
    order_seq: int | None = None
    store_id: int | None = None
    version_id: int | None = None
    cause: str = ""
    actor: str | None = None
    reason: str | None = None
    data: Mapping[str, Any] | None = None


_ENTRY_COLUMNS = (
    "merchant_id",
    "profile_id",
    "kind",
    "key",
    "available",
    "pending",
    "lifetime",
    "order_id",
    "order_seq",
    "store_id",
    "version_id",
    "cause",
    "actor",
    "reason",
    "data",
    "occurred_at",
    "created_at",
)
_ENTRIES = Write(Entry, columns=_ENTRY_COLUMNS, conflict=("merchant_id", "key"), returning=("id",))

_NEW_MEMBERS = Write(
    Member,
    columns=(
        "merchant_id",
        "profile_id",
        "referral_code",
        "available",
        "pending",
        "lifetime",
        "created_at",
        "updated_at",
    ),
    conflict=("profile_id",),
)
_EVENTS = Upsert(Event, conflict=("merchant_id", "key"), returning=("id", "kind"))
"""Every column of ``Event`` but its id, as ``Book.emit`` builds them."""
_DELIVERIES = Upsert(
    Delivery,
    columns=("event_id", "endpoint_id", "status", "attempts", "next_attempt_at"),
    conflict=("event_id", "endpoint_id"),
)


@dataclass(slots=True, eq=False)
class LockedMember:
    """A member's row (``loyalty_members``) locked for this transaction: a plain object, since
    a book touches a thousand of them per batch and an ORM model costs more than the row."""

    id: int
    merchant_id: int
    profile_id: int
    available: int
    pending: int
    lifetime: int
    tier: str | None
    tier_since: datetime | None
    tier_grace_until: datetime | None
    referral_code: str
    first_order_at: datetime | None
    last_activity_at: datetime | None
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def debt(self) -> int:
        return max(0, -self.available)

    def row(self) -> tuple[Any, ...]:
        """Values in ``_MEMBER_COLUMNS`` order."""
        return _member_values(self)


_MEMBER_COLUMNS = columns_of(LockedMember)
_MEMBER_STATE = tuple(
    c for c in _MEMBER_COLUMNS if c not in {"id", "merchant_id", "profile_id", "referral_code", "created_at"}
)
"""What a flush may change (the rest is fixed at enrolment)."""
_member_values = values_of(_MEMBER_COLUMNS)
_MEMBERS = Write(Member, columns=_MEMBER_COLUMNS, update=_MEMBER_STATE, update_by="id")


async def ensure_members(conn: BaseDBAsyncClient, merchant_id: int, profile_ids: Iterable[int]) -> None:
    """Enrol every profile that is not a member yet (one statement)."""
    now = datetime.now(UTC)
    await _NEW_MEMBERS.run(
        conn, [(merchant_id, pid, referral_code(), 0, 0, 0, now, now) for pid in sorted(set(profile_ids))]
    )


async def lock_members(
    conn: BaseDBAsyncClient, merchant_id: int, profile_ids: Iterable[int]
) -> dict[int, LockedMember]:
    """The members of these profiles, enrolled if needed and locked for this transaction."""
    wanted = sorted(set(profile_ids))
    if not wanted:
        return {}
    found = {m.profile_id: m for m in await _locked(conn, wanted)}
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        await ensure_members(conn, merchant_id, missing)
        found |= {m.profile_id: m for m in await _locked(conn, missing)}
    return found


async def _locked(conn: BaseDBAsyncClient, profile_ids: list[int]) -> list[LockedMember]:
    """``SELECT ... FOR UPDATE`` in id order (SQLite has no row locks: its writer lock serialises)."""
    dialect = dialect_of(conn)
    rows = await select(
        conn,
        Member,
        _MEMBER_COLUMNS,
        dialect.in_ids("profile_id", 1),
        [dialect.ids(profile_ids)],
        suffix=f' ORDER BY "id"{dialect.for_update}',
    )
    return [LockedMember(*row) for row in rows]


@dataclass
class Book:
    """Postings and events of one transaction, over members locked by ``lock_members``."""

    conn: BaseDBAsyncClient
    merchant_id: int
    members: dict[int, LockedMember]
    now: datetime
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    """Rows in ``_ENTRY_COLUMNS`` order."""
    events: list[dict[str, Any]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)

    @classmethod
    async def open(cls, conn: BaseDBAsyncClient, merchant_id: int, profile_ids: Iterable[int], now: datetime) -> Book:
        return cls(conn, merchant_id, await lock_members(conn, merchant_id, profile_ids), now)

    async def add_members(self, profile_ids: Iterable[int]) -> None:
        """Lock more members mid-transaction (e.g. a referrer found while processing)."""
        missing = set(profile_ids) - set(self.members)
        if missing:
            self.members |= await lock_members(self.conn, self.merchant_id, missing)

    def member(self, profile_id: int) -> LockedMember:
        return self.members[profile_id]

    def post(self, p: Posting) -> None:
        member = self.members[p.profile_id]
        member.available += p.available
        member.pending += p.pending
        member.lifetime += p.lifetime
        if p.kind not in _NOT_ACTIVITY:
            last = member.last_activity_at
            member.last_activity_at = p.occurred_at if last is None or p.occurred_at > last else last
        self.touched.add(p.profile_id)
        self.entries.append(
            (
                self.merchant_id,
                p.profile_id,
                p.kind.value,
                p.key,
                p.available,
                p.pending,
                p.lifetime,
                p.order_id,
                p.order_seq,
                p.store_id,
                p.version_id,
                p.cause,
                p.actor,
                p.reason,
                dict(p.data) if p.data is not None else None,
                p.occurred_at,
                self.now,
            )
        )

    def touch(self, profile_id: int) -> None:
        """Mark a member changed outside its balances (tier, dates) so flush writes it."""
        self.touched.add(profile_id)

    def emit(
        self, kind: EventKind, profile_id: int | None, key: str, data: Mapping[str, Any], occurred_at: datetime
    ) -> None:
        self.events.append(
            {
                "merchant_id": self.merchant_id,
                "profile_id": profile_id,
                "kind": kind,
                "key": key,
                "data": {"kind": kind, **data},
                "occurred_at": occurred_at,
                "created_at": self.now,
            }
        )

    async def flush(self, *, entries_only: bool = False) -> None:
        """Write entries, balances and events; the caller's transaction commits them together.

        ``entries_only`` writes the entries (for a read of the ledger later in the same
        transaction) and keeps balances and events for the last flush, which writes each
        changed member once however many flushes came before.
        """
        if self.entries:
            written = await _ENTRIES.count(self.conn, self.entries)
            if written != len(self.entries):
                raise LedgerConflict("an entry with the same idempotency key exists")
            self.entries = []
        if entries_only:
            return
        if self.touched:
            now = datetime.now(UTC)
            rows = []
            for pid in sorted(self.touched):
                m = self.members[pid]
                m.updated_at = now
                rows.append(m.row())
            await _MEMBERS.run(self.conn, rows)
        if self.events:
            await write_events(self.conn, self.merchant_id, self.events, self.now)
        self.events, self.touched = [], set()


async def write_events(conn: BaseDBAsyncClient, merchant_id: int, events: list[dict[str, Any]], now: datetime) -> None:
    """Keep the events some active endpoint listens to, with one delivery per endpoint."""
    endpoints = await Endpoint.filter(merchant_id=merchant_id, active=True).using_db(conn).values("id", "kinds")
    listeners = [(e["id"], set(e["kinds"] or ())) for e in endpoints]
    wanted = [e for e in events if any(not kinds or e["kind"] in kinds for _, kinds in listeners)]
    if not wanted:
        return
    written = await _EVENTS.run(conn, wanted)
    await _DELIVERIES.run(
        conn,
        [
            {
                "event_id": row["id"],
                "endpoint_id": endpoint_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for row in written
            for endpoint_id, kinds in listeners
            if not kinds or row["kind"] in kinds
        ],
    )
