"""Turning synced orders into points: the entry point the runtime calls with the ids
``store.ingest.upsert_orders`` returns.

For each order the target (``earning.award``) is computed from its current state under the
rule version that first awarded it, and only the difference from what the order already
holds is posted: pending or earned when it grows, clawback (refunds, store credit included)
or reversal (cancellation) when it shrinks, from pending first and then from available,
where going below zero is recorded as debt. Replays, duplicates and reorderings therefore
converge on the same balance. A batch costs a constant number of statements.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError, TransactionManagementError
from tortoise.transactions import in_transaction

from loyalty import referrals, rewards, tiers
from loyalty.earning import Award, OrderFacts, award
from loyalty.holders import holders
from loyalty.ledger import Book, LedgerConflict, Posting
from loyalty.models import EntryKind, EventKind, OrderAccount
from loyalty.orders import load_orders
from loyalty.ownership import owners_of_customers
from loyalty.program import Program, Version, load_program
from loyalty.rules import ReleaseMode, Rules
from store.sql import Write, columns_of, dialect_of, select, values_of

log = logging.getLogger(__name__)
BATCH = 1000
RETRIES = 3


@dataclass
class Processed:
    orders: int = 0
    entries: int = 0
    skipped: int = 0
    """Orders without a customer, or placed before the merchant's program began."""


@dataclass(slots=True)
class Account:
    """An order's loyalty state while a batch works on it (a row of ``loyalty_orders``)."""

    order_id: int
    merchant_id: int
    store_id: int
    profile_id: int
    version_id: int
    multiplier: Decimal
    placed_at: datetime
    points: int = 0
    pending: int = 0
    spend: Decimal = Decimal(0)
    counted: bool = False
    release_at: datetime | None = None
    released_at: datetime | None = None
    seq: int = 0
    changed: bool = field(default=False, compare=False)

    def row(self, now: datetime) -> tuple[Any, ...]:
        """Values in ``ACCOUNT_COLUMNS`` order."""
        return _account_values(self) + (now,)


ACCOUNT_COLUMNS = (*columns_of(Account, exclude=frozenset({"changed"})), "updated_at")
"""The columns of ``loyalty_orders`` an ``Account`` row holds, in ``Account.row`` order."""
_account_values = values_of(ACCOUNT_COLUMNS[:-1])
_ACCOUNTS = Write(
    OrderAccount,
    columns=ACCOUNT_COLUMNS,
    conflict=("order_id",),
    update=[c for c in ACCOUNT_COLUMNS if c not in {"order_id", "merchant_id"}],
)


def release_time(rules: Rules, facts: OrderFacts, now: datetime) -> datetime | None:
    """When pending points of an order become available (``None``: at fulfilment, not yet)."""
    if rules.release == ReleaseMode.IMMEDIATE:
        return facts.placed_at
    if rules.release == ReleaseMode.FULFILMENT:
        return now if facts.fulfilled else None
    return facts.placed_at + timedelta(days=rules.return_window_days)


def settle(book: Book, acc: Account, facts: OrderFacts, target: Award, version: Version, now: datetime) -> int:
    """Post the difference between the order's target and what it holds; returns entries posted."""
    rules = version.rules
    posted = 0
    delta = target.points - acc.points
    released = acc.released_at is not None

    def key(kind: EntryKind) -> tuple[str, int]:
        acc.seq += 1
        return f"order:{acc.order_id}:{kind.value}:{acc.seq}", acc.seq

    common: dict[str, Any] = {"order_id": acc.order_id, "store_id": acc.store_id, "version_id": acc.version_id}
    if delta > 0:
        kind = EntryKind.EARN if released else EntryKind.PENDING
        k, seq = key(kind)
        book.post(
            Posting(
                acc.profile_id,
                kind,
                k,
                facts.placed_at,
                available=delta if released else 0,
                pending=0 if released else delta,
                lifetime=delta,
                order_seq=seq,
                **common,
            )
        )
        if not released:
            acc.pending += delta
        book.emit(
            EventKind.POINTS_EARNED,
            acc.profile_id,
            f"earned:{k}",
            {"profile_id": acc.profile_id, "order_id": acc.order_id, "points": delta, "pending": not released},
            facts.placed_at,
        )
        posted += 1
    elif delta < 0:
        take = -delta
        from_pending = 0 if released else min(take, acc.pending)
        from_available = take - from_pending
        member = book.member(acc.profile_id)
        debt = max(0, from_available - max(0, member.available))
        cancelled = facts.cancelled_at is not None
        kind = EntryKind.REVERSAL if cancelled else EntryKind.CLAWBACK
        when = facts.cancelled_at if cancelled else max((r.created_at for r in facts.refunds), default=now)
        data = {
            "debt": debt,
            "refunds": [r.id for r in facts.refunds],
            "store_credit": any(r.store_credit for r in facts.refunds),
        }
        k, seq = key(kind)
        book.post(
            Posting(
                acc.profile_id,
                kind,
                k,
                when or now,
                available=-from_available,
                pending=-from_pending,
                lifetime=-take,
                order_seq=seq,
                data=data,
                **common,
            )
        )
        acc.pending -= from_pending
        posted += 1
    acc.points, acc.spend, acc.counted = target.points, target.spend, target.counted
    due = release_time(rules, facts, now)
    if not released:
        acc.release_at = due
        if due is not None and rules.release != ReleaseMode.RETURN_WINDOW and due <= now:
            posted += release(book, acc, now)
    acc.changed = True
    return posted


def release(book: Book, acc: Account, now: datetime) -> int:
    """Move an order's pending points to available, as of its release time (not the job's run)."""
    when = acc.release_at if acc.release_at is not None and acc.release_at <= now else now
    acc.released_at = when
    acc.changed = True
    if acc.pending <= 0:
        return 0
    acc.seq += 1
    book.post(
        Posting(
            acc.profile_id,
            EntryKind.RELEASE,
            f"order:{acc.order_id}:release:{acc.seq}",
            when,
            available=acc.pending,
            pending=-acc.pending,
            order_id=acc.order_id,
            order_seq=acc.seq,
            store_id=acc.store_id,
            version_id=acc.version_id,
        )
    )
    acc.pending = 0
    return 1


async def load_accounts(order_ids: Iterable[int], conn: Any) -> dict[int, Account]:
    """The accounts of these orders, locked for the transaction (on PostgreSQL)."""
    dialect = dialect_of(conn)
    rows = await select(
        conn,
        OrderAccount,
        ACCOUNT_COLUMNS[:-1],
        dialect.in_ids("order_id", 1),
        [dialect.ids(order_ids)],
        suffix=dialect.for_update,
    )
    return {r[0]: Account(*r) for r in rows}


async def write_accounts(conn: Any, accounts: Iterable[Account], now: datetime) -> None:
    await _ACCOUNTS.run(conn, [a.row(now) for a in accounts if a.changed])


async def process_orders(order_ids: Iterable[int], *, now: datetime | None = None, batch: int = BATCH) -> Processed:
    """Bring the ledger in line with these orders' current state; safe to repeat."""
    now = now or datetime.now(UTC)
    ids = sorted(set(order_ids))
    total = Processed()
    programs: dict[int, Program] = {}
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        for attempt in range(1, RETRIES + 1):
            try:
                done = await _process_chunk(chunk, now, programs)
                break
            except (LedgerConflict, IntegrityError, TransactionManagementError) as exc:
                if attempt == RETRIES:
                    raise
                log.info("loyalty batch conflicted (%s), retrying", exc)
        total.orders += done.orders
        total.entries += done.entries
        total.skipped += done.skipped
    return total


async def _process_chunk(ids: list[int], now: datetime, programs: dict[int, Program]) -> Processed:
    done = Processed()
    facts = await load_orders(ids)
    merchants = {f.merchant_id for f in facts.values()}
    for merchant_id in merchants - programs.keys():
        programs[merchant_id] = await load_program(merchant_id)
    if any(r.rules.category_multipliers for m in merchants for r in programs[m].versions):
        facts = await load_orders(ids, categories=True)
    profile_of = await owners_of_customers(f.customer_id for f in facts.values() if f.customer_id)
    by_merchant: dict[int, list[OrderFacts]] = defaultdict(list)
    for f in facts.values():
        by_merchant[f.merchant_id].append(f)
    for merchant_id, orders in by_merchant.items():
        program = programs[merchant_id]
        if not program.versions:
            done.skipped += len(orders)
            continue
        async with in_transaction() as conn:
            part = await _settle_merchant(conn, program, orders, profile_of, now)
        done.orders += part.orders
        done.entries += part.entries
        done.skipped += part.skipped
    done.skipped += len(ids) - len(facts)
    return done


async def _settle_merchant(
    conn: Any, program: Program, orders: list[OrderFacts], profile_of: dict[int, int], now: datetime
) -> Processed:
    done = Processed()
    accounts = await load_accounts([o.id for o in orders], conn)
    holder_of = await holders(a.profile_id for a in accounts.values())
    wanted: list[tuple[OrderFacts, int]] = []
    for o in sorted(orders, key=lambda o: (o.placed_at, o.id)):
        acc = accounts.get(o.id)
        if acc is not None:
            holder = holder_of[acc.profile_id]
            if holder != acc.profile_id:
                acc.profile_id, acc.changed = holder, True
        elif o.customer_id is None or program.at(o.placed_at) is None:
            done.skipped += 1
            continue
        else:
            holder = profile_of[o.customer_id]
        wanted.append((o, holder))
    book = await Book.open(conn, program.merchant_id, {h for _, h in wanted}, now)
    current = program.rules_now(now)
    firsts: dict[int, tuple[int, int, datetime, tuple[str, ...]]] = {}
    codes: set[str] = set()
    multipliers: dict[tuple[int, str | None], Decimal] = {}
    for o, holder in wanted:
        acc = accounts.get(o.id)
        if acc is None:
            version = program.at(o.placed_at)
            assert version is not None
            tier = book.member(holder).tier
            multiplier = multipliers.get((version.id, tier))
            if multiplier is None:
                multiplier = multipliers[(version.id, tier)] = tiers.tier_multiplier(version.rules, tier)
            acc = accounts[o.id] = Account(
                order_id=o.id,
                merchant_id=o.merchant_id,
                store_id=o.store_id,
                profile_id=holder,
                version_id=version.id,
                multiplier=multiplier,
                placed_at=o.placed_at,
            )
        version = program.by_id(acc.version_id)
        target = award(o, version.rules, acc.multiplier)
        done.entries += settle(book, acc, o, target, version, now)
        done.orders += 1
        codes.update(o.discount_codes)
        member = book.member(holder)
        if target.counted and (member.first_order_at is None or member.first_order_at > o.placed_at):
            if member.first_order_at is None:
                firsts.setdefault(holder, (holder, o.id, o.placed_at, o.discount_codes))
            member.first_order_at = o.placed_at
            book.touch(holder)
    await write_accounts(conn, accounts.values(), now)
    for pid, (_, _, placed_at, _) in firsts.items():
        version = program.at(placed_at) or program.current
        assert version is not None
        rule = version.rules.actions.get("first_order")
        if rule and rule.points:
            book.post(
                Posting(
                    pid,
                    EntryKind.ACTION,
                    f"action:first_order:{pid}",
                    placed_at,
                    available=rule.points,
                    lifetime=rule.points,
                    cause="first_order",
                    version_id=version.id,
                )
            )
    if current is not None:
        version_now = program.at(now) or program.current
        assert version_now is not None
        await referrals.first_orders(book, current, version_now.id, list(firsts.values()))
        await book.flush(entries_only=True)
        await tiers.upgrade(book, current, {h for _, h in wanted}, now)
    if codes:
        used = {o.id: o.discount_codes for o, _ in wanted if o.discount_codes}
        await rewards.mark_used(conn, program.merchant_id, used)
        await referrals.friend_codes_used(conn, program.merchant_id, used)
    await book.flush()
    return done
