"""Merging two members when ownership of their accounts is established as one person's, and splitting
them again: balances move by transfer entries (the ledger stays append-only), order accounts
follow their new holder, and repeating either call changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from loyalty.errors import AcrossMerchants
from loyalty.ledger import Book, Posting
from loyalty.models import EntryKind, Member, OrderAccount, Transfer
from loyalty.program import load_program
from loyalty.tiers import upgrade
from store.models import Profile


async def merge_members(
    survivor_profile_id: int, absorbed_profile_id: int, *, now: datetime | None = None, cause: str = "merge"
) -> Transfer | None:
    """Move everything the absorbed member holds to the survivor; ``None`` when there is nothing to do.

    ``cause`` names how ownership was established (``loyalty.ownership.OwnershipReason``)."""
    now = now or datetime.now(UTC)
    if survivor_profile_id == absorbed_profile_id:
        return None
    merchant_id = (await Profile.get(id=survivor_profile_id)).merchant_id
    if (await Profile.get(id=absorbed_profile_id)).merchant_id != merchant_id:
        raise AcrossMerchants("profiles of different merchants cannot be merged")
    async with in_transaction() as conn:
        if not await Member.filter(profile_id=absorbed_profile_id).using_db(conn).exists():
            return None
        book = await Book.open(conn, merchant_id, [survivor_profile_id, absorbed_profile_id], now)
        absorbed, survivor = book.member(absorbed_profile_id), book.member(survivor_profile_id)
        active = (
            await Transfer.filter(
                from_profile_id=absorbed_profile_id, to_profile_id=survivor_profile_id, reversed_at=None
            )
            .using_db(conn)
            .first()
        )
        if active is not None and absorbed.merged_into_id == survivor_profile_id:
            return active
        order_ids = (
            await OrderAccount.filter(profile_id=absorbed_profile_id).using_db(conn).values_list("order_id", flat=True)
        )
        transfer = await Transfer.create(
            merchant_id=merchant_id,
            from_profile_id=absorbed_profile_id,
            to_profile_id=survivor_profile_id,
            available=absorbed.available,
            pending=absorbed.pending,
            lifetime=absorbed.lifetime,
            order_ids=list(order_ids),
            using_db=conn,
        )
        _move(book, transfer, absorbed_profile_id, survivor_profile_id, now, sign=1, cause=cause)
        await OrderAccount.filter(profile_id=absorbed_profile_id).using_db(conn).update(profile_id=survivor_profile_id)
        absorbed.merged_into_id = survivor_profile_id
        if absorbed.first_order_at and (
            survivor.first_order_at is None or absorbed.first_order_at < survivor.first_order_at
        ):
            survivor.first_order_at = absorbed.first_order_at
        book.touch(absorbed_profile_id)
        await book.flush()
        rules = (await load_program(merchant_id)).rules_now(now)
        if rules is not None:
            await upgrade(book, rules, [survivor_profile_id], now)
            await book.flush()
    return transfer


async def split_members(transfer_id: int, *, now: datetime | None = None) -> Transfer:
    """Undo a merge: the transferred balances and orders go back to the absorbed member.

    What was pending then and has been released since goes back as available. Points the
    survivor spent meanwhile are not conjured back: the survivor's balance may go below zero,
    recorded as debt like a clawback.
    """
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        transfer = await Transfer.filter(id=transfer_id).select_for_update().using_db(conn).get()
        if transfer.reversed_at is not None:
            return transfer
        book = await Book.open(conn, transfer.merchant_id, [transfer.from_profile_id, transfer.to_profile_id], now)
        pending = sum(
            await OrderAccount.filter(order_id__in=transfer.order_ids).using_db(conn).values_list("pending", flat=True)
        )
        back = Transfer(
            id=transfer.id,
            available=transfer.available + transfer.pending - pending,
            pending=pending,
            lifetime=transfer.lifetime,
        )
        _move(book, back, transfer.to_profile_id, transfer.from_profile_id, now, sign=-1)
        await (
            OrderAccount.filter(order_id__in=transfer.order_ids)
            .using_db(conn)
            .update(profile_id=transfer.from_profile_id)
        )
        book.member(transfer.from_profile_id).merged_into_id = None
        book.touch(transfer.from_profile_id)
        transfer.reversed_at = now
        await transfer.save(using_db=conn)
        await book.flush()
    return transfer


def _move(
    book: Book, transfer: Transfer, source: int, target: int, now: datetime, *, sign: int, cause: str = "merge"
) -> None:
    suffix = "" if sign > 0 else ":reversal"
    amounts = {"available": transfer.available, "pending": transfer.pending, "lifetime": transfer.lifetime}
    book.post(
        Posting(
            source,
            EntryKind.TRANSFER_OUT,
            f"transfer:{transfer.id}:out{suffix}",
            now,
            **{k: -v for k, v in amounts.items()},
            cause=cause if sign > 0 else "split",
            data={"transfer_id": transfer.id, "to": target},
        )
    )
    book.post(
        Posting(
            target,
            EntryKind.TRANSFER_IN,
            f"transfer:{transfer.id}:in{suffix}",
            now,
            **amounts,
            cause=cause if sign > 0 else "split",
            data={"transfer_id": transfer.id, "from": source},
        )
    )
