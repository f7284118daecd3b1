"""Jobs every deployment has."""

from __future__ import annotations

from app.jobs.registry import JobContext, job


@job(max_tries=1, timeout=10)
async def heartbeat(ctx: JobContext) -> str:
    """A no-op a probe can enqueue to see the worker take jobs."""
    return "ok"
