"""Pending points become available once the return window has passed; a referrer is paid
when the friend's first order gets there intact."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from loyalty.holders import holders
from loyalty.ledger import Book
from loyalty.models import OrderAccount, Referral, ReferralStatus
from loyalty.processing import load_accounts, release, write_accounts
from loyalty.program import load_program
from loyalty.referrals import pay_referrer

BATCH = 1000


async def release_due(now: datetime | None = None, *, merchant_id: int | None = None, batch: int = BATCH) -> int:
    """Release every order whose release time has come; returns orders released."""
    now = now or datetime.now(UTC)
    query = OrderAccount.filter(released_at=None, release_at__lte=now)
    if merchant_id is not None:
        query = query.filter(merchant_id=merchant_id)
    due: dict[int, list[int]] = defaultdict(list)
    for order_id, merchant in await query.order_by("order_id").values_list("order_id", "merchant_id"):
        due[merchant].append(order_id)
    released = 0
    for merchant, order_ids in due.items():
        rules = (await load_program(merchant)).rules_now(now)
        for start in range(0, len(order_ids), batch):
            chunk = order_ids[start : start + batch]
            async with in_transaction() as conn:
                accounts = await load_accounts(chunk, conn)
                ready = [a for a in accounts.values() if a.released_at is None and a.release_at and a.release_at <= now]
                referrals = await Referral.filter(
                    order_id__in=[a.order_id for a in ready], status=ReferralStatus.QUALIFIED
                ).using_db(conn)
                holding = await holders([*(a.profile_id for a in ready), *(r.referrer_id for r in referrals)])
                book = await Book.open(conn, merchant, holding.values(), now)
                for acc in ready:
                    acc.profile_id = holding[acc.profile_id]
                    release(book, acc, now)
                    released += 1
                for referral in referrals:
                    if accounts[referral.order_id].points > 0 and rules is not None:
                        pay_referrer(book, referral, rules, now, referrer=holding[referral.referrer_id])
                    else:
                        referral.status = ReferralStatus.REJECTED
                        referral.reason = "the friend's first order was cancelled or refunded"
                    await referral.save(using_db=conn, update_fields=["status", "reason"])
                await book.flush()
                await write_accounts(conn, ready, now)
    return released
