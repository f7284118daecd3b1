"""The rewards catalog and redemption.

Redeeming debits the points and records the redemption in one transaction under the
member's row lock, then asks the store's ``DiscountIssuer`` for the code Rapport chose (so
a retried request cannot make two). If the issuer fails or raises, a compensating entry
gives the points back, the redemption is kept as failed with the error, and the caller gets
``RedemptionFailed``. A code's use is detected from synced orders; an unused code that
expires can give its points back.

A request key makes a redemption idempotent, under concurrency too: the key is looked for
again once the member's row is locked, so of ten requests racing with one key one debits and
the other nine wait for its outcome and answer with the same code (or the same failure).
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty.errors import InsufficientPoints, InvalidRedemption, RedemptionFailed
from loyalty.holders import holder_of
from loyalty.ledger import Book, Posting
from loyalty.models import EntryKind, EventKind, Member, Redemption, RedemptionStatus, Reward, RewardKind
from loyalty.program import load_program
from store.discounts import DiscountIssuer, DiscountKind, DiscountRequest, IssueError, IssueFailed
from store.models import Customer, Store

CENT = Decimal("0.01")
SETTLE_SECONDS = 30.0
"""How long a request waits for another request with its key to get the code from the store."""
SETTLE_POLL = 0.05
_DISCOUNT_KIND = {
    RewardKind.FIXED_AMOUNT: DiscountKind.FIXED_AMOUNT,
    RewardKind.POINTS_TO_CASH: DiscountKind.FIXED_AMOUNT,
    RewardKind.PERCENTAGE: DiscountKind.PERCENTAGE,
    RewardKind.FREE_SHIPPING: DiscountKind.FREE_SHIPPING,
    RewardKind.FREE_PRODUCT: DiscountKind.FREE_PRODUCT,
}


def quote(reward: Reward, points: int | None) -> tuple[int, Decimal]:
    """Points to debit and money (or percent) off for a reward; a points-to-cash slider takes ``points``."""
    if not reward.active:
        raise InvalidRedemption(f"reward {reward.id} is not active")
    if reward.kind == RewardKind.POINTS_TO_CASH:
        if points is None or not reward.min_points <= points <= reward.max_points:
            raise InvalidRedemption(f"choose between {reward.min_points} and {reward.max_points} points")
        return points, (Decimal(points) * Decimal(reward.cash_per_point)).quantize(CENT, rounding=ROUND_FLOOR)
    return reward.points_cost, Decimal(reward.value)


def new_code() -> str:
    return "RP-" + secrets.token_hex(5).upper()


async def redeem(
    profile_id: int,
    reward_id: int,
    store_id: int,
    issuer: DiscountIssuer,
    *,
    points: int | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Spend points on a reward and get its discount code for one store."""
    now = now or datetime.now(UTC)
    pid = await holder_of(profile_id)
    reward = await Reward.get(id=reward_id)
    store = await Store.get(id=store_id)
    if store.merchant_id != reward.merchant_id:
        raise InvalidRedemption("the reward and the store belong to different merchants")
    request_key = request_key or uuid.uuid4().hex
    existing = await Redemption.get_or_none(merchant_id=reward.merchant_id, request_key=request_key)
    if existing is not None:
        return await _settled(existing)
    cost, value = quote(reward, points)
    rules = (await load_program(reward.merchant_id)).rules_now(now)
    valid_days = reward.valid_days or (rules.code_valid_days if rules else 90)
    try:
        async with in_transaction() as conn:
            book = await Book.open(conn, reward.merchant_id, [pid], now)
            # A request with the same key may have committed while this one waited for the lock.
            existing = (
                await Redemption.filter(merchant_id=reward.merchant_id, request_key=request_key).using_db(conn).first()
            )
            if existing is None:
                available = book.member(pid).available
                if available < cost:
                    raise InsufficientPoints(available, cost)
                redemption = await Redemption.create(
                    merchant_id=reward.merchant_id,
                    profile_id=pid,
                    reward_id=reward.id,
                    store_id=store.id,
                    points=cost,
                    value=value,
                    currency=store.currency,
                    code=new_code(),
                    request_key=request_key,
                    expires_at=now + timedelta(days=valid_days),
                    created_at=now,
                    using_db=conn,
                )
                book.post(
                    Posting(
                        pid,
                        EntryKind.REDEEM,
                        f"redeem:{redemption.id}",
                        now,
                        available=-cost,
                        store_id=store.id,
                        cause=reward.kind.value,
                        data={"redemption_id": redemption.id},
                    )
                )
                await book.flush()
    except IntegrityError:
        # The key's unique index caught a racer the lock did not order (another member's row).
        existing = await Redemption.get_or_none(merchant_id=reward.merchant_id, request_key=request_key)
        if existing is None:
            raise
    if existing is not None:
        return await _settled(existing)
    try:
        result = await issuer.issue(store, await _request(redemption, reward, store, pid))
    except Exception as exc:  # the issuer is the platform's: any failure is compensated
        result = IssueFailed(IssueError.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    if isinstance(result, IssueFailed):
        await _give_back(redemption.id, now, result)
        raise RedemptionFailed(redemption.id, result.error, result.message)
    async with in_transaction() as conn:
        redemption.status = RedemptionStatus.ISSUED
        redemption.platform_discount_id = result.platform_id
        redemption.expires_at = result.expires_at or redemption.expires_at
        await redemption.save(using_db=conn)
        book = await Book.open(conn, reward.merchant_id, [], now)
        book.emit(
            EventKind.REWARD_REDEEMED,
            pid,
            f"redeemed:{redemption.id}",
            {
                "profile_id": pid,
                "redemption_id": redemption.id,
                "reward": reward.name,
                "points": cost,
                "value": str(value),
                "currency": store.currency,
                "code": redemption.code,
                "store_id": store.id,
            },
            now,
        )
        await book.flush()
    return redemption


async def _settled(redemption: Redemption) -> Redemption:
    """The outcome of an earlier request with the same key, once the store has answered it.

    Raises ``RedemptionFailed`` when that request's code could not be issued. A request still
    waiting on the store after ``SETTLE_SECONDS`` is returned as it stands (its code reserved).
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while redemption.status == RedemptionStatus.ISSUING and time.monotonic() < deadline:
        await asyncio.sleep(SETTLE_POLL)
        redemption = await Redemption.get(id=redemption.id)
    if redemption.status == RedemptionStatus.FAILED:
        raise RedemptionFailed(redemption.id, IssueError.UNAVAILABLE, redemption.error or "")
    return redemption


async def _account_on(store: Store, member_key: int) -> Customer | None:
    """The member's account on the store, which the code is bound to: one whose balance the member
    holds (its owner is the member or a member merged into it, or, owned by no one yet, it shares
    the member's profile), registered before guest, verified first, oldest. Insights' profile
    alone is not enough: it may group accounts of other people, and a member's account on
    another store is often keyed on a profile of its own."""
    keys, frontier = {member_key}, [member_key]
    while frontier:
        merged = await Member.filter(merged_into_id__in=frontier).values("profile_id")
        frontier = [row["profile_id"] for row in merged if row["profile_id"] not in keys]
        keys.update(frontier)
    return (
        await Customer.filter(
            Q(owner_id__in=keys) | Q(profile_id__in=keys, owner_id=None), store_id=store.id, deleted_at=None
        )
        .order_by("is_guest", "-verified_email", "id")
        .first()
    )


async def _request(redemption: Redemption, reward: Reward, store: Store, profile_id: int) -> DiscountRequest:
    """The discount to create; the customer's platform id and email are read from the store."""
    customer = await _account_on(store, profile_id)
    return DiscountRequest(
        code=redemption.code,
        kind=_DISCOUNT_KIND[reward.kind],
        value=Decimal(redemption.value),
        title=reward.name,
        customer_platform_id=customer.platform_id if customer and not customer.is_guest else None,
        customer_email=customer.email if customer else None,
        minimum_subtotal=reward.minimum_subtotal,
        expires_at=redemption.expires_at,
        product_platform_id=reward.product_platform_id,
    )


async def _give_back(redemption_id: int, now: datetime, failure: IssueFailed) -> None:
    async with in_transaction() as conn:
        redemption = await Redemption.filter(id=redemption_id).select_for_update().using_db(conn).get()
        book = await Book.open(conn, redemption.merchant_id, [redemption.profile_id], now)
        book.post(
            Posting(
                redemption.profile_id,
                EntryKind.REDEEM_REFUND,
                f"redeem-failed:{redemption.id}",
                now,
                available=redemption.points,
                store_id=redemption.store_id,
                cause="issue_failed",
                data={"redemption_id": redemption.id, "error": failure.error.value},
            )
        )
        redemption.status = RedemptionStatus.FAILED
        redemption.error = f"{failure.error.value}: {failure.message}"
        await redemption.save(using_db=conn)
        await book.flush()


async def mark_used(conn: BaseDBAsyncClient, merchant_id: int, codes_by_order: dict[int, tuple[str, ...]]) -> int:
    """Mark issued codes seen on synced orders as used; returns how many."""
    owner = {c.strip().upper(): oid for oid, codes in codes_by_order.items() for c in codes}
    found = await Redemption.filter(
        merchant_id=merchant_id, code__in=list(owner), status=RedemptionStatus.ISSUED
    ).using_db(conn)
    for redemption in found:
        redemption.status = RedemptionStatus.USED
        redemption.used_order_id = owner[redemption.code]
        await redemption.save(using_db=conn, update_fields=["status", "used_order_id", "updated_at"])
    return len(found)


async def expire_codes(merchant_id: int, now: datetime) -> int:
    """Expire issued codes past their date; give their points back when the program says so."""
    rules = (await load_program(merchant_id)).rules_now(now)
    due = await Redemption.filter(
        merchant_id=merchant_id, status=RedemptionStatus.ISSUED, expires_at__lte=now
    ).values_list("id", flat=True)
    for redemption_id in due:
        async with in_transaction() as conn:
            redemption = await Redemption.filter(id=redemption_id).select_for_update().using_db(conn).get()
            if redemption.status != RedemptionStatus.ISSUED:
                continue
            redemption.status = RedemptionStatus.EXPIRED
            await redemption.save(using_db=conn)
            if rules is not None and rules.refund_unused_codes:
                book = await Book.open(conn, merchant_id, [redemption.profile_id], now)
                book.post(
                    Posting(
                        redemption.profile_id,
                        EntryKind.REDEEM_REFUND,
                        f"redeem-expired:{redemption.id}",
                        now,
                        available=redemption.points,
                        store_id=redemption.store_id,
                        cause="code_expired",
                        data={"redemption_id": redemption.id},
                    )
                )
                await book.flush()
    return len(due)
