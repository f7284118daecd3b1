"""Automations: grant points or emit an event when a shopper is in a segment or churn-risk
band that insights computed (passed in, since loyalty does not import insights), at most
once per shopper per period, previewable before they are switched on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from loyalty.holders import holders
from loyalty.ledger import Book, Posting
from loyalty.models import Automation, AutomationAction, AutomationGrant, EntryKind, EventKind


@dataclass(frozen=True)
class Outcome:
    automation_id: int
    profile_id: int
    action: AutomationAction
    points: int
    period: int


def period_of(automation: Automation, now: datetime) -> int:
    if automation.period_days <= 0:
        return 0
    return int(now.timestamp() // (automation.period_days * 86400)) + 1


async def evaluate_automations(
    merchant_id: int,
    memberships: Mapping[int, set[str]],
    now: datetime | None = None,
    *,
    preview: bool = False,
    automation_ids: list[int] | None = None,
) -> list[Outcome]:
    """Who gets what now. ``preview`` writes nothing and includes automations not yet switched on."""
    now = now or datetime.now(UTC)
    query = Automation.filter(merchant_id=merchant_id)
    if automation_ids is not None:
        query = query.filter(id__in=automation_ids)
    if not preview:
        query = query.filter(active=True)
    automations = await query.order_by("id")
    resolved = await holders(memberships)
    segments: dict[int, set[str]] = {}
    for pid, names in memberships.items():
        segments.setdefault(resolved[pid], set()).update(names)
    outcomes: list[Outcome] = []
    for automation in automations:
        period = period_of(automation, now)
        inside = sorted(pid for pid, names in segments.items() if automation.segment in names)
        done = set(
            await AutomationGrant.filter(automation_id=automation.id, period=period, profile_id__in=inside).values_list(
                "profile_id", flat=True
            )
        )
        outcomes += [
            Outcome(automation.id, pid, automation.action, automation.points, period)
            for pid in inside
            if pid not in done
        ]
    if preview or not outcomes:
        return outcomes
    by_id = {a.id: a for a in automations}
    async with in_transaction() as conn:
        book = await Book.open(conn, merchant_id, {o.profile_id for o in outcomes}, now)
        for o in outcomes:
            automation = by_id[o.automation_id]
            await AutomationGrant.create(
                automation_id=o.automation_id, profile_id=o.profile_id, period=o.period, granted_at=now, using_db=conn
            )
            key = f"automation:{o.automation_id}:{o.profile_id}:{o.period}"
            if o.action == AutomationAction.GRANT_POINTS and o.points:
                book.post(
                    Posting(
                        o.profile_id,
                        EntryKind.AUTOMATION,
                        key,
                        now,
                        available=o.points,
                        lifetime=o.points,
                        cause=automation.name[:64],
                    )
                )
            book.emit(
                EventKind.AUTOMATION_TRIGGERED,
                o.profile_id,
                key,
                {
                    "profile_id": o.profile_id,
                    "automation": automation.name,
                    "segment": automation.segment,
                    "points": o.points,
                },
                now,
            )
        await book.flush()
    return outcomes
