"""The embedded runner: the queue is the ``jobs`` table, so a restart loses nothing.

A worker claims a due job with a conditional UPDATE (only one claimer can win it), holds a
lease it renews while the job runs, and a job whose lease lapses (its worker was killed)
is claimable again. Retries are re-queued with exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from app.jobs.failures import describe, record_failure
from app.jobs.queue import new_key
from app.jobs.registry import JobRef, WorkerLost, name_of, registry, retry_delay
from app.settings import Settings
from store.job_owners import Owner, merchant_sql, reference
from store.models import Job, JobStatus
from store.sql import Upsert


def _enqueue_for(owner: Owner) -> Upsert:
    """A second enqueue of a key that is queued, running or failed inserts nothing: one statement,
    where get_or_create took a SELECT, then BEGIN, INSERT, COMMIT. The job's merchant is looked
    up inside it, from the id its first argument names."""
    return Upsert(
        Job,
        columns=(
            "key",
            "function",
            "args",
            "status",
            "tries",
            "max_tries",
            "run_at",
            "backend",
            "created_at",
            "merchant_id",
        ),
        conflict=("key",),
        returning=("id",),
        computed={"merchant_id": lambda col: merchant_sql(owner, col("owner_ref"))},
        extra_inputs={"owner_ref": "bigint"},
    )


_ENQUEUE = {owner: _enqueue_for(owner) for owner in Owner}


def _now() -> datetime:
    return datetime.now(UTC)


class LocalQueue:
    backend = "local"

    def __init__(self, settings: Settings, *, concurrency: int = 4, poll: float = 0.2) -> None:
        self.settings = settings
        self.lease = timedelta(seconds=settings.job_lease_seconds)
        self.concurrency = concurrency
        self.poll = poll
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{new_key()[:6]}"
        self._stop = asyncio.Event()

    async def enqueue(self, target: JobRef, *args: Any, key: str | None = None, delay: float = 0) -> bool:
        function = name_of(target)
        if function not in registry:
            raise KeyError(f"no job named {function!r}")
        spec = registry[function]
        now = _now()
        key = key or new_key()
        run_at = now + timedelta(seconds=delay)
        inserted = await _ENQUEUE[spec.owner].run(
            Job._meta.db,
            [
                {
                    "key": key,
                    "function": function,
                    "args": list(args),
                    "status": JobStatus.QUEUED,
                    "tries": 0,
                    "max_tries": spec.max_tries,
                    "run_at": run_at,
                    "backend": self.backend,
                    "created_at": now,
                    "owner_ref": reference(spec.owner, args),
                }
            ],
        )
        if inserted:
            return True
        # A key held by a job that failed for good must not block the next run (a scheduled
        # refresh, say): that job starts over. Queued or running ones stay deduplicated.
        return bool(
            await Job.filter(key=key, status=JobStatus.FAILED).update(
                function=function,
                args=list(args),
                status=JobStatus.QUEUED,
                tries=0,
                max_tries=spec.max_tries,
                run_at=run_at,
                lease_until=None,
                finished_at=None,
                backend=self.backend,
            )
        )

    async def _claim(self) -> Job | None:
        now = _now()
        due = Q(status=JobStatus.QUEUED, run_at__lte=now) | Q(status=JobStatus.RUNNING, lease_until__lt=now)
        while (job := await Job.filter(due).order_by("run_at", "id").first()) is not None:
            won = await Job.filter(id=job.id, status=job.status, tries=job.tries).update(
                status=JobStatus.RUNNING,
                tries=job.tries + 1,
                lease_until=now + self.lease,
                worker=self.worker_id,
            )
            if won:
                job.tries += 1
                return job
        return None

    async def _renew(self, job: Job) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            await Job.filter(id=job.id, worker=self.worker_id).update(lease_until=_now() + self.lease)

    async def _run(self, job: Job) -> None:
        spec = registry.get(job.function)
        renew = asyncio.create_task(self._renew(job))
        try:
            if spec is None:
                raise KeyError(f"no job named {job.function!r} in this worker")
            if job.tries > job.max_tries:
                raise WorkerLost(job.max_tries)
            ctx = {"job_id": job.key, "job_try": job.tries, "queue": self, "settings": self.settings}
            await asyncio.wait_for(spec.function(ctx, *job.args), timeout=spec.timeout)
        except Exception as exc:  # a job's failure is data, kept for the owner
            await self._failed(job, exc)
        else:
            await Job.filter(id=job.id).delete()
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew

    async def _failed(self, job: Job, exc: Exception) -> None:
        error = describe(exc)
        if job.tries < job.max_tries:
            delay = retry_delay(job.tries, self.settings.job_backoff_seconds)
            await Job.filter(id=job.id).update(
                status=JobStatus.QUEUED,
                run_at=_now() + timedelta(seconds=delay),
                lease_until=None,
                last_error=error,
            )
        else:
            await record_failure(
                key=job.key,
                function=job.function,
                args=job.args,
                tries=job.tries,
                max_tries=job.max_tries,
                error=error,
                backend=self.backend,
            )

    async def work(self, *, burst: bool = False) -> None:
        running: set[asyncio.Task[None]] = set()
        while not self._stop.is_set():
            job = await self._claim() if len(running) < self.concurrency else None
            if job is not None:
                task = asyncio.create_task(self._run(job))
                running.add(task)
                task.add_done_callback(running.discard)
                continue
            if burst and not running and not await self._due_soon():
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.poll)
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    async def _due_soon(self) -> bool:
        """In burst mode, keep going while any job is queued (retries included) or running."""
        return await Job.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()

    async def replay(self, job_id: int) -> None:
        await Job.filter(id=job_id, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED, tries=0, run_at=_now(), finished_at=None, backend=self.backend
        )

    async def ping(self) -> None:
        await Job.filter(id=0).exists()

    def stop(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        self.stop()
