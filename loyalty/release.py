"""Pending points become available once the return window has passed; a referrer is paid
when the friend's first order gets there intact."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from loyalty.holders import holders
from loyalty.ledger import Book
from loyalty.models import OrderAccount, Referral, ReferralStatus
from loyalty.processing import ACCOUNT_COLUMNS, Account, load_accounts, release
from loyalty.program import load_program
from loyalty.referrals import pay_referrer
from store.sql import Write, dialect_of, select

BATCH = 1000
_RELEASED = Write(
    OrderAccount,
    columns=ACCOUNT_COLUMNS,
    update=("profile_id", "pending", "released_at", "seq", "updated_at"),
    update_by="order_id",
)
"""What a release changes in an order's account (its holder too, after a merge): PostgreSQL is sent
those columns only, where a whole-row upsert sends and rewrites all of them."""


async def release_due(now: datetime | None = None, *, merchant_id: int | None = None, batch: int = BATCH) -> int:
    """Release every order whose release time has come; returns orders released."""
    now = now or datetime.now(UTC)
    released = 0
    for merchant, order_ids in (await _due(now, merchant_id)).items():
        rules = (await load_program(merchant)).rules_now(now)
        for start in range(0, len(order_ids), batch):
            chunk = order_ids[start : start + batch]
            async with in_transaction() as conn:
                accounts = await load_accounts(chunk, conn)
                ready = [a for a in accounts.values() if a.released_at is None and a.release_at and a.release_at <= now]
                referrals = await _qualified(conn, merchant, [a.order_id for a in ready])
                holding = await holders([*(a.profile_id for a in ready), *(r.referrer_id for r in referrals)])
                book = await Book.open(conn, merchant, holding.values(), now)
                for acc in ready:
                    acc.profile_id = holding[acc.profile_id]
                    release(book, acc, now)
                    released += 1
                for referral in referrals:
                    assert referral.order_id is not None  # asked by order id
                    if accounts[referral.order_id].points > 0 and rules is not None:
                        pay_referrer(book, referral, rules, now, referrer=holding[referral.referrer_id])
                    else:
                        referral.status = ReferralStatus.REJECTED
                        referral.reason = "the friend's first order was cancelled or refunded"
                    await referral.save(using_db=conn, update_fields=["status", "reason"])
                await book.flush()
                await _write_released(conn, ready, now)
    return released


async def _due(now: datetime, merchant_id: int | None) -> dict[int, list[int]]:
    """The orders due, by merchant, in order id order: one read of two integers a row, without the
    ORM (a million rows at a large merchant's first release)."""
    conn = OrderAccount._meta.db
    dialect = dialect_of(conn)
    where = f'"released_at" IS NULL AND "release_at" <= {dialect.param(1)}'
    params: list[Any] = [dialect.time(now)]
    if merchant_id is not None:
        where += f' AND "merchant_id" = {dialect.param(2)}'
        params.append(merchant_id)
    due: dict[int, list[int]] = defaultdict(list)
    for order_id, merchant in await select(
        conn, OrderAccount, ("order_id", "merchant_id"), where, params, suffix=' ORDER BY "order_id"'
    ):
        due[merchant].append(order_id)
    return due


async def _qualified(conn: Any, merchant_id: int, order_ids: list[int]) -> list[Referral]:
    """The qualified referrals of these first orders. Asked by merchant and status first (an index),
    with the ids as one parameter, and as models only when there are any: most batches have none."""
    if not order_ids:
        return []
    dialect = dialect_of(conn)
    found = await select(
        conn,
        Referral,
        ("id",),
        f'"merchant_id" = {dialect.param(1)} AND "status" = {dialect.param(2)} AND {dialect.in_ids("order_id", 3)}',
        [merchant_id, ReferralStatus.QUALIFIED.value, dialect.ids(order_ids)],
    )
    if not found:
        return []
    return await Referral.filter(id__in=[row[0] for row in found]).order_by("id").using_db(conn)


async def _write_released(conn: Any, accounts: list[Account], now: datetime) -> None:
    await _RELEASED.run(conn, [a.row(now) for a in accounts if a.changed])
