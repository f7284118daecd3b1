"""An incremental insights refresh after new orders, on a merchant a full run just refreshed.

New orders arrive the way the connectors write them (``store.ingest.upsert_orders``, a page at
a time): most from existing customers picked evenly over the customer ids, one in ten from a
new customer, dated the day before the run. Then the next day's run (``kind`` incremental)
recomputes the people they touched and those whose silence crossed a tier threshold. The
peak memory is the run's own: the kernel's high-water mark is reset first (``clear_refs``).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.support import peak_rss_mib

PAGE = 250
"""Orders per upsert, as a connector's page."""
NEW_CUSTOMER_EVERY = 10


def reset_peak_rss() -> bool:
    """Start the kernel's high-water mark afresh (Linux ``clear_refs`` 5); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def add_orders(merchant_id: int, count: int, when: datetime) -> int:
    """``count`` new orders at the merchant's Shopify store; returns the customers they came from."""
    from store.ingest import upsert_orders
    from store.models import Customer, Store
    from store.records import CustomerRecord, OrderRecord

    store = await Store.get(merchant_id=merchant_id, platform="shopify")
    existing = (
        await Customer.filter(store_id=store.id, is_guest=False, deleted_at=None)
        .order_by("id")
        .values("platform_id", "platform_updated_at", "email")
    )
    step = max(1, len(existing) // count)
    records = []
    for i in range(count):
        if i % NEW_CUSTOMER_EVERY == 0:
            customer = CustomerRecord(f"bench-new-{i}", when, email=f"bench-new-{i}@example.com", first_name="New")
        else:
            known = existing[(i * step) % len(existing)]
            # an older record time: the order links the customer without rewriting their record
            customer = CustomerRecord(known["platform_id"], known["platform_updated_at"] - timedelta(days=1))
        total = Decimal(20 + i % 80).quantize(Decimal("0.01"))
        records.append(OrderRecord(f"bench-inc-{i}", "USD", total, when, when, customer=customer, subtotal=total))
    for start in range(0, len(records), PAGE):
        await upsert_orders(store, records[start : start + PAGE])
    return len({r.customer.platform_id for r in records if r.customer is not None})


async def incremental_after(merchant_id: int, as_of: datetime, orders: int = 1000) -> dict[str, Any]:
    """Add ``orders`` new orders dated the day before ``as_of`` + 1 day, then time that day's run."""
    from insights.models import RefreshKind
    from insights.refresh import refresh_merchant

    run_day = as_of + timedelta(days=1)
    started = time.perf_counter()
    customers = await add_orders(merchant_id, orders, run_day - timedelta(hours=6))
    intake = time.perf_counter() - started
    reset = reset_peak_rss()
    started = time.perf_counter()
    result = await refresh_merchant(merchant_id, as_of=run_day, kind=RefreshKind.INCREMENTAL)
    seconds = time.perf_counter() - started
    return {
        "new_orders": orders,
        "their_customers": customers,
        "orders_written_s": round(intake, 2),
        "kind": result.kind.value,
        "seconds": round(seconds, 2),
        "step_seconds": {k: round(v, 3) for k, v in result.step_seconds.items()},
        "counts": {k: v for k, v in result.counts.items() if isinstance(v, int | str)},
        "peak_rss_mib": peak_rss_mib() if reset else None,
    }
