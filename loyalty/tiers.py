"""Tiers: a qualifying metric over a window, upgrades at once, downgrades only at re-evaluation
after a grace period, and progress to the next tier for the storefront."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from loyalty.errors import NoProgram
from loyalty.holders import holder_of
from loyalty.ledger import Book, LockedMember, Posting
from loyalty.models import Entry, EntryKind, EventKind, Member, OrderAccount
from loyalty.program import load_program
from loyalty.rules import Rules, Tier, TierMetric, TierWindow
from store.sql import dialect_of, select

POINT_KINDS = [
    k.value
    for k in EntryKind
    if k not in {EntryKind.RELEASE, EntryKind.REDEEM, EntryKind.REDEEM_REFUND, EntryKind.EXPIRE}
]


def window_start(rules: Rules, now: datetime) -> datetime | None:
    if rules.tier_window == TierWindow.CALENDAR_YEAR:
        return datetime(now.year, 1, 1, tzinfo=UTC)
    if rules.tier_window == TierWindow.ROLLING_12M:
        return now - timedelta(days=365)
    return None


async def tier_metrics(
    profile_ids: Iterable[int], rules: Rules, now: datetime, conn: BaseDBAsyncClient | None = None
) -> dict[int, Decimal]:
    """Each profile's qualifying metric over the tier window ending at ``now``.

    Summed in Python from the rows, so money stays exact on SQLite too.
    """
    ids = list(set(profile_ids))
    metric: dict[int, Decimal] = defaultdict(Decimal)
    if not ids:
        return metric
    start = window_start(rules, now)
    conn = conn or OrderAccount._meta.db
    dialect = dialect_of(conn)
    params = [dialect.ids(ids), dialect.time(now)]
    since = ""
    if start is not None:
        params.append(dialect.time(start))
        since = f' AND "{{when}}" >= {dialect.param(3)}'
    if rules.tier_metric == TierMetric.POINTS:
        kinds = ", ".join(f"'{k}'" for k in POINT_KINDS)
        rows = await select(
            conn,
            Entry,
            ("profile_id", "lifetime"),
            f'{dialect.in_ids("profile_id", 1)} AND "kind" IN ({kinds}) '
            f'AND "occurred_at" <= {dialect.param(2)}' + since.format(when="occurred_at"),
            params,
        )
        for pid, points in rows:
            metric[pid] += points
        return metric
    rows = await select(
        conn,
        OrderAccount,
        ("profile_id", "spend"),
        f'{dialect.in_ids("profile_id", 1)} AND "placed_at" <= {dialect.param(2)} AND "counted"'
        + since.format(when="placed_at"),
        params,
    )
    if rules.tier_metric == TierMetric.ORDERS:
        for pid, _ in rows:
            metric[pid] += 1
    else:
        for pid, spend in rows:
            metric[pid] += spend
    return metric


async def reached_at(
    targets: dict[int, Tier], rules: Rules, now: datetime, conn: BaseDBAsyncClient
) -> dict[int, datetime]:
    """When each profile's metric last rose to its target tier's threshold, at or before ``now``.

    Orders loaded at install are processed long after they were placed: the tier was reached
    when the qualifying order was placed (or the qualifying points earned), not when it was
    processed. A profile whose crossing cannot be found is left out (the caller uses ``now``).
    """
    if not targets:
        return {}
    ids = list(targets)
    dialect = dialect_of(conn)
    params = [dialect.ids(ids), dialect.time(now)]
    if rules.tier_metric == TierMetric.POINTS:
        kinds = ", ".join(f"'{k}'" for k in POINT_KINDS)
        rows = await select(
            conn,
            Entry,
            ("profile_id", "lifetime", "occurred_at"),
            f'{dialect.in_ids("profile_id", 1)} AND "kind" IN ({kinds}) AND "occurred_at" <= {dialect.param(2)}',
            params,
        )
    else:
        rows = await select(
            conn,
            OrderAccount,
            ("profile_id", "spend", "placed_at"),
            f'{dialect.in_ids("profile_id", 1)} AND "placed_at" <= {dialect.param(2)} AND "counted"',
            params,
        )
        if rules.tier_metric == TierMetric.ORDERS:
            rows = [(pid, Decimal(1), when) for pid, _, when in rows]
    events: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for pid, amount, when in rows:
        events[pid].append((when.astimezone(UTC), Decimal(amount)))
    found = {}
    for pid, history in events.items():
        history.sort(key=lambda e: e[0])
        threshold, crossed = targets[pid].threshold, None
        for when in sorted({w for w, _ in history}):
            start = window_start(rules, when)
            inside = [(t, a) for t, a in history if t <= when and (start is None or t >= start)]
            before = sum((a for t, a in inside if t < when), Decimal(0))
            if before < threshold <= before + sum((a for t, a in inside if t == when), Decimal(0)):
                crossed = when  # the window's start moves too, so "before" is measured in this window
        if crossed is not None:
            found[pid] = crossed
    return found


def tier_multiplier(rules: Rules, tier_name: str | None) -> Decimal:
    tier = rules.tier(tier_name)
    return tier.multiplier if tier else Decimal(1)


def _entry_key(profile_id: int, tier: Tier) -> str:
    return f"tier-entry:{profile_id}:{tier.name}"


async def paid_entries(book: Book, targets: Mapping[int, Tier | None]) -> set[str]:
    """Which of these members were paid the entry reward of their target tier already (one query
    for a batch, where asking in ``change_tier`` costs one per member)."""
    keys = [_entry_key(pid, t) for pid, t in targets.items() if t is not None and t.entry_points]
    if not keys:
        return set()
    paid = (
        await Entry.filter(merchant_id=book.merchant_id, key__in=keys).using_db(book.conn).values_list("key", flat=True)
    )
    return {str(key) for key in paid}


async def change_tier(
    book: Book,
    member: LockedMember,
    new: Tier | None,
    now: datetime,
    *,
    reason: str,
    paid: set[str] | None = None,
) -> None:
    """Move a member to ``new``; the entry reward is paid the first time a member reaches a tier.

    ``paid`` is ``paid_entries`` read for this move in this transaction (else it is asked here)."""
    old = member.tier
    member.tier = new.name if new else None
    member.tier_since = now
    member.tier_grace_until = None
    book.touch(member.profile_id)
    if new is not None and new.entry_points:
        key = _entry_key(member.profile_id, new)
        if paid is None:
            paid = await paid_entries(book, {member.profile_id: new})
        if key not in paid:
            book.post(
                Posting(
                    member.profile_id,
                    EntryKind.TIER_REWARD,
                    key,
                    now,
                    available=new.entry_points,
                    lifetime=new.entry_points,
                    cause=new.name,
                )
            )
    book.emit(
        EventKind.TIER_CHANGED,
        member.profile_id,
        f"tier:{member.profile_id}:{now.isoformat()}:{old}->{member.tier}",
        {
            "profile_id": member.profile_id,
            "from": old,
            "to": member.tier,
            "reason": reason,
            "free_shipping": bool(new and new.free_shipping),
        },
        now,
    )


async def upgrade(book: Book, rules: Rules, profile_ids: Iterable[int], now: datetime) -> None:
    """Upgrade at once every member whose metric now qualifies for a higher tier."""
    if not rules.tiers:
        return
    ids = [pid for pid in set(profile_ids) if pid in book.members]
    metrics = await tier_metrics(ids, rules, now, book.conn)
    targets = {pid: rules.qualifying_tier(metrics[pid]) for pid in ids}
    rising = {
        pid: t
        for pid, t in targets.items()
        if t is not None and rules.tier_rank(t.name) > rules.tier_rank(book.member(pid).tier)
    }
    reached = await reached_at(rising, rules, now, book.conn)
    paid = await paid_entries(book, rising)
    for pid in sorted(ids):
        member = book.member(pid)
        target = targets[pid]
        if pid in rising:
            await change_tier(book, member, target, reached.get(pid, now), reason="upgrade", paid=paid)
        elif member.tier_grace_until is not None and target is not None and target.name == member.tier:
            member.tier_grace_until = None
            book.touch(pid)


async def reevaluate_tiers(merchant_id: int, now: datetime, *, batch: int = 1000) -> dict[str, int]:
    """Upgrade, start a downgrade's grace period, or downgrade once the grace has run out."""
    program = await load_program(merchant_id)
    rules = program.rules_now(now)
    counts = {"upgraded": 0, "grace_started": 0, "downgraded": 0}
    if rules is None:
        return counts
    ids = (
        await Member.filter(merchant_id=merchant_id, merged_into_id=None)
        .order_by("profile_id")
        .values_list("profile_id", flat=True)
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        async with in_transaction() as conn:
            book = await Book.open(conn, merchant_id, chunk, now)
            metrics = await tier_metrics(chunk, rules, now, conn)
            for pid in chunk:
                member = book.member(pid)
                target = rules.qualifying_tier(metrics[pid])
                have, want = rules.tier_rank(member.tier), rules.tier_rank(target.name if target else None)
                if want > have:
                    await change_tier(book, member, target, now, reason="upgrade")
                    counts["upgraded"] += 1
                elif want < have:
                    if member.tier_grace_until is None and rules.tier_grace_days > 0:
                        member.tier_grace_until = now + timedelta(days=rules.tier_grace_days)
                        book.touch(pid)
                        counts["grace_started"] += 1
                    elif member.tier_grace_until is None or now >= member.tier_grace_until:
                        await change_tier(book, member, target, now, reason="downgrade")
                        counts["downgraded"] += 1
                elif member.tier_grace_until is not None:
                    member.tier_grace_until = None
                    book.touch(pid)
            await book.flush()
    return counts


@dataclass(frozen=True)
class Progress:
    tier: str | None
    next_tier: str | None
    metric: TierMetric
    have: Decimal
    need: Decimal | None
    """What is still missing to reach the next tier (``None`` at the top)."""
    currency: str

    def describe(self) -> str:
        if self.next_tier is None or self.need is None:
            return f"You are in the top tier ({self.tier})."
        if self.metric == TierMetric.SPEND:
            return f"spend {self.need.quantize(Decimal('0.01'))} {self.currency} more to reach {self.next_tier}"
        noun = "points" if self.metric == TierMetric.POINTS else "orders"
        return f"{int(self.need)} more {noun} to reach {self.next_tier}"


async def tier_progress(profile_id: int, now: datetime) -> Progress:
    """Where a member stands and what is missing to the next tier, for the storefront."""
    pid = await holder_of(profile_id)
    member = await Member.get(profile_id=pid)
    rules = (await load_program(member.merchant_id)).rules_now(now)
    if rules is None:
        raise NoProgram(f"merchant {member.merchant_id} has no loyalty program")
    have = (await tier_metrics([pid], rules, now))[pid]
    return progress_of(member.tier, rules, have)


def progress_of(tier: str | None, rules: Rules, have: Decimal) -> Progress:
    """Progress from a member's tier and metric (``tier_metrics``), for callers that batch the metric."""
    rank = rules.tier_rank(tier)
    nxt = rules.tiers[rank] if rank < len(rules.tiers) else None
    need = max(Decimal(0), nxt.threshold - have) if nxt else None
    return Progress(tier, nxt.name if nxt else None, rules.tier_metric, have, need, rules.currency)
