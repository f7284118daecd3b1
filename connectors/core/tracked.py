"""Running a sync under health tracking: failures are counted on the store, success heals it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from connectors.core.health import record_failure, record_success
from connectors.core.http import PlatformError

T = TypeVar("T")


async def tracked(store_id: int, work: Awaitable[T]) -> T:
    """Await ``work``; a platform error marks the store degraded/unhealthy and is re-raised."""
    try:
        result = await work
    except PlatformError as exc:
        await record_failure(store_id, f"{type(exc).__name__}: {exc}")
        raise
    await record_success(store_id)
    return result
