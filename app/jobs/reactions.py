"""What happens when orders change: identity first, so points land on the right person, then points."""

from __future__ import annotations

from app.jobs.insights import link_order_customers
from app.jobs.registry import JobContext, job
from store.job_owners import Owner


@job(max_tries=5, timeout=600, owner=Owner.STORE)
async def orders_changed(ctx: JobContext, store_id: int, order_ids: list[int]) -> dict[str, int]:
    """Link the orders' customers to profiles (analytics) and verified accounts' balances, then earn."""
    from loyalty.processing import process_orders

    merges = await link_order_customers(order_ids)
    done = await process_orders(order_ids)
    return {"merges": len(merges), "orders": done.orders, "entries": done.entries}
