"""The job queue interface and how the application picks a runner."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from app.jobs.registry import JobRef
from app.settings import Settings


class QueueUnavailable(RuntimeError):
    """The queue's backend could not be reached, so nothing was queued."""


class JobQueue(Protocol):
    """At-least-once delivery, retries with backoff, a final failure kept with its error."""

    backend: str

    async def enqueue(self, target: JobRef, *args: Any, key: str | None = None, delay: float = 0) -> bool:
        """Queue ``target(*args)`` (a job handle, or a registered name); ``False`` when a job with
        ``key`` is already queued.

        Raises :class:`QueueUnavailable` when the backend cannot be reached."""
        ...

    async def work(self, *, burst: bool = False) -> None:
        """Run jobs until stopped (or, with ``burst``, until none is due)."""
        ...

    async def replay(self, job_id: int) -> None:
        """Run a failed job again from its first try."""
        ...

    def stop(self) -> None:
        """Take no new job; ``work`` returns once the running ones have finished."""
        ...

    async def ping(self) -> None:
        """Raise when the queue's backend cannot be reached."""
        ...

    async def close(self) -> None: ...


def new_key() -> str:
    return uuid.uuid4().hex


async def open_queue(settings: Settings) -> JobQueue:
    """The arq queue when ``REDIS_URL`` is set, otherwise the embedded runner.

    The job registry is loaded first: both runners refuse a job name they do not know, and a
    command that only queues (``rapport webhooks replay``) imports no job module of its own.
    """
    from app.jobs.registry import load

    load(settings.job_modules)
    if settings.redis_url:
        from app.jobs.redis_queue import ArqQueue

        return await ArqQueue.connect(settings)
    from app.jobs.local_queue import LocalQueue

    return LocalQueue(settings)
