"""The Redis runner: arq, with the retry and failure rules of the embedded runner.

arq re-runs a job whose worker died once its in-progress key expires, and sets that key for the
longest job timeout of the worker (an hour for a backfill slice would strand a killed job that
long). Here the key is a lease like the embedded runner's: ``JOB_LEASE_SECONDS`` long and
renewed while the job runs. Ordinary exceptions are turned into ``Retry`` with backoff, and
the last failure is written to the ``jobs`` table like the embedded runner's.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from arq import Retry, Worker, create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix, result_key_prefix
from arq.worker import func
from redis.exceptions import RedisError

from app.jobs.failures import describe, record_failure
from app.jobs.queue import QueueUnavailable, new_key
from app.jobs.registry import JobRef, Registered, WorkerLost, name_of, registry, retry_delay
from app.settings import Settings
from store.models import Job, JobStatus


class ArqQueue:
    backend = "arq"

    def __init__(self, settings: Settings, pool: ArqRedis) -> None:
        self.settings = settings
        self.pool = pool
        self._worker: Worker | None = None
        self._stopping = asyncio.Event()

    @classmethod
    async def connect(cls, settings: Settings) -> ArqQueue:
        redis = RedisSettings.from_dsn(settings.redis_url or "")
        redis.conn_retries = 1
        redis.conn_timeout = 2
        pool = await create_pool(redis, default_queue_name=settings.arq_queue)
        return cls(settings, pool)

    async def enqueue(self, target: JobRef, *args: Any, key: str | None = None, delay: float = 0) -> bool:
        function = name_of(target)
        if function not in registry:
            raise KeyError(f"no job named {function!r}")
        key = key or new_key()
        try:
            job = await self.pool.enqueue_job(function, *args, _job_id=key, _defer_by=delay or None)
        except (RedisError, OSError) as exc:
            raise QueueUnavailable(f"Redis: {exc}") from exc
        if job is None and await Job.filter(key=key, status=JobStatus.FAILED).exists():
            # A job that failed for good keeps its key in arq's results for a while; it must
            # not block the next run of the same key (as in the embedded runner).
            await self.pool.delete(result_key_prefix + key)
            job = await self.pool.enqueue_job(function, *args, _job_id=key, _defer_by=delay or None)
            if job is not None:
                await Job.filter(key=key, status=JobStatus.FAILED).delete()
        return job is not None

    def _wrap(self, spec: Registered) -> Any:
        async def run(ctx: dict[str, Any], *args: Any) -> Any:
            tries = ctx["job_try"]
            job_ctx = {"job_id": ctx["job_id"], "job_try": tries, "queue": self, "settings": self.settings}
            renew = asyncio.create_task(self._renew(ctx["redis"], ctx["job_id"]))
            try:
                if tries > spec.max_tries:
                    raise WorkerLost(spec.max_tries)
                return await spec.function(job_ctx, *args)
            except Exception as exc:
                if tries < spec.max_tries:
                    delay = retry_delay(tries, self.settings.job_backoff_seconds)
                    raise Retry(defer=delay) from exc
                await record_failure(
                    key=ctx["job_id"],
                    function=spec.name,
                    args=list(args),
                    tries=tries,
                    max_tries=spec.max_tries,
                    error=describe(exc),
                    backend=self.backend,
                )
                return None
            finally:
                renew.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renew

        return func(run, name=spec.name, max_tries=spec.max_tries + 1, timeout=spec.timeout)

    async def _renew(self, redis: ArqRedis, job_id: str) -> None:
        """Keep the running job's in-progress key alive, one lease at a time."""
        lease_ms = int(self.settings.job_lease_seconds * 1000)
        while True:
            await asyncio.sleep(self.settings.job_lease_seconds / 3)
            await redis.psetex(in_progress_key_prefix + job_id, lease_ms, b"1")

    async def work(self, *, burst: bool = False) -> None:
        self._worker = Worker(
            functions=[self._wrap(spec) for spec in registry.values()],
            redis_pool=self.pool,
            queue_name=self.settings.arq_queue,
            burst=burst,
            poll_delay=0.1,
            handle_signals=False,
            keep_result=60,
            max_jobs=10,
        )
        self._worker.in_progress_timeout_s = self.settings.job_lease_seconds
        self._stopping = asyncio.Event()
        main = asyncio.create_task(self._worker.main())
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({main, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not main.done():  # stopped: take nothing new, let the running jobs finish
                self._worker.allow_pick_jobs = False
                if running := list(self._worker.tasks.values()):
                    await asyncio.gather(*running, return_exceptions=True)
                main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await main
        finally:
            stopping.cancel()
            await self._worker.close()

    def stop(self) -> None:
        """Take no new job; ``work`` returns once the running ones finish (SIGTERM, ``docker stop``)."""
        self._stopping.set()

    async def replay(self, job_id: int) -> None:
        job = await Job.get(id=job_id, status=JobStatus.FAILED)
        await self.pool.delete(f"arq:result:{job.key}", f"arq:retry:{job.key}", f"arq:job:{job.key}")
        await Job.filter(id=job_id).delete()
        await self.enqueue(job.function, *job.args, key=job.key)

    async def ping(self) -> None:
        await self.pool.ping()

    async def close(self) -> None:
        await self.pool.aclose()
