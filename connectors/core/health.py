"""Store health: a failing store turns degraded, then unhealthy, and heals on its next success.

Health lives on the ``Store`` row, so ``rapport stores list`` and ``/metrics`` read it from
the database and every process agrees on it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import F

from store.models import Health, Store

UNHEALTHY_AFTER = 3
"""Consecutive failed syncs after which a store is unhealthy rather than degraded."""


async def record_success(store_id: int, *, synced: bool = True) -> None:
    """A sync or call went through: the failure streak ends."""
    values: dict = {"health": Health.HEALTHY, "consecutive_failures": 0, "last_error": None}
    if synced:
        values["last_synced_at"] = datetime.now(UTC)
    await Store.filter(id=store_id).update(**values)


async def record_failure(store_id: int, error: str) -> Health:
    """Count one more failure in a row and return the store's health after it."""
    await Store.filter(id=store_id).update(consecutive_failures=F("consecutive_failures") + 1, last_error=error[:2000])
    failures = (await Store.filter(id=store_id).values_list("consecutive_failures", flat=True))[0]
    health = Health.UNHEALTHY if failures >= UNHEALTHY_AFTER else Health.DEGRADED
    await Store.filter(id=store_id).update(health=health)
    return health
