"""Queueing rules: which shopper gets which email, when, or why not.

A request becomes one ``Message`` row per (merchant, key), QUEUED with its send time or SKIPPED
with its reason, in a few queries per batch whatever its size. The rules:

- recipient: the best address among the accounts whose points the member holds (not deleted,
  the given store first, verified first, registered before guest); none: SKIPPED ``no_address``;
- marketing goes only to the address of an account that accepted marketing, and not to a
  suppressed one (``no_consent``, ``unsubscribed``, ``bounced``, ``complained``), and stays under
  the merchant's frequency cap, counting the member's queued and recently sent marketing mail
  (``capped``); members sharing an address get one copy of a campaign's email in that window
  (``duplicate_address``);
- transactional mail (the shopper's own points, tier, rewards) needs no marketing consent and
  ignores unsubscribes, but never goes to an address that bounced or complained;
- quiet hours in the store's time zone move the send time to the end of the window, for every
  message but ``reward_issued`` and ``complaint_reply``, which answer what the shopper just did or asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.functions import Lower

from campaigns.models import Message, MessageKind, MessageStatus, Suppression, SuppressionReason
from campaigns.settings import LOCALES, MailConfig, load_mail_config
from campaigns.unsubscribe import erased_address
from loyalty.models import Member
from store.models import Customer, Store
from store.sql.dialect import dialect_of
from store.sql.reads import select
from store.sql.writes import Write
from store.timezones import zone

CHUNK = 5000
ACCOUNT_COLUMNS = (
    "id",
    "merchant_id",
    "owner_id",
    "profile_id",
    "store_id",
    "email",
    "verified_email",
    "is_guest",
    "accepts_marketing",
    "locale",
    "deleted_at",
)
IMMEDIATE = frozenset({"reward_issued", "complaint_reply"})
"""Templates that answer the shopper's own action at once, quiet hours or not."""
COLUMNS = (
    "merchant_id",
    "key",
    "campaign_id",
    "entry_id",
    "profile_id",
    "kind",
    "template",
    "locale",
    "to_email",
    "data",
    "status",
    "reason",
    "attempts",
    "send_after",
    "created_at",
    "subject",
    "message_id",
)
ANALYZE_EVERY = 5_000
_since_analyze = 0
UNSET = ("lease_until", "last_error", "sent_at", "opened_at")
"""Columns a new message leaves empty."""
_INSERT = Write(Message, COLUMNS, conflict=("merchant_id", "key"), returning=("id", "key"))


@dataclass(frozen=True)
class MessageRequest:
    merchant_id: int
    key: str
    """Idempotency: one Message per (merchant, key)."""
    kind: MessageKind
    template: str
    """A CampaignKind value, or a transactional template name such as ``reward_issued``."""
    profile_id: int
    store_id: int | None
    """The store the member last bought on: its time zone, link and locale."""
    data: dict[str, Any] = field(default_factory=dict)
    campaign_id: int | None = None
    entry_id: int | None = None


@dataclass(frozen=True)
class Account:
    id: int
    store_id: int
    email: str | None
    verified: bool
    guest: bool
    accepts_marketing: bool
    locale: str | None


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def account_keys(profile_ids: set[int]) -> dict[int, int]:
    """Every member key whose accounts a holder holds, mapped to the holder (loyalty's merges)."""
    holder = {pid: pid for pid in profile_ids}
    frontier = set(profile_ids)
    for _ in range(64):
        if not frontier:
            break
        found: dict[int, int] = {}
        for part in chunks(sorted(frontier)):
            found |= dict(await Member.filter(merged_into_id__in=part).values_list("profile_id", "merged_into_id"))
        frontier = {key for key in found if key not in holder}
        for key in frontier:
            holder[key] = holder[found[key]]
    return holder


async def accounts_of(merchant_id: int, profile_ids: set[int]) -> dict[int, list[Account]]:
    """Each holder's live accounts: the ones it owns, or that share its profile and no one owns yet.

    Two index lookups per chunk (owner, then profile), filtered here: one query with an OR, or with
    the merchant in its condition, makes SQLite scan every account of the merchant instead."""
    holder = await account_keys(profile_ids)
    found: dict[int, list[Account]] = defaultdict(list)
    conn = Customer._meta.db
    dialect = dialect_of(conn)
    seen: set[int] = set()
    for part in chunks(sorted(holder)):
        ids = dialect.ids(part)
        for column in ("owner_id", "profile_id"):
            for cid, merchant, owner, pid, *rest in await select(
                conn, Customer, ACCOUNT_COLUMNS, dialect.in_ids(f'"{column}"', 1), [ids]
            ):
                key = owner if owner is not None else pid
                if merchant != merchant_id or cid in seen or key not in holder or rest[-1] is not None:
                    continue
                seen.add(cid)
                store_id, email, verified, guest, accepts, locale, _ = rest
                found[holder[key]].append(
                    Account(cid, store_id, email, bool(verified), bool(guest), bool(accepts), locale)
                )
    return found


def choose(
    request: MessageRequest, accounts: list[Account], suppressed: dict[str, SuppressionReason]
) -> Account | None:
    """Marketing goes to an account that accepted it, one whose address is not suppressed first;
    transactional mail to the best address of all."""
    if request.kind != MessageKind.MARKETING:
        return best_account(accounts, request.store_id)
    consenting = [a for a in accounts if a.accepts_marketing]
    open_ = [a for a in consenting if a.email and a.email.strip().lower() not in suppressed]
    return (
        best_account(open_, request.store_id)
        or best_account(consenting, request.store_id)
        or best_account(accounts, request.store_id)
    )


def best_account(accounts: list[Account], store_id: int | None) -> Account | None:
    """The address to write to: the given store's account first, verified, registered, oldest."""
    with_email = [a for a in accounts if a.email and "@" in a.email]
    if not with_email:
        return None
    return min(with_email, key=lambda a: (a.store_id != store_id, not a.verified, a.guest, a.id))


async def suppressions(merchant_id: int, addresses: set[str]) -> dict[str, SuppressionReason]:
    """Suppressed addresses among ``addresses`` (lower-cased), also when kept as an erased hash."""
    hashed = {erased_address(merchant_id, a): a for a in addresses}
    wanted = sorted(addresses | set(hashed))
    found: dict[str, SuppressionReason] = {}
    for part in chunks(wanted):
        for email, reason in await Suppression.filter(merchant_id=merchant_id, email__in=part).values_list(
            "email", "reason"
        ):
            found[hashed.get(email, email)] = SuppressionReason(reason)
    return found


async def recent_marketing(merchant_id: int, profile_ids: set[int], now: datetime, days: int) -> dict[int, int]:
    """Marketing emails per member that count against the cap: queued or sending, or sent within ``days``."""
    since = now - timedelta(days=days)
    counts: dict[int, int] = defaultdict(int)
    active = (MessageStatus.QUEUED, MessageStatus.SENDING)
    for part in chunks(sorted(profile_ids)):
        for (pid,) in await Message.filter(
            Q(status__in=active) | Q(status=MessageStatus.SENT, sent_at__gte=since),
            merchant_id=merchant_id,
            profile_id__in=part,
            kind=MessageKind.MARKETING,
        ).values_list("profile_id"):
            counts[pid] += 1
    return counts


def after_quiet_hours(now: datetime, tz: ZoneInfo, start: int, end: int) -> datetime:
    """``now``, or the end of the quiet window it falls in (local ``end`` o'clock), as UTC-aware."""
    local = now.astimezone(tz)
    if start == end:
        return now
    quiet = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not quiet:
        return now
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz).astimezone(now.tzinfo)


def locale_of(account: Account | None, config: MailConfig) -> str:
    language = (account.locale or "").replace("_", "-").split("-")[0].lower() if account else ""
    return language if language in LOCALES else config.locale


async def queue_messages(requests: list[MessageRequest], now: datetime) -> list[Message]:
    """One message per request (an existing one for a key already used), in request order."""
    by_merchant: dict[int, list[MessageRequest]] = defaultdict(list)
    for request in requests:
        by_merchant[request.merchant_id].append(request)
    found: dict[tuple[int, str], Message] = {}
    for merchant_id, batch in by_merchant.items():
        found |= await _queue_for_merchant(merchant_id, batch, now)
    return [found[(r.merchant_id, r.key)] for r in requests]


async def campaign_addresses(
    merchant_id: int, campaign_ids: set[int], addresses: set[str], since: datetime
) -> set[tuple[int, str]]:
    """(campaign, lower-cased address) of each campaign's marketing email waiting or sent since
    ``since``: two members sharing an address (a couple, a shopper with two accounts insights keeps
    apart) get one copy of a campaign's email, not two."""
    found: set[tuple[int, str]] = set()
    if not campaign_ids or not addresses:
        return found
    for part in chunks(sorted(addresses)):
        rows = (
            await Message.filter(
                Q(status__in=(MessageStatus.QUEUED, MessageStatus.SENDING))
                | Q(status=MessageStatus.SENT, sent_at__gte=since),
                merchant_id=merchant_id,
                campaign_id__in=sorted(campaign_ids),
                kind=MessageKind.MARKETING,
            )
            .annotate(address=Lower("to_email"))
            .filter(address__in=part)
            .values_list("campaign_id", "address")
        )
        found |= {(int(cid), str(address)) for cid, address in rows}
    return found


async def _existing(merchant_id: int, keys: list[str]) -> dict[tuple[int, str], Message]:
    rows: dict[tuple[int, str], Message] = {}
    for part in chunks(keys):
        for message in await Message.filter(merchant_id=merchant_id, key__in=part):
            rows[(merchant_id, message.key)] = message
    return rows


async def _queue_for_merchant(
    merchant_id: int, requests: list[MessageRequest], now: datetime
) -> dict[tuple[int, str], Message]:
    keys = sorted({r.key for r in requests})
    existing = await _existing(merchant_id, keys)
    fresh: dict[str, MessageRequest] = {}
    for request in requests:
        if (merchant_id, request.key) not in existing:
            fresh.setdefault(request.key, request)
    if not fresh:
        return existing
    config = await load_mail_config(merchant_id)
    profiles = {r.profile_id for r in fresh.values()}
    accounts = await accounts_of(merchant_id, profiles)
    addresses = {a.email.strip().lower() for found in accounts.values() for a in found if a.email}
    suppressed = await suppressions(merchant_id, addresses)
    chosen = {r.key: choose(r, accounts.get(r.profile_id, []), suppressed) for r in fresh.values()}
    marketing_profiles = {r.profile_id for r in fresh.values() if r.kind == MessageKind.MARKETING}
    counts = await recent_marketing(merchant_id, marketing_profiles, now, config.frequency_days)
    sent_to = await campaign_addresses(
        merchant_id,
        {r.campaign_id for r in fresh.values() if r.campaign_id and r.kind == MessageKind.MARKETING},
        {a.email.strip().lower() for a in chosen.values() if a and a.email},
        now - timedelta(days=config.frequency_days),
    )
    store_ids = {r.store_id for r in fresh.values() if r.store_id} | {a.store_id for a in chosen.values() if a}
    zones = {
        sid: zone(tz)
        for sid, tz in await Store.filter(id__in=sorted(store_ids), merchant_id=merchant_id).values_list(
            "id", "timezone"
        )
    }
    rows = []
    for request in fresh.values():
        account = chosen[request.key]
        address = account.email.strip() if account and account.email else None
        status, reason = MessageStatus.QUEUED, ""
        blocked = suppressed.get(address.lower()) if address else None
        if address is None:
            status, reason = MessageStatus.SKIPPED, "no_address"
        elif request.kind == MessageKind.MARKETING:
            if account is None or not account.accepts_marketing:
                status, reason = MessageStatus.SKIPPED, "no_consent"
            elif blocked is not None:
                status, reason = MessageStatus.SKIPPED, str(blocked)
            elif counts[request.profile_id] >= config.frequency_cap:
                status, reason = MessageStatus.SKIPPED, "capped"
            elif request.campaign_id and (request.campaign_id, address.lower()) in sent_to:
                status, reason = MessageStatus.SKIPPED, "duplicate_address"
            else:
                counts[request.profile_id] += 1
                if request.campaign_id:
                    sent_to.add((request.campaign_id, address.lower()))
        elif blocked in (SuppressionReason.BOUNCED, SuppressionReason.COMPLAINED):
            status, reason = MessageStatus.SKIPPED, str(blocked)
        send_after = now
        if status == MessageStatus.QUEUED and request.template not in IMMEDIATE:
            store_id = request.store_id or (account.store_id if account else None)
            tz = zones.get(store_id) if store_id else None
            send_after = after_quiet_hours(now, tz or ZoneInfo("UTC"), config.quiet_start_hour, config.quiet_end_hour)
        rows.append(
            (
                merchant_id,
                request.key,
                request.campaign_id,
                request.entry_id,
                request.profile_id,
                request.kind.value,
                request.template,
                locale_of(account, config),
                address,
                request.data,
                status.value,
                reason,
                0,
                send_after,
                now,
                "",
                "",
            )
        )
    conn = Message._meta.db
    written: dict[str, Message] = {}
    for part in chunks(rows):
        ids = dict((key, message_id) for message_id, key in await _INSERT.run(conn, part))
        written |= {row[1]: _built(ids[row[1]], row) for row in part if row[1] in ids}
    await _fresh_statistics(conn, len(written))
    if len(written) < len(rows):  # another caller wrote some of these keys first: theirs stand
        lost = [row[1] for row in rows if row[1] not in written]
        return existing | {(merchant_id, k): m for k, m in written.items()} | await _existing(merchant_id, lost)
    return existing | {(merchant_id, k): m for k, m in written.items()}


async def _fresh_statistics(conn: Any, written: int) -> None:
    """PostgreSQL plans a table it has no statistics for as a few rows: while a large campaign
    queues its first tens of thousands of messages (before autovacuum's next pass), the key and
    frequency-cap lookups of each batch would scan every message of the merchant. An ``ANALYZE``
    every ``ANALYZE_EVERY`` rows written keeps them on their indexes."""
    global _since_analyze
    _since_analyze += written
    if _since_analyze >= ANALYZE_EVERY:
        _since_analyze = 0
        await dialect_of(conn).analyze(conn, [Message._meta.db_table])


def _built(message_id: int, row: tuple[Any, ...]) -> Message:
    """The row just written, as the ORM would read it back (without reading it back)."""
    values = dict(zip(COLUMNS, row, strict=True)) | dict.fromkeys(UNSET)
    values["kind"], values["status"] = MessageKind(values["kind"]), MessageStatus(values["status"])
    return Message._init_from_db(id=message_id, **values)
