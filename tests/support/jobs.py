"""Job functions the job tests run, in workers started as separate processes too."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.jobs import JobContext, job
from store.job_owners import Owner


def note(marker: str, line: str) -> None:
    """Append a line to the marker file the test reads (tiny, synchronous on purpose)."""
    with Path(marker).open("a") as fh:
        fh.write(line + "\n")


@job(max_tries=3, timeout=5)
async def survive_kill(ctx: JobContext, marker: str) -> None:
    """Logs each try; the first one hangs so the test can kill its worker mid-run."""
    note(marker, f"start {ctx['job_try']}")
    if ctx["job_try"] == 1:
        await asyncio.sleep(120)
    note(marker, f"done {ctx['job_try']}")


@job(max_tries=3, timeout=5)
async def flaky(ctx: JobContext, marker: str, succeed_on: int) -> None:
    """Fails until try ``succeed_on``."""
    note(marker, f"try {ctx['job_try']}")
    if ctx["job_try"] < succeed_on:
        raise RuntimeError(f"transient failure on try {ctx['job_try']}")


@job(max_tries=2, timeout=5)
async def always_fails(ctx: JobContext) -> None:
    raise ValueError("the payload is not an order")


@job(max_tries=1, timeout=5, owner=Owner.STORE)
async def store_job_fails(ctx: JobContext, store_id: int) -> None:
    """A job about one store that fails for good at once."""
    raise RuntimeError(f"store {store_id} is unreachable")
