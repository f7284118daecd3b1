"""Referrals: a code and link per member, rewards for the friend's first order and for the
referrer once that order is past its return window, and fraud guards.

Clear fraud (the same person, the same email or phone, the same address under the same
name, a friend who already ordered, a referrer over the cap) is rejected with its reason;
suspicious cases (a shared household address, many friends from one network) wait in a
review queue for the store owner. Personal fields are read from the store, never copied.
"The same person" is identity resolution's: profiles merged across stores count as one, and
their accounts' emails, phones and addresses are all compared. The synced orders of either
platform carry no payment fingerprint (no card hash, only a gateway's transaction id), so
none is compared.

The loop: a first visit through ``?ref=CODE`` is counted once per visitor (``record_visit``);
the signed-in friend claims the code (``claim``), which records the referral and, when it
starts PENDING (or once a reviewed one is approved), issues the friend's welcome code on the
store they claimed on, bound to their account there. Their first order qualifies the
referral (paying the friend), and its release past the return window pays the referrer; a
first order refunded or cancelled before then rejects the referral with that reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import cast
from urllib.parse import urlencode

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty.errors import NoProgram, UnknownReferralCode
from loyalty.holders import holder_of
from loyalty.ledger import Book, Posting
from loyalty.models import (
    EntryKind,
    EventKind,
    FriendCodeStatus,
    Member,
    Referral,
    ReferralSource,
    ReferralStatus,
    ReferralVisit,
)
from loyalty.program import load_program
from loyalty.rules import FriendReward, Rules
from store.discounts import DiscountIssuer, DiscountKind, DiscountRequest, IssueError, IssueFailed
from store.models import Customer, Order, Profile, Store
from store.people import resolve_profile

ACTIVE = [ReferralStatus.PENDING, ReferralStatus.REVIEW, ReferralStatus.QUALIFIED, ReferralStatus.COMPLETED]


def referral_link(code: str, storefront_url: str) -> str:
    return f"{storefront_url.rstrip('/')}/?{urlencode({'ref': code})}"


def network_key(merchant_id: int, network: str) -> str:
    """A keyed hash of the friend's network (e.g. an IP prefix), so the raw value is never stored."""
    return hashlib.sha256(f"rapport-referral:{merchant_id}:{network}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Identity:
    emails: set[str]
    phones: set[str]
    addresses: set[str]
    names: set[str]


def _phone(raw: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    return digits[-10:] if len(digits) >= 7 else None


def _address(raw: dict | None) -> str | None:
    if not raw:
        return None
    line = re.sub(r"\W+", " ", str(raw.get("address1", ""))).strip().lower()
    postcode = re.sub(r"\s+", "", str(raw.get("zip", ""))).lower()
    return f"{line}|{postcode}" if line else None


async def person_keys(profile_id: int) -> set[int]:
    """The profile, the person identity resolution says it is, and every profile merged into that
    person: accounts on other stores that resolution linked count as the same shopper."""
    person = await resolve_profile(profile_id)
    keys = {profile_id, person}
    frontier = [person]
    while frontier:
        merged = cast(list[int], await Profile.filter(merged_into_id__in=frontier).values_list("id", flat=True))
        frontier = [pid for pid in merged if pid not in keys]
        keys.update(frontier)
    return keys


async def identity(profile_id: int, conn: BaseDBAsyncClient | None = None) -> Identity:
    """Normalised emails, phones, addresses and names of a member's or profile's customers and
    orders, across every account identity resolution ties to the same person."""
    keys = list(await person_keys(profile_id))
    customers = Customer.filter(Q(profile_id__in=keys) | Q(owner_id__in=keys))
    rows = await (customers.using_db(conn) if conn else customers).values(
        "id", "email", "phone", "address", "first_name", "last_name"
    )
    orders = Order.filter(customer_id__in=[r["id"] for r in rows]).order_by("-platform_created_at").limit(20)
    order_rows = await (orders.using_db(conn) if conn else orders).values("email", "phone", "shipping_address")
    found = Identity(set(), set(), set(), set())
    for row in [*rows, *order_rows]:
        if row.get("email"):
            found.emails.add(row["email"].strip().lower())
        if phone := _phone(row.get("phone")):
            found.phones.add(phone)
        if address := _address(row.get("address") or row.get("shipping_address")):
            found.addresses.add(address)
    for row in rows:
        name = " ".join(filter(None, [row["first_name"], row["last_name"]])).strip().lower()
        if name:
            found.names.add(name)
    return found


async def screen(
    conn: BaseDBAsyncClient | None,
    merchant_id: int,
    referrer: int,
    friend: int,
    rules: Rules,
    *,
    net_key: str | None,
    now: datetime,
    ordered_before: datetime | None,
) -> tuple[ReferralStatus, str]:
    """The status a new referral starts in, and why."""
    if await resolve_profile(referrer) == await resolve_profile(friend):
        return ReferralStatus.REJECTED, "self-referral: same person"
    mine, theirs = await identity(referrer, conn), await identity(friend, conn)
    if mine.emails & theirs.emails:
        return ReferralStatus.REJECTED, "self-referral: same email as the referrer"
    if mine.phones & theirs.phones:
        return ReferralStatus.REJECTED, "self-referral: same phone as the referrer"
    shared_address = bool(mine.addresses & theirs.addresses)
    if shared_address and mine.names & theirs.names:
        return ReferralStatus.REJECTED, "self-referral: same name and shipping address as the referrer"
    earlier = Order.filter(Q(customer__profile_id=friend) | Q(customer__owner_id=friend), cancelled_at=None)
    if ordered_before is not None:
        earlier = earlier.filter(platform_created_at__lt=ordered_before)
    if await (earlier.using_db(conn) if conn else earlier).exists():
        return ReferralStatus.REJECTED, "the friend had already ordered"
    made = Referral.filter(merchant_id=merchant_id, referrer_id=referrer, status__in=ACTIVE)
    made = made.using_db(conn) if conn else made
    if rules.referral_cap and await made.count() >= rules.referral_cap:
        return ReferralStatus.REJECTED, f"the referrer reached the cap of {rules.referral_cap}"
    if shared_address:
        return ReferralStatus.REVIEW, "shared address: same household as the referrer"
    if net_key is not None:
        same_network = await made.filter(network_key=net_key, created_at__gte=now - timedelta(days=30)).count()
        if same_network >= rules.referral_network_limit:
            return ReferralStatus.REVIEW, f"{same_network + 1} referrals from one network within 30 days"
    return ReferralStatus.PENDING, ""


async def refer(
    friend_profile_id: int,
    code: str,
    now: datetime,
    *,
    network: str | None = None,
    source: ReferralSource = ReferralSource.CODE,
    store_id: int | None = None,
    merchant_id: int | None = None,
) -> Referral:
    """Record that a friend arrived through a member's code (signup or link); idempotent per friend.
    With ``merchant_id`` a code of another merchant is unknown, as it should be to a storefront."""
    referrer = await Member.get_or_none(referral_code=code.strip().upper())
    if referrer is None or (merchant_id is not None and referrer.merchant_id != merchant_id):
        raise UnknownReferralCode(f"no member has referral code {code!r}")
    friend = await holder_of(friend_profile_id)
    existing = await Referral.get_or_none(merchant_id=referrer.merchant_id, friend_id=friend)
    if existing is not None:
        return existing
    rules = (await load_program(referrer.merchant_id)).rules_now(now)
    if rules is None:
        raise NoProgram("the merchant has no loyalty program")
    key = network_key(referrer.merchant_id, network) if network else None
    status, reason = await screen(
        None, referrer.merchant_id, referrer.profile_id, friend, rules, net_key=key, now=now, ordered_before=None
    )
    return await Referral.create(
        merchant_id=referrer.merchant_id,
        referrer_id=referrer.profile_id,
        friend_id=friend,
        status=status,
        reason=reason,
        network_key=key,
        source=source,
        store_id=store_id,
        created_at=now,
    )


def pay_friend(book: Book, referral: Referral, rules: Rules, version_id: int, order_id: int, when: datetime) -> None:
    referral.order_id = order_id
    referral.status = ReferralStatus.QUALIFIED
    if rules.referral_friend_points:
        book.post(
            Posting(
                referral.friend_id,
                EntryKind.REFERRAL,
                f"referral:{referral.id}:friend",
                when,
                available=rules.referral_friend_points,
                lifetime=rules.referral_friend_points,
                version_id=version_id,
                cause="friend",
                order_id=None,
            )
        )


def pay_referrer(book: Book, referral: Referral, rules: Rules, when: datetime, *, referrer: int) -> None:
    """Pay the referrer (their surviving profile) once the friend's first order is past its window."""
    referral.status = ReferralStatus.COMPLETED
    if rules.referral_referrer_points:
        book.post(
            Posting(
                referrer,
                EntryKind.REFERRAL,
                f"referral:{referral.id}:referrer",
                when,
                available=rules.referral_referrer_points,
                lifetime=rules.referral_referrer_points,
                cause="referrer",
            )
        )
    book.emit(
        EventKind.REFERRAL_COMPLETED,
        referrer,
        f"referral-completed:{referral.id}",
        {
            "referral_id": referral.id,
            "referrer_profile_id": referrer,
            "friend_profile_id": referral.friend_id,
            "points": rules.referral_referrer_points,
        },
        when,
    )


async def first_orders(
    book: Book, rules: Rules, version_id: int, firsts: list[tuple[int, int, datetime, tuple[str, ...]]]
) -> None:
    """React to members' first orders (profile, order id, placed at, discount codes): attach a
    referral carried as a discount code, and reward the friend of a referral that qualifies."""
    if not firsts:
        return
    codes = {c.strip().upper() for _, _, _, cs in firsts for c in cs}
    referrers = {}
    if codes:
        referrers = {
            m.referral_code: m.profile_id
            for m in await Member.filter(merchant_id=book.merchant_id, referral_code__in=list(codes)).using_db(
                book.conn
            )
        }
    friends = [pid for pid, *_ in firsts]
    known = {
        r.friend_id: r
        for r in await Referral.filter(merchant_id=book.merchant_id, friend_id__in=friends).using_db(book.conn)
    }
    by_friend_code = {}
    if codes:
        by_friend_code = {
            r.friend_code: r
            for r in await Referral.filter(
                merchant_id=book.merchant_id, friend_code__in=list(codes), order_id=None
            ).using_db(book.conn)
        }
    for pid, order_id, placed_at, order_codes in firsts:
        referral = known.get(pid)
        if referral is None:  # the friend's code used from an account not tied to the claim yet
            referral = next(
                (by_friend_code[c] for c in (x.strip().upper() for x in order_codes) if c in by_friend_code), None
            )
        if referral is None:
            referrer = next((referrers[c.strip().upper()] for c in order_codes if c.strip().upper() in referrers), None)
            if referrer is None:
                continue
            status, reason = await screen(
                book.conn, book.merchant_id, referrer, pid, rules, net_key=None, now=placed_at, ordered_before=placed_at
            )
            referral = await Referral.create(
                merchant_id=book.merchant_id,
                referrer_id=referrer,
                friend_id=pid,
                status=status,
                reason=reason,
                created_at=placed_at,
                using_db=book.conn,
            )
        if referral.order_id is not None:
            continue
        if referral.status == ReferralStatus.PENDING:
            pay_friend(book, referral, rules, version_id, order_id, placed_at)
        elif referral.status == ReferralStatus.REVIEW:
            referral.order_id = order_id
        else:
            continue
        await referral.save(using_db=book.conn, update_fields=["order_id", "status"])


async def friend_codes_used(
    conn: BaseDBAsyncClient, merchant_id: int, codes_by_order: dict[int, tuple[str, ...]]
) -> int:
    """Mark friends' welcome codes seen on synced orders as used; returns how many."""
    seen = [c.strip().upper() for codes in codes_by_order.values() for c in codes]
    if not seen:
        return 0
    return (
        await Referral.filter(
            merchant_id=merchant_id,
            friend_code__in=seen,
            friend_code_status__in=[FriendCodeStatus.ISSUED, FriendCodeStatus.ISSUING],
        )
        .using_db(conn)
        .update(friend_code_status=FriendCodeStatus.USED)
    )


async def review_queue(merchant_id: int) -> list[Referral]:
    return await Referral.filter(merchant_id=merchant_id, status=ReferralStatus.REVIEW).order_by("created_at")


async def decide(referral_id: int, *, approve: bool, actor: str, reason: str = "", now: datetime) -> Referral:
    """The store owner's verdict on a referral under review; a rejection keeps its reason."""
    async with in_transaction() as conn:
        referral = await Referral.filter(id=referral_id).select_for_update().using_db(conn).get()
        if referral.status != ReferralStatus.REVIEW:
            return referral
        referral.decided_by, referral.decided_at = actor, now
        if not approve:
            referral.status = ReferralStatus.REJECTED
            referral.reason = reason or referral.reason or "rejected on review"
        else:
            referral.status = ReferralStatus.PENDING
            if referral.order_id is not None:
                program = await load_program(referral.merchant_id)
                version = program.at(now) or program.current
                assert version is not None
                book = await Book.open(conn, referral.merchant_id, [referral.friend_id], now)
                pay_friend(book, referral, version.rules, version.id, referral.order_id, now)
                await book.flush()
        await referral.save(using_db=conn)
    return referral


# -- the loop on the storefront: a visit, a claim, the friend's welcome code -----------------

CODE_SHAPE = re.compile(r"^[A-Z0-9-]{4,32}$")
"""A referral code as the widget's ``rapport_ref`` cookie holds it (upper case)."""
VISITOR_SHAPE = re.compile(r"^[A-Za-z0-9-]{16,64}$")
"""The widget's random visitor id (``rapport_vid``)."""
VISITS_PER_NETWORK = 30
"""Visits one network may record for a merchant in ``VISIT_WINDOW`` before more are refused."""
VISIT_WINDOW = timedelta(hours=1)
ISSUE_WAIT_SECONDS = 10.0
"""How long a claim waits for another request already issuing the same friend code."""
_FRIEND_KIND = {
    FriendReward.FIXED_AMOUNT: DiscountKind.FIXED_AMOUNT,
    FriendReward.PERCENTAGE: DiscountKind.PERCENTAGE,
    FriendReward.FREE_SHIPPING: DiscountKind.FREE_SHIPPING,
}


class ReferralRefusal(StrEnum):
    """Why a visit or a claim was refused; the storefront shows these as error codes."""

    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_CUSTOMER = "ALREADY_CUSTOMER"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    INVALID = "INVALID"
    RATE_LIMITED = "RATE_LIMITED"
    NO_PROGRAM = "NO_PROGRAM"


def refusal_of(reason: str) -> ReferralRefusal:
    """The refusal code of a rejected referral's reason (as ``screen`` words them)."""
    if reason.startswith("self-referral"):
        return ReferralRefusal.SELF_REFERRAL
    if "already ordered" in reason:
        return ReferralRefusal.ALREADY_CUSTOMER
    return ReferralRefusal.INVALID


def normal_code(raw: str) -> str | None:
    """The code upper-cased, or ``None`` when it cannot be a referral code."""
    code = raw.strip().upper()
    return code if CODE_SHAPE.match(code) else None


def visitor_key(merchant_id: int, visitor_id: str) -> str:
    """A keyed hash of the widget's visitor id, so one visitor counts once and the id is not kept."""
    return hashlib.sha256(f"rapport-visitor:{merchant_id}:{visitor_id}".encode()).hexdigest()[:32]


async def referrer_by_code(merchant_id: int, raw: str) -> Member | None:
    """The member of this merchant whose referral code this is; ``None`` for a malformed or unknown
    code, or one of another merchant (never told apart, so no code's owner can be probed)."""
    code = normal_code(raw)
    if code is None:
        return None
    return await Member.get_or_none(merchant_id=merchant_id, referral_code=code, merged_into_id=None)


@dataclass(frozen=True)
class VisitOutcome:
    referrer: Member | None
    refusal: ReferralRefusal | None = None
    counted: bool = False
    """A new visitor for this referrer (a repeat visit is not counted again)."""


async def record_visit(
    store: Store, raw_code: str, visitor_id: str, network: str | None, now: datetime
) -> VisitOutcome:
    """Count a first visit through a member's link: once per (referrer, visitor); a network that
    records more than ``VISITS_PER_NETWORK`` in ``VISIT_WINDOW`` is refused, so a script cannot
    inflate a referrer's clicks."""
    referrer = await referrer_by_code(store.merchant_id, raw_code)
    if referrer is None:
        return VisitOutcome(None, ReferralRefusal.UNKNOWN_CODE)
    if not VISITOR_SHAPE.match(visitor_id):
        return VisitOutcome(None, ReferralRefusal.INVALID)
    net = network_key(store.merchant_id, network) if network else None
    key = visitor_key(store.merchant_id, visitor_id)
    if await ReferralVisit.filter(
        merchant_id=store.merchant_id, referrer_id=referrer.profile_id, visitor_key=key
    ).exists():
        return VisitOutcome(referrer)
    if net is not None:
        recent = await ReferralVisit.filter(
            merchant_id=store.merchant_id, network_key=net, created_at__gte=now - VISIT_WINDOW
        ).count()
        if recent >= VISITS_PER_NETWORK:
            return VisitOutcome(None, ReferralRefusal.RATE_LIMITED)
    try:
        await ReferralVisit.create(
            merchant_id=store.merchant_id,
            referrer_id=referrer.profile_id,
            store_id=store.id,
            visitor_key=key,
            network_key=net,
            created_at=now,
        )
    except IntegrityError:  # the same visitor's second tab won the race
        return VisitOutcome(referrer)
    return VisitOutcome(referrer, counted=True)


@dataclass(frozen=True)
class ClaimOutcome:
    referral: Referral | None
    refusal: ReferralRefusal | None = None
    message: str = ""


async def claim(
    customer: Customer,
    store: Store,
    friend_profile_id: int,
    raw_code: str,
    issuer: DiscountIssuer | None,
    now: datetime,
    *,
    network: str | None = None,
) -> ClaimOutcome:
    """A signed-in shopper claims the code their first visit brought: the referral is recorded
    (screened), and a PENDING one gets the friend's welcome code on this store. Claiming again
    answers the same referral and the same code; a code whose issue failed is issued again."""
    referrer = await referrer_by_code(store.merchant_id, raw_code)
    if referrer is None:
        return ClaimOutcome(None, ReferralRefusal.UNKNOWN_CODE, "this referral code is not known here")
    friend = await holder_of(friend_profile_id)
    if await holder_of(referrer.profile_id) == friend or (
        await resolve_profile(referrer.profile_id) == await resolve_profile(friend)
    ):
        return ClaimOutcome(None, ReferralRefusal.SELF_REFERRAL, "this is your own referral code")
    existing = await Referral.get_or_none(merchant_id=store.merchant_id, friend_id=friend)
    if existing is not None and existing.referrer_id != referrer.profile_id:
        return ClaimOutcome(existing, ReferralRefusal.ALREADY_REFERRED, "you were already referred by another member")
    if existing is None:
        try:
            existing = await refer(
                friend,
                referrer.referral_code,
                now,
                network=network,
                source=ReferralSource.LINK,
                store_id=store.id,
                merchant_id=store.merchant_id,
            )
        except NoProgram:
            return ClaimOutcome(None, ReferralRefusal.NO_PROGRAM, "this shop has no loyalty program")
        except IntegrityError:  # a concurrent claim of the same friend recorded it first
            existing = await Referral.get(merchant_id=store.merchant_id, friend_id=friend)
    referral = existing
    if referral.status == ReferralStatus.REJECTED:
        return ClaimOutcome(referral, refusal_of(referral.reason), referral.reason)
    if referral.status != ReferralStatus.REVIEW and issuer is not None:
        referral = await issue_friend_code(referral.id, issuer, now)
    return ClaimOutcome(referral)


async def _friend_account(store_id: int, friend: int) -> Customer | None:
    """The friend's account on the store their code is bound to: one whose balance they hold,
    registered before guest, oldest first."""
    return (
        await Customer.filter(
            Q(owner_id=friend) | Q(profile_id=friend, owner_id=None), store_id=store_id, deleted_at=None
        )
        .order_by("is_guest", "id")
        .first()
    )


def new_friend_code() -> str:
    return "RF-" + secrets.token_hex(5).upper()


async def issue_friend_code(referral_id: int, issuer: DiscountIssuer, now: datetime) -> Referral:
    """Issue the friend's welcome code on the store of their claim, once: the request that moves
    the code from NONE or FAILED to ISSUING makes it (with the code chosen here, kept across
    retries so a platform that made it before finds it by code), the others wait for its outcome."""
    referral = await Referral.get(id=referral_id)
    rules = (await load_program(referral.merchant_id)).rules_now(now)
    if (
        rules is None
        or rules.referral_friend_reward == FriendReward.NONE
        or referral.store_id is None
        or referral.status not in (ReferralStatus.PENDING, ReferralStatus.QUALIFIED)
    ):
        return referral
    code = referral.friend_code or new_friend_code()
    taken = await Referral.filter(
        id=referral.id, friend_code_status__in=[FriendCodeStatus.NONE, FriendCodeStatus.FAILED]
    ).update(
        friend_code=code,
        friend_code_status=FriendCodeStatus.ISSUING,
        friend_code_kind=rules.referral_friend_reward.value,
        friend_code_value=rules.referral_friend_value,
        friend_code_expires_at=now + timedelta(days=rules.referral_friend_code_days),
        friend_code_error=None,
    )
    if not taken:
        deadline = time.monotonic() + ISSUE_WAIT_SECONDS
        while referral.friend_code_status == FriendCodeStatus.ISSUING and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            referral = await Referral.get(id=referral.id)
        return referral
    referral = await Referral.get(id=referral.id)
    store = await Store.get(id=referral.store_id)
    account = await _friend_account(store.id, referral.friend_id)
    request = DiscountRequest(
        code=code,
        kind=_FRIEND_KIND[rules.referral_friend_reward],
        value=Decimal(rules.referral_friend_value),
        title="Welcome gift from a friend",
        customer_platform_id=account.platform_id if account and not account.is_guest else None,
        customer_email=account.email if account else None,
        minimum_subtotal=rules.referral_friend_minimum,
        expires_at=referral.friend_code_expires_at,
        usage_limit=1,
    )
    try:
        result = await issuer.issue(store, request)
    except Exception as exc:  # the issuer is the platform's: any failure is kept for a retry
        result = IssueFailed(IssueError.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    if isinstance(result, IssueFailed):
        referral.friend_code_status = FriendCodeStatus.FAILED
        referral.friend_code_error = f"{result.error.value}: {result.message}"
    else:
        referral.friend_code_status = FriendCodeStatus.ISSUED
        referral.friend_discount_id = result.platform_id
        referral.friend_code_expires_at = result.expires_at or referral.friend_code_expires_at
    await referral.save(
        update_fields=["friend_code_status", "friend_code_error", "friend_discount_id", "friend_code_expires_at"]
    )
    return referral
