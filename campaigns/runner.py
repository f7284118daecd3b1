"""Running a campaign: who enters this period, in which group, and what the treated get.

A member enters a campaign at most once per period (``period_of``); the unique index on
(campaign, member, period) makes that hold across concurrent runs: entries are written with
``ON CONFLICT DO NOTHING`` and a run acts only on the rows it wrote. Holdout entries are recorded
and get nothing. Each treated entry gets, in order: its discount code (made on the platform where
the member last bought, outside any transaction), then its points, its signed event and its email.
A code that fails stops the rest for that entry: no email promises a code that does not exist. A
failure the platform may get over (``unavailable``) is retried by the next run in the same period;
one it refused (``rejected``, ``unauthorized``) is not, and stays visible on the entry. While a run
makes an entry's code the entry is ``issuing`` until ``code_held_until``, so a concurrent run
leaves it alone, and a run that died mid-way leaves it to be retried once that hold lapses.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from tortoise.transactions import in_transaction

from campaigns.audiences import Evaluation
from campaigns.builtin import MESSAGE_KIND
from campaigns.definitions import Actions, CodeAction, CodeKind, Definition, parse
from campaigns.errors import CampaignNotFound, WrongStatus
from campaigns.holdout import group_of
from campaigns.models import Campaign, CampaignEntry, CampaignKind, CampaignStatus, CodeStatus, Group, MessageStatus
from campaigns.outbox import MessageRequest, queue_messages
from loyalty.ledger import Book, Posting, write_events
from loyalty.models import Entry, EntryKind, EventKind, Member
from store.discounts import DiscountIssuer, DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed
from store.models import Customer, Store
from store.sql import Upsert

IssuerFor = Callable[[Store], DiscountIssuer]
BATCH = 500
"""Entries per transaction of points and events (members locked together)."""
QUEUE_BATCH = 5000
"""Messages per call of the outbox, whose few queries per call are the same whatever its size."""
CONCURRENT_CODES = 8
"""Codes asked of the platforms at once."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CODE_KIND = {
    CodeKind.FIXED_AMOUNT: DiscountKind.FIXED_AMOUNT,
    CodeKind.PERCENTAGE: DiscountKind.PERCENTAGE,
    CodeKind.FREE_SHIPPING: DiscountKind.FREE_SHIPPING,
}
_ENTRY_COLUMNS = (
    "campaign_id",
    "merchant_id",
    "profile_id",
    "period",
    "group",
    "entered_at",
    "store_id",
    "code_status",
    "code_held_until",
    "points",
)
LEASE = timedelta(minutes=15)
"""How long a run's hold on an entry's code lasts: a concurrent run leaves the entry alone meanwhile."""


def retryable(status: CodeStatus, error: str | None, held_until: datetime | None, now: datetime) -> bool:
    """A code worth asking for again: the platform could not answer, or a run died holding it."""
    if status == CodeStatus.FAILED:
        return (error or "").startswith(IssueError.UNAVAILABLE.value)
    return status == CodeStatus.ISSUING and held_until is not None and held_until <= now


_ENTRIES = Upsert(
    CampaignEntry,
    columns=_ENTRY_COLUMNS,
    conflict=("campaign_id", "profile_id", "period"),
    returning=("id", "profile_id", "period"),
)


def period_of(campaign: Campaign, now: datetime, birthday: date | None = None) -> int:
    """The period ``now`` falls in: 0 for once ever, the year of the birthday celebrated for the
    birthday kind, else the number of whole ``period_days`` since 1970 plus one."""
    if campaign.kind == CampaignKind.BIRTHDAY and birthday is not None:
        return birthday.year
    if campaign.period_days <= 0:
        return 0
    return (now - _EPOCH).days // campaign.period_days + 1


def new_code() -> str:
    """A campaign code: like a reward's, with its own prefix so the store owner tells them apart."""
    return "RC-" + secrets.token_hex(5).upper()


@dataclass
class RunReport:
    """What one run did (or, dry, would do)."""

    campaign_id: int
    dry_run: bool = False
    audience: int = 0
    already_entered: int = 0
    entered_treated: int = 0
    entered_holdout: int = 0
    codes_issued: int = 0
    codes_failed: int = 0
    codes_retried: int = 0
    points_granted: int = 0
    events: int = 0
    messages_queued: int = 0
    messages_skipped: int = 0
    failures: list[str] = field(default_factory=list)
    """The first few code failures, as "member N: error: message"."""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Treated:
    """A treated entry on its way through the actions."""

    entry_id: int
    profile_id: int
    period: int
    store_id: int | None
    code: str | None = None
    code_status: CodeStatus = CodeStatus.NONE
    code_error: str | None = None
    discount_id: str | None = None
    expires_at: datetime | None = None


@dataclass
class _Context:
    campaign: Campaign
    definition: Definition
    evaluation: Evaluation
    now: datetime
    report: RunReport
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)


async def run_campaign(
    campaign_id: int, *, issuer_for: IssuerFor, now: datetime | None = None, dry_run: bool = False
) -> RunReport:
    """Enter this period's new members and act for the treated; ``dry_run`` counts without writing
    (and runs a draft or paused campaign, for a preview)."""
    now = now or datetime.now(UTC)
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}", ("id",))
    if campaign.status != CampaignStatus.ACTIVE and not dry_run:
        raise WrongStatus(f"campaign {campaign_id} is {campaign.status.value}: only an active campaign runs")
    definition = parse(campaign.audience, campaign.actions)
    evaluation = await Evaluation.start(campaign.merchant_id, now)
    members = await evaluation.members(definition.audience)
    report = RunReport(campaign_id, dry_run=dry_run, audience=len(members))
    ctx = _Context(campaign, definition, evaluation, now, report)
    periods = await _periods(ctx, members)
    entered = {
        (pid, period): (entry_id, group, status, error, held_until)
        for entry_id, pid, period, group, status, error, held_until in await CampaignEntry.filter(
            campaign_id=campaign.id, period__in=sorted(set(periods.values()))
        ).values_list("id", "profile_id", "period", "group", "code_status", "code_error", "code_held_until")
    }
    fresh = sorted(pid for pid, period in periods.items() if (pid, period) not in entered)
    report.already_entered = len(members) - len(fresh)
    groups = {pid: group_of(campaign.id, pid, campaign.holdout_percent) for pid in fresh}
    if dry_run:
        report.entered_treated = sum(1 for g in groups.values() if g == Group.TREATED)
        report.entered_holdout = len(fresh) - report.entered_treated
        return report
    stores = await evaluation.last_store()
    written = await _enter(ctx, fresh, periods, groups, stores)
    treated = [
        _Treated(entry_id, pid, period, stores.get(pid))
        for entry_id, pid, period in written
        if groups[pid] == Group.TREATED
    ]
    report.entered_treated = len(treated)
    report.entered_holdout = len(written) - len(treated)
    retry = [
        (entry_id, pid, period, CodeStatus(status), held_until)
        for (pid, period), (entry_id, group, status, error, held_until) in entered.items()
        if pid in members
        and periods.get(pid) == period
        and group == Group.TREATED
        and retryable(CodeStatus(status), error, held_until, now)
    ]
    if retry and definition.actions.code is not None:
        retried = await _retrying(retry, stores, now)
        report.codes_retried = len(retried)
        treated += retried
    if treated:
        await _act(ctx, treated, issuer_for)
    campaign.last_run_at = now
    await campaign.save(update_fields=["last_run_at", "updated_at"])
    return report


async def run_due(merchant_id: int, *, issuer_for: IssuerFor, now: datetime | None = None) -> list[RunReport]:
    """Run every active campaign of the merchant, oldest first."""
    now = now or datetime.now(UTC)
    ids = cast(
        "list[int]",
        await Campaign.filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True),
    )
    return [await run_campaign(cid, issuer_for=issuer_for, now=now) for cid in ids]


async def _periods(ctx: _Context, members: set[int]) -> dict[int, int]:
    if ctx.campaign.kind != CampaignKind.BIRTHDAY:
        period = period_of(ctx.campaign, ctx.now)
        return dict.fromkeys(members, period)
    birthdays = await ctx.evaluation.birthdays()
    return {pid: period_of(ctx.campaign, ctx.now, birthdays[pid][0] if pid in birthdays else None) for pid in members}


async def _enter(
    ctx: _Context, fresh: list[int], periods: dict[int, int], groups: dict[int, Group], stores: dict[int, int]
) -> list[tuple[int, int, int]]:
    """Write the entries; returns (entry id, member, period) of the rows this run wrote."""
    campaign = ctx.campaign

    def pending(pid: int) -> bool:
        return ctx.definition.actions.code is not None and groups[pid] == Group.TREATED

    rows = [
        {
            "campaign_id": campaign.id,
            "merchant_id": campaign.merchant_id,
            "profile_id": pid,
            "period": periods[pid],
            "group": groups[pid].value,
            "entered_at": ctx.now,
            "store_id": stores.get(pid),
            "code_status": (CodeStatus.ISSUING if pending(pid) else CodeStatus.NONE).value,
            "code_held_until": ctx.now + LEASE if pending(pid) else None,
            "points": 0,
        }
        for pid in fresh
    ]
    written: list[tuple[int, int, int]] = []
    for start in range(0, len(rows), 5000):
        async with in_transaction() as conn:
            for row in await _ENTRIES.run(conn, rows[start : start + 5000]):
                written.append((int(row["id"]), int(row["profile_id"]), int(row["period"])))
    return written


async def _retrying(
    retry: list[tuple[int, int, int, CodeStatus, datetime | None]], stores: dict[int, int], now: datetime
) -> list[_Treated]:
    """Entries whose code may come this time, taken for another try by this run: the update only
    matches the entry as this run read it, so of two runs only one takes it."""
    taken: list[_Treated] = []
    for entry_id, pid, period, status, held_until in retry:
        claimed = await CampaignEntry.filter(id=entry_id, code_status=status, code_held_until=held_until).update(
            code_status=CodeStatus.ISSUING, code_held_until=now + LEASE
        )
        if claimed:
            taken.append(_Treated(entry_id, pid, period, stores.get(pid)))
    return taken


async def _act(ctx: _Context, treated: list[_Treated], issuer_for: IssuerFor) -> None:
    actions = ctx.definition.actions
    ctx.accounts = await _accounts(ctx.campaign.merchant_id)
    if actions.code is not None:
        await _issue_codes(ctx, treated, actions.code, issuer_for)
    going = [t for t in treated if t.code_status != CodeStatus.FAILED]
    for start in range(0, len(going), QUEUE_BATCH):
        chunk = going[start : start + QUEUE_BATCH]
        balances: dict[int, tuple[int, str | None]] = {}
        for at in range(0, len(chunk), BATCH):
            balances |= await _grant(ctx, chunk[at : at + BATCH], actions)
        if actions.email:
            await _queue(ctx, chunk, balances)


async def _accounts(merchant_id: int) -> dict[int, dict[str, Any]]:
    rows = await Customer.filter(merchant_id=merchant_id, deleted_at=None).values(
        "id", "store_id", "platform_id", "email", "is_guest", "first_name", "verified_email"
    )
    return {row["id"]: row for row in rows}


def _account(ctx: _Context, pid: int, store_id: int | None) -> dict[str, Any] | None:
    """The member's account on the store: registered before guest, verified first, oldest."""
    ids = [c for c, s in ctx.evaluation.people.accounts_of_key.get(pid, ()) if s == store_id]
    rows = [ctx.accounts[c] for c in ids if c in ctx.accounts]
    if not rows:
        return None
    return min(rows, key=lambda r: (r["is_guest"], not r["verified_email"], r["id"]))


async def _issue_codes(ctx: _Context, treated: list[_Treated], action: CodeAction, issuer_for: IssuerFor) -> None:
    stores = {s.id: s for s in await Store.filter(merchant_id=ctx.campaign.merchant_id)}
    gate = asyncio.Semaphore(CONCURRENT_CODES)
    expires_at = ctx.now + timedelta(days=action.valid_days)

    async def issue(entry: _Treated) -> None:
        store = stores.get(entry.store_id) if entry.store_id is not None else None
        account = _account(ctx, entry.profile_id, entry.store_id)
        if store is None or account is None:
            entry.code_status, entry.code_error = (
                CodeStatus.FAILED,
                "rejected: the member has no account to bind a code to",
            )
            return
        request = DiscountRequest(
            code=new_code(),
            kind=_CODE_KIND[action.kind],
            value=action.value,
            title=ctx.campaign.name,
            customer_platform_id=None if account["is_guest"] else account["platform_id"],
            customer_email=account["email"],
            minimum_subtotal=action.minimum_subtotal,
            expires_at=expires_at,
        )
        async with gate:
            try:
                answer: IssuedCode | IssueFailed = await issuer_for(store).issue(store, request)
            except Exception as exc:  # any failure of the platform call is the entry's, not the run's
                answer = IssueFailed(IssueError.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
        if isinstance(answer, IssuedCode):
            entry.code, entry.discount_id = answer.code, answer.platform_id
            entry.code_status, entry.expires_at = CodeStatus.ISSUED, answer.expires_at or expires_at
        else:
            entry.code_status, entry.code_error = CodeStatus.FAILED, f"{answer.error.value}: {answer.message}"

    await asyncio.gather(*(issue(t) for t in treated))
    value = None if action.kind == CodeKind.FREE_SHIPPING else action.value
    async with in_transaction() as conn:
        for entry in treated:
            await (
                CampaignEntry.filter(id=entry.entry_id)
                .using_db(conn)
                .update(
                    code=entry.code,
                    code_status=entry.code_status,
                    code_error=entry.code_error,
                    code_held_until=None,
                    discount_id=entry.discount_id,
                    code_value=value if entry.code_status == CodeStatus.ISSUED else None,
                )
            )
    for entry in treated:
        if entry.code_status == CodeStatus.ISSUED:
            ctx.report.codes_issued += 1
        else:
            ctx.report.codes_failed += 1
            if len(ctx.report.failures) < 20:
                ctx.report.failures.append(f"member {entry.profile_id}: {entry.code_error}")


def _key(ctx: _Context, entry: _Treated) -> str:
    return f"campaign:{ctx.campaign.id}:{entry.profile_id}:{entry.period}"


async def _grant(ctx: _Context, batch: list[_Treated], actions: Actions) -> dict[int, tuple[int, str | None]]:
    """Points and events of a batch in one transaction; returns each member's balance and tier after."""
    campaign = ctx.campaign
    async with in_transaction() as conn:
        if actions.points > 0:
            keys = [_key(ctx, e) for e in batch]
            done = set(
                await Entry.filter(merchant_id=campaign.merchant_id, key__in=keys)
                .using_db(conn)
                .values_list("key", flat=True)
            )
            book = await Book.open(conn, campaign.merchant_id, [e.profile_id for e in batch], ctx.now)
            for entry in batch:
                if _key(ctx, entry) in done:
                    continue
                book.post(
                    Posting(
                        entry.profile_id,
                        EntryKind.CAMPAIGN,
                        _key(ctx, entry),
                        ctx.now,
                        available=actions.points,
                        lifetime=actions.points,
                        store_id=entry.store_id,
                        cause=campaign.kind.value,
                        data={"campaign_id": campaign.id, "period": entry.period},
                    )
                )
                ctx.report.points_granted += actions.points
            await book.flush()
            await CampaignEntry.filter(id__in=[e.entry_id for e in batch]).using_db(conn).update(points=actions.points)
        if actions.event:
            events = [
                {
                    "merchant_id": campaign.merchant_id,
                    "profile_id": e.profile_id,
                    "kind": EventKind.CAMPAIGN_ENTERED,
                    "key": _key(ctx, e),
                    "data": {
                        "kind": EventKind.CAMPAIGN_ENTERED,
                        "campaign_id": campaign.id,
                        "campaign": campaign.kind.value,
                        "profile_id": e.profile_id,
                        "period": e.period,
                        "code": e.code,
                        "points": actions.points,
                    },
                    "occurred_at": ctx.now,
                    "created_at": ctx.now,
                }
                for e in batch
            ]
            await write_events(conn, campaign.merchant_id, events, ctx.now)
            ctx.report.events += len(events)
    rows = await Member.filter(profile_id__in=[e.profile_id for e in batch]).values_list(
        "profile_id", "available", "tier"
    )
    return {pid: (available, tier) for pid, available, tier in rows}


def _store_url(store: dict[str, Any]) -> str:
    domain = str(store["domain"])
    if domain.startswith(("http://", "https://")):
        return domain.rstrip("/")
    return f"https://{domain}"


async def _queue(ctx: _Context, batch: list[_Treated], balances: dict[int, tuple[int, str | None]]) -> None:
    campaign = ctx.campaign
    action = ctx.definition.actions.code
    expiring = await ctx.evaluation.expiring(366) if campaign.kind == CampaignKind.POINTS_EXPIRY else {}
    tier_drop = (
        dict(
            await Member.filter(profile_id__in=[e.profile_id for e in batch]).values_list(
                "profile_id", "tier_grace_until"
            )
        )
        if campaign.kind == CampaignKind.TIER_DROP
        else {}
    )
    requests = []
    for entry in batch:
        store = ctx.evaluation.stores.get(entry.store_id) if entry.store_id is not None else None
        account = _account(ctx, entry.profile_id, entry.store_id)
        balance, tier = balances.get(entry.profile_id, (0, None))
        data: dict[str, Any] = {
            "first_name": (account or {}).get("first_name") or "",
            "balance": int(balance),
            "tier": tier,
            "points_granted": ctx.definition.actions.points,
        }
        if store is not None:
            data |= {"store_name": store["name"] or store["domain"], "store_url": _store_url(store)}
            data["currency"] = store["currency"]
        if entry.code is not None and action is not None:
            data |= {
                "code": entry.code,
                "code_kind": action.kind.value,
                "code_value": str(action.value),
                "code_expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
                "minimum_subtotal": None if action.minimum_subtotal is None else str(action.minimum_subtotal),
            }
        if (soon := expiring.get(entry.profile_id)) is not None:
            data |= {"expiring_points": soon.points, "expiring_at": soon.expires_at.isoformat()}
        if (drop := tier_drop.get(entry.profile_id)) is not None:
            data["tier_drop_at"] = drop.isoformat()
        requests.append(
            MessageRequest(
                merchant_id=campaign.merchant_id,
                key=_key(ctx, entry),
                kind=MESSAGE_KIND[campaign.kind],
                template=campaign.kind.value,
                profile_id=entry.profile_id,
                store_id=entry.store_id,
                data={k: v for k, v in data.items() if v is not None},
                campaign_id=campaign.id,
                entry_id=entry.entry_id,
            )
        )
    for message in await queue_messages(requests, ctx.now):
        if message.status == MessageStatus.SKIPPED:
            ctx.report.messages_skipped += 1
        else:
            ctx.report.messages_queued += 1
