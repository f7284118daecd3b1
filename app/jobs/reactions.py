"""What happens when orders change: identity first, so points land on the right person, then points."""

from __future__ import annotations

from app.jobs.registry import JobContext, job
from store.models import Order


@job(max_tries=5, timeout=600)
async def orders_changed(ctx: JobContext, store_id: int, order_ids: list[int]) -> dict[str, int]:
    """Link the orders' customers to profiles (merging members that turn out one person), then earn."""
    from insights.identity import resolve_customers
    from loyalty.merge import merge_members
    from loyalty.processing import process_orders

    customers = await Order.filter(id__in=order_ids, customer_id__not_isnull=True).distinct().values_list("customer_id", flat=True)
    merges = await resolve_customers(list(customers))
    for survivor, absorbed in merges:
        await merge_members(survivor, absorbed)
    done = await process_orders(order_ids)
    return {"merges": len(merges), "orders": done.orders, "entries": done.entries}
