"""Referrals: a code and link per member, rewards for the friend's first order and for the
referrer once that order is past its return window, and fraud guards.

Clear fraud (the same person, the same email or phone, the same address under the same
name, a friend who already ordered, a referrer over the cap) is rejected with its reason;
suspicious cases (a shared household address, many friends from one network) wait in a
review queue for the store owner. Personal fields are read from the store, never copied.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty.errors import NoProgram, UnknownReferralCode
from loyalty.holders import holder_of
from loyalty.ledger import Book, Posting
from loyalty.models import EntryKind, EventKind, Member, Referral, ReferralStatus
from loyalty.program import load_program
from loyalty.rules import Rules
from store.models import Customer, Order
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


async def identity(profile_id: int, conn: BaseDBAsyncClient | None = None) -> Identity:
    """Normalised emails, phones, addresses and names of a member's or profile's customers and orders."""
    customers = Customer.filter(Q(profile_id=profile_id) | Q(owner_id=profile_id))
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


async def refer(friend_profile_id: int, code: str, now: datetime, *, network: str | None = None) -> Referral:
    """Record that a friend arrived through a member's code (signup or link); idempotent per friend."""
    referrer = await Member.get_or_none(referral_code=code.strip().upper())
    if referrer is None:
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
    for pid, order_id, placed_at, order_codes in firsts:
        referral = known.get(pid)
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
