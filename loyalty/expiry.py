"""Expiry, in either mode: per lot, first in first out, N months after the points became
available; or everything after N months without activity. A reminder event goes out first."""

from __future__ import annotations

import calendar
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from loyalty.ledger import Book, Posting
from loyalty.models import Entry, EntryKind, EventKind, Member
from loyalty.program import load_program
from loyalty.rewards import expire_codes
from loyalty.rules import ExpiryMode, Rules

BATCH = 500


def add_months(when: datetime, months: int) -> datetime:
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def open_lots(entries: list[tuple[int, datetime, int]]) -> list[tuple[int, datetime, int]]:
    """What is left of each credit (entry id, when, points) after debits took the oldest first."""
    lots: deque[list] = deque()
    for entry_id, when, points in entries:
        if points > 0:
            lots.append([entry_id, when, points])
            continue
        owed = -points
        while owed and lots:
            taken = min(owed, lots[0][2])
            lots[0][2] -= taken
            owed -= taken
            if lots[0][2] == 0:
                lots.popleft()
    return [(e, w, p) for e, w, p in lots]


@dataclass(frozen=True)
class Expiring:
    """What a member will lose: the points due to expire in a window and the first date among them."""

    points: int
    expires_at: datetime


async def expiring_points(merchant_id: int, now: datetime, until: datetime) -> dict[int, Expiring]:
    """Per member key, the points that expire after ``now`` and no later than ``until``, by the same
    lots (FIFO) or inactivity date ``expire_due`` uses; points already past their date are not
    listed (the next expiry run takes them). Two queries for the whole merchant."""
    rules = (await load_program(merchant_id)).rules_now(now)
    if rules is None or rules.expiry == ExpiryMode.NONE:
        return {}
    holding = Member.filter(merchant_id=merchant_id, available__gt=0, merged_into_id=None)
    found: dict[int, Expiring] = {}
    if rules.expiry == ExpiryMode.INACTIVITY:
        for pid, available, last in await holding.exclude(last_activity_at=None).values_list(
            "profile_id", "available", "last_activity_at"
        ):
            expires = add_months(last, rules.expiry_months)
            if now < expires <= until:
                found[pid] = Expiring(available, expires)
        return found
    rows = (
        await Entry.filter(merchant_id=merchant_id, profile_id__in=Subquery(holding.values("profile_id")))
        .exclude(available=0)
        .order_by("profile_id", "occurred_at", "id")
        .values_list("profile_id", "id", "occurred_at", "available")
    )
    per: dict[int, list[tuple[int, datetime, int]]] = {}
    for pid, entry_id, when, points in rows:
        per.setdefault(pid, []).append((entry_id, when, points))
    for pid, entries in per.items():
        due = [
            (expires, points)
            for _, when, points in open_lots(entries)
            if now < (expires := add_months(when, rules.expiry_months)) <= until
        ]
        if due:
            found[pid] = Expiring(sum(p for _, p in due), min(e for e, _ in due))
    return found


async def expire_due(merchant_id: int, now: datetime | None = None, *, batch: int = BATCH) -> dict[str, int]:
    """Expire what is due, send reminders for what will be, and expire unused reward codes."""
    now = now or datetime.now(UTC)
    rules = (await load_program(merchant_id)).rules_now(now)
    counts = {"expired_points": 0, "reminders": 0, "codes": await expire_codes(merchant_id, now)}
    if rules is None or rules.expiry == ExpiryMode.NONE:
        return counts
    ids = (
        await Member.filter(merchant_id=merchant_id, available__gt=0)
        .order_by("profile_id")
        .values_list("profile_id", flat=True)
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        async with in_transaction() as conn:
            book = await Book.open(conn, merchant_id, chunk, now)
            if rules.expiry == ExpiryMode.FIFO:
                await _expire_lots(book, rules, chunk, now, counts)
            else:
                _expire_inactive(book, rules, chunk, now, counts)
            await book.flush()
    return counts


async def _expire_lots(book: Book, rules: Rules, profile_ids: list[int], now: datetime, counts: dict[str, int]) -> None:
    rows = (
        await Entry.filter(profile_id__in=profile_ids)
        .exclude(available=0)
        .using_db(book.conn)
        .order_by("occurred_at", "id")
        .values_list("profile_id", "id", "occurred_at", "available")
    )
    per: dict[int, list[tuple[int, datetime, int]]] = {pid: [] for pid in profile_ids}
    for pid, entry_id, when, points in rows:
        per[pid].append((entry_id, when, points))
    warn = timedelta(days=rules.reminder_days)
    for pid, entries in per.items():
        for entry_id, when, points in open_lots(entries):
            expires = add_months(when, rules.expiry_months)
            if expires <= now:
                book.post(
                    Posting(
                        pid,
                        EntryKind.EXPIRE,
                        f"expire:{pid}:lot:{entry_id}",
                        expires,
                        available=-points,
                        cause="fifo",
                        data={"lot": entry_id},
                    )
                )
                counts["expired_points"] += points
            elif expires - warn <= now:
                book.emit(
                    EventKind.POINTS_EXPIRING,
                    pid,
                    f"expiring:{pid}:lot:{entry_id}",
                    {"profile_id": pid, "points": points, "expires_at": expires.isoformat()},
                    now,
                )
                counts["reminders"] += 1


def _expire_inactive(book: Book, rules: Rules, profile_ids: list[int], now: datetime, counts: dict[str, int]) -> None:
    for pid in profile_ids:
        member = book.member(pid)
        if member.available <= 0 or member.last_activity_at is None:
            continue
        since = member.last_activity_at.isoformat()
        expires = add_months(member.last_activity_at, rules.expiry_months)
        if expires <= now:
            counts["expired_points"] += member.available
            book.post(
                Posting(
                    pid,
                    EntryKind.EXPIRE,
                    f"expire:{pid}:inactive:{since}",
                    expires,
                    available=-member.available,
                    cause="inactivity",
                )
            )
        elif expires - timedelta(days=rules.reminder_days) <= now:
            book.emit(
                EventKind.POINTS_EXPIRING,
                pid,
                f"expiring:{pid}:inactive:{since}",
                {"profile_id": pid, "points": member.available, "expires_at": expires.isoformat()},
                now,
            )
            counts["reminders"] += 1
