"""Insights jobs: the per-merchant refresh (on demand and scheduled) and incremental identity.

Identity resolution merges profiles for analytics only; loyalty balances follow ownership, so
after each incremental run the accounts it looked at are offered to ``link_verified`` (accounts
whose same email the platform verified share one balance) and nothing else moves points.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from app.jobs.campaigns import campaigns_run, run_key
from app.jobs.registry import JobContext, job
from app.metrics import insights_refresh as refresh_step_seconds
from insights.identity import resolve_customers
from insights.models import RefreshKind
from insights.refresh import refresh_merchant
from loyalty.ownership import link_verified
from measure.refresh import refresh_measurement
from store.job_owners import Owner
from store.models import Customer, Merchant, Order
from store.sql.writes import CHUNK

log = logging.getLogger(__name__)


async def _link(customer_ids: list[int]) -> list[list[int]]:
    """Resolve identity for these accounts, then link the balances of verified ones."""
    merges = await resolve_customers(customer_ids)
    await link_verified(customer_ids)
    return [list(m) for m in merges]


async def link_order_customers(order_ids: list[int]) -> list[list[int]]:
    """Incremental identity for the customers of changed orders, then verified ownership links."""
    customers = (
        await Order.filter(id__in=order_ids, customer_id__not_isnull=True)
        .distinct()
        .values_list("customer_id", flat=True)
    )
    return await _link(cast("list[int]", customers))


AUTO = "auto"
"""The refresh kind that lets the last runs decide between full and incremental."""


def refresh_key(merchant_id: int) -> str:
    """One key per merchant for on-demand and scheduled refreshes, so the two never pile up."""
    return f"insights_refresh:{merchant_id}"


@job(max_tries=3, timeout=1800, owner=Owner.MERCHANT)
async def insights_refresh(
    ctx: JobContext, merchant_id: int, as_of: str | None = None, kind: str = RefreshKind.FULL.value
) -> dict[str, Any]:
    """Refresh one merchant's insights; ``as_of`` is an ISO date-time (default: the start of today,
    UTC), ``kind`` "full", "incremental" or "auto" (``insights.changes.plan`` decides: the schedule)."""
    result = await refresh_merchant(
        merchant_id,
        as_of=datetime.fromisoformat(as_of) if as_of else None,
        kind=None if kind == AUTO else RefreshKind(kind),
    )
    if result.warning:
        log.warning("insights refresh of merchant %s (run %s): %s", merchant_id, result.run_id, result.warning)
    for step, seconds in result.step_seconds.items():
        refresh_step_seconds.labels(step).observe(seconds)
    verified = Customer.filter(merchant_id=merchant_id, verified_email=True)
    if result.kind is RefreshKind.FULL:
        # retention, cohorts, CLV groups, value tiers: what the dashboard reads, from the orders just read;
        # they are merchant-wide, so they follow the full runs
        await refresh_measurement(merchant_id, history=result.history)
        # accounts verified since their last order
        await link_verified(cast("list[int]", await verified.values_list("id", flat=True)))
    else:  # the accounts the run found changed, a chunk at a time (an IN list under the drivers' limits)
        for start in range(0, len(result.customers), CHUNK):
            chunk = result.customers[start : start + CHUNK]
            await link_verified(cast("list[int]", await verified.filter(id__in=chunk).values_list("id", flat=True)))
    if (queue := ctx.get("queue")) is not None:  # audiences just moved: run the campaigns on them
        await campaigns_run.enqueue(queue, merchant_id, key=run_key(merchant_id))
    return {
        "run_id": result.run_id,
        "kind": result.kind.value,
        "why": result.counts.get("why"),
        "seconds": result.step_seconds,
        "merges": [list(m) for m in result.merges],
        "warning": result.warning,
    }


@job(max_tries=1, timeout=60)
async def insights_refresh_all(ctx: JobContext) -> int:
    """The scheduled pass: one refresh job per merchant, deduplicated per merchant while queued;
    each is incremental unless a full run is due (``insights.changes.plan``)."""
    queue = ctx["queue"]
    merchants = cast("list[int]", await Merchant.all().values_list("id", flat=True))
    for merchant_id in merchants:
        await insights_refresh.enqueue(queue, merchant_id, None, AUTO, key=refresh_key(merchant_id))
    return len(merchants)
