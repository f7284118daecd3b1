"""Counted limits in tests start clear of a window's edge.

The limiter's sliding window counter weighs the previous window's count by the share of it still
inside the window and rounds down, so calls that straddle an epoch-aligned window edge may be
allowed one more than the limit: right for a service, a coin toss for a test that asserts the
exact call refused. A test with per-minute limits therefore starts with at least ``margin``
seconds left in the current minute (waiting, at most ``margin`` seconds, for the next one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

MINUTE = 60.0


def counts_per_minute(overrides: Mapping[str, Any]) -> bool:
    return any(k.startswith("rate_limit_") and "minute" in str(v) for k, v in overrides.items())


async def clear_of_minute_edge(margin: float = 15.0) -> None:
    left = MINUTE - time.time() % MINUTE
    if left < margin:
        await asyncio.sleep(left + 0.05)
