"""What happens when orders change: identity first, so points land on the right person, then points,
then the tier perks of the members whose tier moved."""

from __future__ import annotations

from datetime import UTC, datetime

from app.jobs.insights import link_order_customers
from app.jobs.registry import JobContext, job
from store.job_owners import Owner


@job(max_tries=5, timeout=600, owner=Owner.STORE)
async def orders_changed(ctx: JobContext, store_id: int, order_ids: list[int]) -> dict[str, int]:
    """Link the orders' customers to profiles (analytics) and verified accounts' balances, then earn."""
    from loyalty.processing import process_orders

    merges = await link_order_customers(order_ids)
    done = await process_orders(order_ids)
    perks = await queue_perk_syncs(ctx, order_ids)
    return {"merges": len(merges), "orders": done.orders, "entries": done.entries, "perk_syncs": perks}


async def queue_perk_syncs(ctx: JobContext, order_ids: list[int]) -> int:
    """Queue a perk sync for the orders' members whose perks no longer match their tier (an
    upgrade, a clawback's downgrade, a merge); returns how many merchants got one."""
    from app.jobs.loyalty import loyalty_perks_sync, perks_key
    from loyalty.holders import holders
    from loyalty.models import Member, OrderAccount
    from loyalty.perks import out_of_step

    queue = ctx.get("queue")
    if queue is None or not order_ids:
        return 0
    rows = await OrderAccount.filter(order_id__in=order_ids).values_list("merchant_id", "profile_id")
    held = await holders(pid for _, pid in rows)
    by_merchant: dict[int, set[int]] = {}
    for merchant_id, profile_id in rows:
        by_merchant.setdefault(merchant_id, set()).add(held[profile_id])
    # a member these orders' identity step merged into another keeps no perk of its own
    survivors = sorted({key for keys in by_merchant.values() for key in keys})
    for merchant_id, absorbed in await Member.filter(merged_into_id__in=survivors).values_list(
        "merchant_id", "profile_id"
    ):
        by_merchant.setdefault(merchant_id, set()).add(absorbed)
    queued = 0
    for merchant_id, profile_ids in sorted(by_merchant.items()):
        due = await out_of_step(merchant_id, profile_ids, datetime.now(UTC))
        if due:
            await loyalty_perks_sync.enqueue(queue, merchant_id, due, key=perks_key(merchant_id, due))
            queued += 1
    return queued
