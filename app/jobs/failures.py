"""Both runners keep a job's final failure in the ``jobs`` table, so owners see one list."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime

from app.jobs.registry import registry
from store.job_owners import Owner, merchant_of
from store.models import Job, JobStatus


def describe(exc: BaseException) -> str:
    """The error as the operator needs it: type, message and where it was raised."""
    lines = traceback.format_exception(exc)
    return "".join(lines[-6:])[-4000:]


async def record_failure(
    *, key: str, function: str, args: list, tries: int, max_tries: int, error: str, backend: str
) -> None:
    now = datetime.now(UTC)
    values = dict(
        function=function,
        args=args,
        status=JobStatus.FAILED,
        tries=tries,
        max_tries=max_tries,
        run_at=now,
        lease_until=None,
        backend=backend,
        last_error=error,
        finished_at=now,
    )
    updated = await Job.filter(key=key).update(**values)
    if not updated:  # the arq runner: the row is written now, with the merchant it belongs to
        spec = registry.get(function)
        owner = spec.owner if spec else Owner.OPERATOR
        await Job.create(key=key, merchant_id=await merchant_of(owner, args), **values)
