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


def told(marker: str, word: str) -> bool:
    """Whether the test wrote ``word`` into the marker file (tiny, synchronous on purpose)."""
    return word in Path(marker).read_text()


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


@job(max_tries=3, timeout=60)
async def finish_before_stopping(ctx: JobContext, marker: str, follow_up: str) -> None:
    """Runs until the test says its worker was told to stop, then queues a follow-up job (queued
    after the stop began, it must wait for the next worker) and ends a moment later."""
    note(marker, f"start {ctx['job_try']}")
    for _ in range(600):
        if told(marker, "stop"):
            break
        await asyncio.sleep(0.05)
    await ctx["queue"].enqueue("note_once", follow_up)
    await asyncio.sleep(1)  # time enough for a worker that still takes jobs to take the follow-up
    note(marker, f"done {ctx['job_try']}")


@job(max_tries=1, timeout=5)
async def note_once(ctx: JobContext, marker: str) -> None:
    note(marker, "ran")
