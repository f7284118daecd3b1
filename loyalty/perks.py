"""Tier perks kept on the platforms: a free-shipping code per member and store, for as long as
the member's tier ships free.

Each member of a tier with ``free_shipping`` gets, on every store of the merchant where they
have an account, a code Rapport chooses (``RP-FS-...``) bound to that account (Shopify: the
customer in the discount's ``context``; WooCommerce: the account's e-mail) with no usage
limit. When the member leaves the tier (a downgrade after its grace, a merge into another
member, an erased account) the code is deleted from the platform. Per-member codes are
revoked one by one, with the scopes Rapport already has, and nobody else can use them.

``sync_perks`` reconciles the ``Perk`` rows with the tiers and is safe to repeat and to run
twice at once: a perk's row is created under its member's row lock (so two runs make one code
per store), issuing and revoking are idempotent on the platforms (the code is Rapport's, and a
code already gone counts as gone), a failure is kept on the row and retried on the next run,
and a store whose credentials were refused is skipped for the rest of the run and reported.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from tortoise.transactions import in_transaction

from loyalty.accounts import accounts_of
from loyalty.models import Member, Perk, PerkKind, PerkStatus
from loyalty.program import load_program
from store.discounts import DiscountIssuer, DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed
from store.models import Customer, Store

CHUNK = 500
"""Members locked and compared per transaction."""
ISSUING_HOLD = timedelta(minutes=10)
"""A row still ``issuing`` after this long belongs to a run that died: the next run retries it."""
HELD = (PerkStatus.ISSUING, PerkStatus.ACTIVE, PerkStatus.FAILED)
"""A member has (or is getting) the perk on a store while a row of theirs is in one of these."""


class Issuers(Protocol):
    def issuer_for(self, store: Store) -> DiscountIssuer: ...


@dataclass
class PerkReport:
    issued: int = 0
    revoked: int = 0
    failed: int = 0
    """Codes that could not be issued or deleted this run (kept on their rows, retried next run)."""
    kept: int = 0
    """Perks already in place and still deserved."""
    unauthorized_stores: list[int] = field(default_factory=list)
    """Stores whose credentials the platform refused: skipped for the rest of the run."""

    def as_dict(self) -> dict[str, int | list[int]]:
        return {
            "issued": self.issued,
            "revoked": self.revoked,
            "failed": self.failed,
            "kept": self.kept,
            "unauthorized_stores": self.unauthorized_stores,
        }


def new_perk_code() -> str:
    return "RP-FS-" + secrets.token_hex(5).upper()


def perk_title(tier: str) -> str:
    return f"{tier} free shipping"


def bindable(store: Store, account: Customer | None) -> bool:
    """A perk needs a registered account to bind to: the customer on Shopify, the e-mail on WooCommerce."""
    return account is not None and not account.is_guest and bool(account.platform_id) and bool(account.email)


async def sync_perks(
    merchant_id: int, issuers: Issuers, now: datetime | None = None, profile_ids: Iterable[int] | None = None
) -> PerkReport:
    """Bring the merchant's tier perks on the platforms in line with the members' tiers now
    (only these members' when ``profile_ids`` is given)."""
    now = now or datetime.now(UTC)
    report = PerkReport()
    rules = (await load_program(merchant_id)).rules_now(now)
    shipping_tiers = {t.name for t in rules.tiers if t.free_shipping} if rules else set()
    stores = {s.id: s for s in await Store.filter(merchant_id=merchant_id)}
    members = Member.filter(merchant_id=merchant_id)
    perks = Perk.filter(merchant_id=merchant_id, status__in=[*HELD, PerkStatus.REVOKING])
    if profile_ids is not None:
        ids = sorted(set(profile_ids))
        members, perks = members.filter(profile_id__in=ids), perks.filter(profile_id__in=ids)
    keys = cast("list[int]", await members.filter(tier__in=sorted(shipping_tiers)).values_list("profile_id", flat=True))
    keys += cast("list[int]", await perks.values_list("profile_id", flat=True))
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        to_issue, to_revoke = await _claim(merchant_id, chunk, shipping_tiers, stores, now, report)
        for perk, account in to_issue:
            await _issue(perk, stores[perk.store_id], account, issuers, report)
        for perk in to_revoke:
            await _revoke(perk, stores.get(perk.store_id), issuers, now, report)
    return report


async def _claim(
    merchant_id: int,
    chunk: list[int],
    shipping_tiers: set[str],
    stores: dict[int, Store],
    now: datetime,
    report: PerkReport,
) -> tuple[list[tuple[Perk, Customer]], list[Perk]]:
    """Under the members' row locks: the perks to issue (new rows, failed ones, ones a dead run
    left issuing) and to revoke (rows now marked ``revoking``)."""
    to_issue: list[tuple[Perk, Customer]] = []
    to_revoke: list[Perk] = []
    stale = datetime.now(UTC) - ISSUING_HOLD
    async with in_transaction() as conn:
        locked = await Member.filter(profile_id__in=chunk).order_by("id").select_for_update().using_db(conn)
        tier_of = {m.profile_id: m.tier for m in locked if m.merged_into_id is None}
        deserving = [pid for pid, tier in tier_of.items() if tier in shipping_tiers]
        accounts = await accounts_of(merchant_id, deserving)
        wanted = {
            (pid, store_id): account
            for pid in deserving
            for store_id, account in accounts.get(pid, {}).items()
            if store_id in stores and bindable(stores[store_id], account)
        }
        rows: dict[tuple[int, int], list[Perk]] = defaultdict(list)
        for perk in await Perk.filter(
            profile_id__in=chunk, kind=PerkKind.FREE_SHIPPING, status__in=[*HELD, PerkStatus.REVOKING]
        ).using_db(conn):
            rows[(perk.profile_id, perk.store_id)].append(perk)
        for key, account in sorted(wanted.items()):
            held = [p for p in rows.get(key, []) if p.status in HELD]
            tier = tier_of[key[0]] or ""
            if not held:
                perk = await Perk.create(
                    merchant_id=merchant_id,
                    profile_id=key[0],
                    store_id=key[1],
                    kind=PerkKind.FREE_SHIPPING,
                    tier=tier,
                    code=new_perk_code(),
                    status=PerkStatus.ISSUING,
                    created_at=now,
                    using_db=conn,
                )
                to_issue.append((perk, account))
                continue
            perk = held[0]
            if perk.tier != tier:  # Gold to Platinum: the code stays, it ships free in both
                perk.tier = tier
                await perk.save(update_fields=["tier", "updated_at"], using_db=conn)
            if perk.status == PerkStatus.ACTIVE:
                report.kept += 1
            elif perk.status == PerkStatus.FAILED or perk.updated_at < stale:
                perk.status = PerkStatus.ISSUING
                await perk.save(update_fields=["status", "updated_at"], using_db=conn)
                to_issue.append((perk, account))
        for key, perks in sorted(rows.items()):
            for perk in perks:
                if perk.status == PerkStatus.REVOKING:  # claimed for deletion: deleted even if deserved again
                    to_revoke.append(perk)
                elif key in wanted:
                    continue
                elif perk.status == PerkStatus.ACTIVE:
                    perk.status = PerkStatus.REVOKING
                    await perk.save(update_fields=["status", "updated_at"], using_db=conn)
                    to_revoke.append(perk)
                elif perk.status == PerkStatus.FAILED or (
                    perk.status == PerkStatus.ISSUING and perk.updated_at < stale
                ):
                    # Never issued: nothing on the platform to delete (a code whose creation
                    # answer was lost is found again by its code if the member comes back).
                    perk.status, perk.revoked_at = PerkStatus.REVOKED, now
                    await perk.save(update_fields=["status", "revoked_at", "updated_at"], using_db=conn)
                # A row another run is issuing now is revoked by the run after it.
    return to_issue, to_revoke


async def _issue(perk: Perk, store: Store, account: Customer, issuers: Issuers, report: PerkReport) -> None:
    result: IssuedCode | IssueFailed
    if store.id in report.unauthorized_stores:
        result = IssueFailed(IssueError.UNAUTHORIZED, "the store refused Rapport's credentials in this run")
    else:
        request = DiscountRequest(
            code=perk.code,
            kind=DiscountKind.FREE_SHIPPING,
            title=perk_title(perk.tier),
            customer_platform_id=account.platform_id,
            customer_email=account.email,
            usage_limit=None,
        )
        try:
            result = await issuers.issuer_for(store).issue(store, request)
        except Exception as exc:  # the platform's failure is kept on the row and retried
            result = IssueFailed(IssueError.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    if isinstance(result, IssueFailed):
        _note_failure(store, result, report)
        await Perk.filter(id=perk.id, status=PerkStatus.ISSUING).update(
            status=PerkStatus.FAILED, error=f"{result.error.value}: {result.message}", updated_at=datetime.now(UTC)
        )
        return
    issued = await Perk.filter(id=perk.id, status=PerkStatus.ISSUING).update(
        status=PerkStatus.ACTIVE, platform_discount_id=result.platform_id, error=None, updated_at=datetime.now(UTC)
    )
    if not issued:  # withdrawn meanwhile (an erasure): keep the platform's id so the next sync deletes it
        await Perk.filter(id=perk.id).update(platform_discount_id=result.platform_id)
    report.issued += 1


async def _revoke(perk: Perk, store: Store | None, issuers: Issuers, now: datetime, report: PerkReport) -> None:
    failure: IssueFailed | None = None
    if store is not None and perk.platform_discount_id:
        if store.id in report.unauthorized_stores:
            failure = IssueFailed(IssueError.UNAUTHORIZED, "the store refused Rapport's credentials in this run")
        else:
            try:
                failure = await issuers.issuer_for(store).revoke(store, perk.platform_discount_id)
            except Exception as exc:  # kept revoking, retried on the next run
                failure = IssueFailed(IssueError.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    if failure is not None:
        if store is not None:
            _note_failure(store, failure, report)
        await Perk.filter(id=perk.id).update(
            error=f"{failure.error.value}: {failure.message}", updated_at=datetime.now(UTC)
        )
        return
    await Perk.filter(id=perk.id, status=PerkStatus.REVOKING).update(
        status=PerkStatus.REVOKED, revoked_at=now, error=None, updated_at=datetime.now(UTC)
    )
    report.revoked += 1


def _note_failure(store: Store, failure: IssueFailed, report: PerkReport) -> None:
    report.failed += 1
    if failure.error == IssueError.UNAUTHORIZED and store.id not in report.unauthorized_stores:
        report.unauthorized_stores.append(store.id)


async def withdraw_perks(profile_ids: Iterable[int]) -> int:
    """Take the perks of these members away at once (an erased person): held rows become
    ``revoking``, so the shopper no longer sees them and the next sync deletes their codes from
    the platforms (with the e-mail a WooCommerce coupon is restricted to). Returns how many."""
    return await Perk.filter(profile_id__in=sorted(set(profile_ids)), status__in=list(HELD)).update(
        status=PerkStatus.REVOKING, updated_at=datetime.now(UTC)
    )


async def perks_of(profile_ids: Iterable[int]) -> dict[int, list[Perk]]:
    """The perks each member holds now or is being given (not the revoked ones), by store."""
    out: dict[int, list[Perk]] = defaultdict(list)
    for perk in await Perk.filter(
        profile_id__in=sorted(set(profile_ids)), status__in=[*HELD, PerkStatus.REVOKING]
    ).order_by("store_id", "id"):
        out[perk.profile_id].append(perk)
    return out


async def out_of_step(merchant_id: int, profile_ids: Iterable[int], now: datetime) -> list[int]:
    """Of these members, those whose perks do not match their tier and accounts (a few reads), so a
    sync is queued only for them after their orders were processed."""
    ids = sorted(set(profile_ids))
    if not ids:
        return []
    rules = (await load_program(merchant_id)).rules_now(now)
    shipping = sorted({t.name for t in rules.tiers if t.free_shipping} if rules else set())
    stores = {s.id: s for s in await Store.filter(merchant_id=merchant_id)}
    deserving = cast(
        "list[int]",
        await Member.filter(
            merchant_id=merchant_id, profile_id__in=ids, merged_into_id=None, tier__in=shipping
        ).values_list("profile_id", flat=True),
    )
    accounts = await accounts_of(merchant_id, deserving)
    wanted = {
        (pid, store_id)
        for pid, by_store in accounts.items()
        for store_id, account in by_store.items()
        if store_id in stores and bindable(stores[store_id], account)
    }
    held = set(
        await Perk.filter(merchant_id=merchant_id, profile_id__in=ids, status__in=list(HELD)).values_list(
            "profile_id", "store_id"
        )
    )
    return sorted({pid for pid, _ in wanted ^ held})
