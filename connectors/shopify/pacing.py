"""Staying inside Shopify's cost bucket instead of bouncing off it.

Every answer reports ``throttleStatus`` (bucket size, points left, restore rate). Before a
query whose cost is known from an earlier run of it, the client waits until the bucket has
refilled enough to pay for it, so Shopify never has to answer ``THROTTLED``. One bucket per
shop and process: Shopify keeps one per app and store, shared by every job touching it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Sleep = Callable[[float], Awaitable[None]]

MAX_QUERY_COST = 1000
"""What a query may cost at most: the assumption for a query not run before."""

SAFETY = 0.05
"""Wait this many seconds of refill beyond the bare need: our clock and Shopify's differ a little."""


@dataclass
class CostBucket:
    """The last known state of one shop's leaky bucket, refilled in our head between answers."""

    maximum: float | None = None
    restore_rate: float | None = None
    available: float | None = None
    seen_at: float = 0.0
    waits: int = 0
    waited: float = 0.0
    costs: dict[str, int] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic

    def level(self) -> float | None:
        if self.available is None or self.restore_rate is None or self.maximum is None:
            return None
        refill = (self.clock() - self.seen_at) * self.restore_rate
        return min(self.maximum, self.available + refill)

    def delay_for(self, cost: float) -> float:
        """Seconds to wait before spending ``cost`` points (0 when unknown or affordable)."""
        level = self.level()
        if level is None or not self.restore_rate:
            return 0.0
        need = cost + self.restore_rate * SAFETY - level
        return max(0.0, need / self.restore_rate)

    async def reserve(self, name: str, sleep: Sleep = asyncio.sleep) -> None:
        """Wait until the query ``name`` is affordable, then book it.

        Its cost is what it asked for last time; a query not run before is assumed to cost the
        most a query may (capped at the bucket), so even a first run is never refused.
        """
        cost = self.costs.get(name, min(MAX_QUERY_COST, self.maximum or MAX_QUERY_COST))
        delay = self.delay_for(cost)
        if delay > 0:
            self.waits += 1
            self.waited += delay
            await sleep(delay)
        level = self.level()
        if level is not None:  # book it, so concurrent callers do not count the same points twice
            self.available, self.seen_at = level - cost, self.clock()

    def observe(self, name: str, cost: Mapping[str, Any] | None) -> None:
        """Read ``extensions.cost`` of an answer: the bucket's state and the query's requested cost."""
        if not cost:
            return
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float) and requested > 0:
            self.costs[name] = int(requested)
        status = cost.get("throttleStatus") or {}
        if {"maximumAvailable", "currentlyAvailable", "restoreRate"} <= status.keys():
            self.maximum = float(status["maximumAvailable"])
            self.restore_rate = float(status["restoreRate"])
            self.available = float(status["currentlyAvailable"])
            self.seen_at = self.clock()


_buckets: dict[str, CostBucket] = {}


def bucket_for(shop: str) -> CostBucket:
    """The shared bucket of one shop in this process."""
    return _buckets.setdefault(shop, CostBucket())
