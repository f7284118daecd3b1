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

Eligibility (``loyalty.eligibility``) is checked under that lock too: the member's tier, the
value tier the caller gives, the launch or early access, the member's redemptions of the reward
in its period. A reward with stock takes one code from it in the same transaction with a
conditional update, so concurrent members never take more than the stock; a failed code gives
it back.
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
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from loyalty.accounts import account_on
from loyalty.eligibility import Lock, RewardLockReason, Usage, locks, starts_for, usage_of
from loyalty.errors import (
    InsufficientPoints,
    InvalidRedemption,
    LimitReached,
    OutOfStock,
    RedemptionFailed,
    RewardLocked,
)
from loyalty.holders import holder_of
from loyalty.ledger import Book, Posting
from loyalty.models import EntryKind, EventKind, Redemption, RedemptionStatus, Reward, RewardKind
from loyalty.program import load_program
from store.discounts import DiscountIssuer, DiscountKind, DiscountRequest, IssueError, IssueFailed
from store.models import Store

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
        if points is None or not max(1, reward.min_points) <= points <= reward.max_points:
            raise InvalidRedemption(f"choose between {max(1, reward.min_points)} and {reward.max_points} points")
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
    value_tier: str | None = None,
) -> Redemption:
    """Spend points on a reward and get its discount code for one store.

    ``value_tier``: the member's insights value tier (``vip`` ...), for rewards kept to some.
    Raises ``RewardLocked``, ``LimitReached``, ``OutOfStock`` or ``InsufficientPoints`` (in that
    order of precedence) when the reward is not the member's to take now.
    """
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
                held = book.member(pid)
                usage = await _usage(conn, reward, pid, now)
                _refuse(locks(reward, held, rules, value_tier, now, usage))
                if held.available < cost:
                    raise InsufficientPoints(held.available, cost)
                if reward.stock is not None and not await _take_stock(conn, reward.id):
                    raise OutOfStock(f"{reward.name} is out of stock")
                start = starts_for(reward, held.tier, rules)
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
                    expires_at=max(now, start or now) + timedelta(days=valid_days),
                    starts_at=start if start is not None and start > now else None,
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


def _refuse(found: list[Lock]) -> None:
    """Raise the refusal of the first lock that is not about points (those are checked after)."""
    for lock in found:
        if lock.reason in (RewardLockReason.TIER, RewardLockReason.VALUE_TIER, RewardLockReason.NOT_YET):
            reasons = tuple(
                x.reason.value
                for x in found
                if x.reason in (RewardLockReason.TIER, RewardLockReason.VALUE_TIER, RewardLockReason.NOT_YET)
            )
            raise RewardLocked(lock.message, reasons)
    for lock in found:
        if lock.reason == RewardLockReason.MEMBER_LIMIT:
            raise LimitReached(lock.message)
        if lock.reason == RewardLockReason.OUT_OF_STOCK:
            raise OutOfStock(lock.message)


async def _usage(conn: BaseDBAsyncClient, reward: Reward, profile_id: int, now: datetime) -> Usage:
    """The member's redemptions of the reward that count against its limit, read under the member's lock."""
    if not reward.per_member_limit:
        return Usage()
    query = Redemption.filter(reward_id=reward.id, profile_id=profile_id).exclude(status=RedemptionStatus.FAILED)
    if reward.limit_period_days:
        query = query.filter(created_at__gt=now - timedelta(days=reward.limit_period_days))
    rows = await query.using_db(conn).values("created_at")
    return usage_of([row["created_at"] for row in rows], reward, now)


async def usages(profile_id: int, rewards: list[Reward], now: datetime) -> dict[int, Usage]:
    """A member's usage of each limited reward, in one statement (for showing a catalog)."""
    limited = {r.id: r for r in rewards if r.per_member_limit}
    if not limited:
        return {}
    rows = (
        await Redemption.filter(reward_id__in=list(limited), profile_id=profile_id)
        .exclude(status=RedemptionStatus.FAILED)
        .values_list("reward_id", "created_at")
    )
    times: dict[int, list[datetime]] = {rid: [] for rid in limited}
    for rid, when in rows:
        times[rid].append(when)
    return {rid: usage_of(times[rid], reward, now) for rid, reward in limited.items()}


async def _take_stock(conn: BaseDBAsyncClient, reward_id: int) -> bool:
    """Take one code from the reward's stock: one conditional update, so racing members wait on
    the reward's row and each sees the count the last one left."""
    taken = (
        await Reward.filter(Q(stock__isnull=True) | Q(claimed__lt=F("stock")), id=reward_id)
        .using_db(conn)
        .update(claimed=F("claimed") + 1)
    )
    return bool(taken)


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


async def _request(redemption: Redemption, reward: Reward, store: Store, profile_id: int) -> DiscountRequest:
    """The discount to create; the customer's platform id and email are read from the store."""
    customer = await account_on(store, profile_id)
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
        starts_at=redemption.starts_at,
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
        await (
            Reward.filter(id=redemption.reward_id, stock__not_isnull=True, claimed__gt=0)
            .using_db(conn)
            .update(claimed=F("claimed") - 1)
        )
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
