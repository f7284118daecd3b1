"""Checkpoints: where a store's sync of one resource stands, saved after every written page.

A backfill killed mid-way resumes at the saved cursor: finished pages are not fetched again,
and the page in flight is fetched again and written idempotently.
"""

from __future__ import annotations

from datetime import UTC, datetime

from store.models import SyncCheckpoint

BACKFILL = "backfill"
INCREMENTAL = "incremental"


def _now() -> datetime:
    return datetime.now(UTC)


async def open_checkpoint(store_id: int, resource: str, mode: str) -> SyncCheckpoint:
    """The checkpoint to continue from (created on first use)."""
    checkpoint, created = await SyncCheckpoint.get_or_create(
        store_id=store_id, resource=resource, mode=mode, defaults={"started_at": _now()}
    )
    return checkpoint


async def save_page(
    checkpoint: SyncCheckpoint, *, cursor: str | None, records: int, high_water: datetime | None = None
) -> None:
    """Record one written page: the cursor of the next page and the newest ``updated_at`` seen."""
    checkpoint.cursor = cursor
    checkpoint.pages += 1
    checkpoint.records += records
    if high_water is not None and (checkpoint.high_water is None or high_water > checkpoint.high_water):
        checkpoint.high_water = high_water
    await checkpoint.save(update_fields=["cursor", "pages", "records", "high_water", "updated_at"])


async def finish(checkpoint: SyncCheckpoint) -> None:
    checkpoint.cursor = None
    checkpoint.finished_at = _now()
    await checkpoint.save(update_fields=["cursor", "finished_at", "updated_at"])


async def restart(checkpoint: SyncCheckpoint) -> None:
    """Begin a new run of a finished checkpoint (an incremental pass), keeping its high-water mark."""
    checkpoint.cursor = None
    checkpoint.finished_at = None
    checkpoint.started_at = _now()
    checkpoint.pages = 0
    checkpoint.records = 0
    await checkpoint.save(update_fields=["cursor", "finished_at", "started_at", "pages", "records", "updated_at"])
