"""Checking and rebuilding: balances from the ledger, and the whole ledger from the synced orders.

``rebuild_balances`` recomputes every cached balance (members and order accounts) from the
entries and reports where they disagree. ``replay`` recomputes what every order is worth
under the current program (for a retroactive rule change) and shows the differences; with
``apply`` it posts them as adjustment entries, so history stays append-only.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from loyalty.earning import award
from loyalty.ledger import Book, Posting
from loyalty.models import Entry, EntryKind, Member, OrderAccount
from loyalty.orders import load_orders
from loyalty.processing import load_accounts, write_accounts
from loyalty.program import load_program
from store.models import Order

BATCH = 2000


@dataclass(frozen=True)
class Disagreement:
    what: str
    """``member`` or ``order``."""
    id: int
    cached: tuple[int, ...]
    ledger: tuple[int, ...]


async def _member_sums(merchant_id: int) -> dict[int, tuple[int, int, int]]:
    rows = (
        await Entry.filter(merchant_id=merchant_id)
        .annotate(a=Sum("available"), p=Sum("pending"), lt=Sum("lifetime"))
        .group_by("profile_id")
        .values_list("profile_id", "a", "p", "lt")
    )
    return {pid: (int(a or 0), int(p or 0), int(lt or 0)) for pid, a, p, lt in rows}


async def _order_sums(merchant_id: int) -> dict[int, tuple[int, int]]:
    rows = (
        await Entry.filter(merchant_id=merchant_id)
        .exclude(order_id=None)
        .annotate(a=Sum("available"), p=Sum("pending"))
        .group_by("order_id")
        .values_list("order_id", "a", "p")
    )
    return {oid: (int(a or 0) + int(p or 0), int(p or 0)) for oid, a, p in rows}


async def rebuild_balances(merchant_id: int, *, apply: bool = False) -> list[Disagreement]:
    """Where cached balances differ from the ledger; ``apply`` makes them agree."""
    found: list[Disagreement] = []
    sums = await _member_sums(merchant_id)
    for m in await Member.filter(merchant_id=merchant_id).values("profile_id", "available", "pending", "lifetime"):
        cached = (m["available"], m["pending"], m["lifetime"])
        ledger = sums.get(m["profile_id"], (0, 0, 0))
        if cached != ledger:
            found.append(Disagreement("member", m["profile_id"], cached, ledger))
    order_sums = await _order_sums(merchant_id)
    for a in await OrderAccount.filter(merchant_id=merchant_id).values("order_id", "points", "pending"):
        cached = (a["points"], a["pending"])
        ledger = order_sums.get(a["order_id"], (0, 0))
        if cached != ledger:
            found.append(Disagreement("order", a["order_id"], cached, ledger))
    if apply:
        async with in_transaction() as conn:
            for d in found:
                if d.what == "member":
                    available, pending, lifetime = d.ledger
                    await Member.filter(profile_id=d.id).select_for_update().using_db(conn).first()
                    await (
                        Member.filter(profile_id=d.id)
                        .using_db(conn)
                        .update(available=available, pending=pending, lifetime=lifetime)
                    )
                else:
                    await (
                        OrderAccount.filter(order_id=d.id)
                        .using_db(conn)
                        .update(points=d.ledger[0], pending=d.ledger[1])
                    )
    return found


@dataclass(frozen=True)
class OrderDifference:
    order_id: int
    profile_id: int
    posted: int
    replayed: int


@dataclass
class ReplayReport:
    orders: int = 0
    differences: list[OrderDifference] = field(default_factory=list)
    seconds: float = 0.0
    applied: bool = False

    @property
    def points_delta(self) -> int:
        return sum(d.replayed - d.posted for d in self.differences)


async def replay(
    merchant_id: int, *, apply: bool = False, now: datetime | None = None, batch: int = BATCH
) -> ReplayReport:
    """What every processed order is worth under the program in force now, against what it holds."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    program = await load_program(merchant_id)
    version = program.at(now) or program.current
    report = ReplayReport(applied=apply)
    if version is None:
        return report
    ids = await OrderAccount.filter(merchant_id=merchant_id).order_by("order_id").values_list("order_id", flat=True)
    categories = bool(version.rules.category_multipliers)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        facts = await load_orders(chunk, categories=categories)
        accounts = {
            a["order_id"]: a
            for a in await OrderAccount.filter(order_id__in=chunk).values(
                "order_id", "profile_id", "points", "multiplier"
            )
        }
        for oid in chunk:
            acc = accounts[oid]
            f = facts.get(oid)
            target = award(f, version.rules, acc["multiplier"]).points if f else 0
            report.orders += 1
            if target != acc["points"]:
                report.differences.append(OrderDifference(oid, acc["profile_id"], acc["points"], target))
    if apply and report.differences:
        await _apply(merchant_id, version.id, report.differences, now)
    report.seconds = time.perf_counter() - started
    return report


async def _apply(merchant_id: int, version_id: int, differences: list[OrderDifference], now: datetime) -> None:
    by_order = {d.order_id: d for d in differences}
    ids = sorted(by_order)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        async with in_transaction() as conn:
            accounts = await load_accounts(chunk, conn)
            holders = defaultdict(list)
            for acc in accounts.values():
                holders[acc.profile_id].append(acc)
            book = await Book.open(conn, merchant_id, holders, now)
            for acc in accounts.values():
                delta = by_order[acc.order_id].replayed - acc.points
                if delta == 0:
                    continue
                released = acc.released_at is not None
                from_pending = 0 if released else (delta if delta > 0 else -min(-delta, acc.pending))
                acc.seq += 1
                book.post(
                    Posting(
                        acc.profile_id,
                        EntryKind.ADJUST,
                        f"order:{acc.order_id}:replay:{acc.seq}",
                        now,
                        available=delta - from_pending,
                        pending=from_pending,
                        lifetime=delta,
                        order_id=acc.order_id,
                        order_seq=acc.seq,
                        store_id=acc.store_id,
                        version_id=version_id,
                        actor="replay",
                        cause="replay",
                        reason=f"replay under program version {version_id}",
                    )
                )
                acc.pending += from_pending
                acc.points += delta
                acc.version_id = version_id
                acc.changed = True
            await book.flush()
            await write_accounts(conn, accounts.values(), now)


async def unprocessed_orders(merchant_id: int) -> list[int]:
    """Orders with a customer that the ledger has not seen (e.g. synced while no job ran)."""
    seen = set(await OrderAccount.filter(merchant_id=merchant_id).values_list("order_id", flat=True))
    ids = (
        await Order.filter(merchant_id=merchant_id, deleted_at=None)
        .exclude(customer_id=None)
        .values_list("id", flat=True)
    )
    return [i for i in ids if i not in seen]
