"""Action rewards (sign-up, birthday, first order, custom events the merchant's tools post)
and manual adjustments by the store owner, each idempotent on its key.

Some actions are worth points only when someone other than the shopper vouches for them
(``VerifiedAction``): a sign-up is the platform's live customer-created event, a newsletter is
the platform's marketing consent on a registered account, a review is posted by the store's
server through the signed review endpoint. The storefront refuses them from the shopper.

Decisions: a guest (checkout-only) account earns neither sign-up nor newsletter, since nobody
can sign in to it; its consent is paid when the shopper registers and the account syncs with
consent. Newsletter is paid once per member, whether the consent arrives by webhook, by sync or
in the first backfill, dated when Rapport learns of it (the platforms' records carry no consent
time); consent withdrawn later keeps the points, as any earned action does. Sign-up is paid only
from the live created event: a backfill or sync cannot tell a new account from an old one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from loyalty.errors import AdjustmentUnexplained, InsufficientPoints, UnknownAction
from loyalty.holders import holder_of
from loyalty.ledger import Book, LedgerConflict, Posting
from loyalty.models import Entry, EntryKind, EventKind
from loyalty.ownership import owners_of_customers
from loyalty.program import load_program
from store.models import Customer, Profile


class VerifiedAction(StrEnum):
    """Actions paid only from a verified source, never from the shopper's own word."""

    SIGNUP = "signup"
    NEWSLETTER = "newsletter"
    REVIEW = "review"

    @property
    def source(self) -> str:
        """Where its points come from, in words a shopper or a developer can act on."""
        return VERIFIED_SOURCES[self]


VERIFIED_SOURCES = {
    VerifiedAction.SIGNUP: "signup is earned when the account is created on the store",
    VerifiedAction.NEWSLETTER: "newsletter is earned when the store records the shopper's email marketing consent",
    VerifiedAction.REVIEW: "review is earned when the store's review app posts the review to Rapport",
}


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
    profile_id: int,
    kind: str,
    key: str,
    *,
    now: datetime | None = None,
    data: dict[str, Any] | None = None,
    per_member: bool = True,
) -> ActionResult:
    """Reward an action once per ``key`` (``signup``, a birthday's year, a review id ...): per member,
    or for the whole merchant when ``per_member`` is false (a review id names one review, whoever
    it is posted for)."""
    at = now or datetime.now(UTC)
    try:
        return await _record_action(profile_id, kind, key, now=at, data=data, per_member=per_member)
    except LedgerConflict:  # a concurrent call took the key first: once more, which finds it recorded
        return await _record_action(profile_id, kind, key, now=at, data=data, per_member=per_member)


async def _record_action(
    profile_id: int, kind: str, key: str, *, now: datetime, data: dict[str, Any] | None, per_member: bool
) -> ActionResult:
    pid = await holder_of(profile_id)
    merchant_id = (await Profile.get(id=pid)).merchant_id
    program = await load_program(merchant_id)
    version = program.at(now) or program.current
    rule = version.rules.actions.get(kind) if version else None
    if version is None or rule is None:
        raise UnknownAction(f"the program has no action reward {kind!r}")
    entry_key = f"action:{kind}:{pid}:{key}" if per_member else f"action:{kind}:{key}"
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


@dataclass(frozen=True)
class AccountActions:
    """What one page of synced accounts earned: members paid per verified action."""

    signup: int = 0
    newsletter: int = 0


async def _pay_verified(pid: int, action: VerifiedAction, now: datetime, data: dict[str, Any]) -> bool:
    """Pay a verified action once per member (its name is the key); ``False`` when the program has
    none or it was paid before."""
    try:
        result = await record_action(pid, action, action.value, now=now, data=data)
    except UnknownAction:
        return False
    return result.status == ActionStatus.AWARDED


async def _program_actions(merchant_id: int, now: datetime) -> set[str]:
    program = await load_program(merchant_id)
    version = program.at(now) or program.current
    return set(version.rules.actions) if version else set()


async def pay_account_actions(customer_ids: list[int], *, created: bool, now: datetime | None = None) -> AccountActions:
    """Sign-up for accounts a live customer-created event just made (``created``), newsletter for
    registered accounts whose platform says they accept marketing: each once per member. A
    merchant whose program pays neither costs one read (a backfill of a shop without a program)."""
    now = now or datetime.now(UTC)
    rows = await Customer.filter(id__in=customer_ids, is_guest=False, deleted_at=None).values(
        "id", "merchant_id", "store_id", "accepts_marketing"
    )
    offered = {m: await _program_actions(m, now) for m in {row["merchant_id"] for row in rows}}

    def earns(row: dict[str, Any]) -> list[VerifiedAction]:
        wanted = [VerifiedAction.SIGNUP] if created else []
        wanted += [VerifiedAction.NEWSLETTER] if row["accepts_marketing"] else []
        return [action for action in wanted if action in offered[row["merchant_id"]]]

    due = {row["id"]: (row, earns(row)) for row in rows}
    due = {cid: item for cid, item in due.items() if item[1]}
    if not due:
        return AccountActions()
    owners = await owners_of_customers(due)
    paid = {VerifiedAction.SIGNUP: 0, VerifiedAction.NEWSLETTER: 0}
    for cid in sorted(due):
        row, actions = due[cid]
        for action in actions:
            data = {"customer_id": cid, "store_id": row["store_id"]}
            if await _pay_verified(owners[cid], action, now, data):
                paid[action] += 1
    return AccountActions(signup=paid[VerifiedAction.SIGNUP], newsletter=paid[VerifiedAction.NEWSLETTER])


@dataclass(frozen=True)
class Review:
    """A review the store's server vouches for, as the review endpoint read it."""

    review_id: str
    customer_id: int
    store_id: int
    product: str
    rating: int
    order: str | None = None


async def pay_review(review: Review, *, now: datetime | None = None) -> ActionResult:
    """Pay ``review`` to the reviewing account's member, once per review id on the store (and
    within the program's limit per period); product, order and rating go in the entry's data."""
    pid = (await owners_of_customers([review.customer_id]))[review.customer_id]
    data = {
        "customer_id": review.customer_id,
        "store_id": review.store_id,
        "review_id": review.review_id,
        "product": review.product,
        "order": review.order,
        "rating": review.rating,
    }
    key = f"store:{review.store_id}:{review.review_id}"
    return await record_action(pid, VerifiedAction.REVIEW, key, now=now, data=data, per_member=False)


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
