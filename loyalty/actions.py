"""Action rewards (sign-up, birthday, first order, custom events the merchant's tools post)
and manual adjustments by the store owner, each idempotent on its key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from loyalty.errors import AdjustmentUnexplained, InsufficientPoints, UnknownAction
from loyalty.holders import holder_of
from loyalty.ledger import Book, Posting
from loyalty.models import Entry, EntryKind, EventKind
from loyalty.program import load_program
from store.models import Profile


class ActionStatus(StrEnum):
    """What recording an action did: ``DUPLICATE`` when its key was seen before, ``CAPPED`` over its limit."""

    AWARDED = "awarded"
    DUPLICATE = "duplicate"
    CAPPED = "capped"
    SCHEDULED = "scheduled"
    """Recorded, and paid later by a campaign (a birthday: on the day), not now."""


@dataclass(frozen=True)
class ActionResult:
    status: ActionStatus
    points: int


async def record_action(
    profile_id: int, kind: str, key: str, *, now: datetime | None = None, data: dict[str, Any] | None = None
) -> ActionResult:
    """Reward an action once per ``key`` (``signup``, a birthday's year, a review id ...)."""
    now = now or datetime.now(UTC)
    pid = await holder_of(profile_id)
    merchant_id = (await Profile.get(id=pid)).merchant_id
    program = await load_program(merchant_id)
    version = program.at(now) or program.current
    rule = version.rules.actions.get(kind) if version else None
    if version is None or rule is None:
        raise UnknownAction(f"the program has no action reward {kind!r}")
    entry_key = f"action:{kind}:{pid}:{key}"
    async with in_transaction() as conn:
        book = await Book.open(conn, merchant_id, [pid], now)
        if await Entry.filter(merchant_id=merchant_id, key=entry_key).using_db(conn).exists():
            return ActionResult(ActionStatus.DUPLICATE, 0)
        if rule.limit:
            recent = Entry.filter(profile_id=pid, kind=EntryKind.ACTION, cause=kind)
            if rule.period_days:
                recent = recent.filter(occurred_at__gt=now - timedelta(days=rule.period_days))
            if await recent.using_db(conn).count() >= rule.limit:
                return ActionResult(ActionStatus.CAPPED, 0)
        book.post(
            Posting(
                pid,
                EntryKind.ACTION,
                entry_key,
                now,
                available=rule.points,
                lifetime=rule.points,
                cause=kind,
                version_id=version.id,
                data=data,
            )
        )
        book.emit(
            EventKind.POINTS_EARNED,
            pid,
            f"earned:{entry_key}",
            {"profile_id": pid, "action": kind, "points": rule.points, "pending": False},
            now,
        )
        await book.flush()
    return ActionResult(ActionStatus.AWARDED, rule.points)


async def adjust(
    profile_id: int,
    points: int,
    *,
    reason: str,
    actor: str,
    key: str | None = None,
    now: datetime | None = None,
    allow_debt: bool = False,
) -> int:
    """A manual credit or debit with its reason and actor; returns the new available balance."""
    if not reason or not actor:
        raise AdjustmentUnexplained("a manual adjustment needs a reason and an actor")
    now = now or datetime.now(UTC)
    pid = await holder_of(profile_id)
    merchant_id = (await Profile.get(id=pid)).merchant_id
    entry_key = f"adjust:{key or uuid.uuid4().hex}"
    async with in_transaction() as conn:
        book = await Book.open(conn, merchant_id, [pid], now)
        member = book.member(pid)
        if await Entry.filter(merchant_id=merchant_id, key=entry_key).using_db(conn).exists():
            return member.available
        if points < 0 and member.available + points < 0 and not allow_debt:
            raise InsufficientPoints(member.available, -points)
        book.post(
            Posting(
                pid,
                EntryKind.ADJUST,
                entry_key,
                now,
                available=points,
                lifetime=max(points, 0),
                actor=actor,
                reason=reason,
                cause="manual",
            )
        )
        await book.flush()
        return member.available
