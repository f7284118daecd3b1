"""The mail job: send what is due, in batches, under the deployment's SMTP settings.

Queued every minute by the scheduler and right after a campaign run; sending is idempotent per
message (leases, answers recorded as they come), so a retry or a double schedule is harmless.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from app.jobs.registry import JobContext, job
from store.job_owners import Owner

BATCH = 500
BUDGET_SECONDS = 240.0
"""Stop taking new batches after this long, well inside the job's timeout; the next run goes on."""


@job(max_tries=3, timeout=300, owner=Owner.MERCHANT)
async def campaigns_send_due(ctx: JobContext, merchant_id: int | None = None) -> dict[str, Any]:
    from campaigns.sending import send_due
    from store.link_signing import link_key

    settings = ctx["settings"]
    key = link_key(settings.secret_key.get_secret_value())
    totals = {"sent": 0, "retrying": 0, "failed": 0, "bounced": 0, "skipped": 0, "waiting": 0}
    started = time.monotonic()
    while True:
        report = await send_due(
            smtp_url=settings.smtp_url,
            mail_from=settings.mail_from,
            base_url=settings.public_base_url,
            key=key,
            now=datetime.now(UTC),
            limit=BATCH,
            merchant_id=merchant_id,
        )
        for name in totals:
            totals[name] += getattr(report, name)
        if report.disabled or report.taken < BATCH or time.monotonic() - started > BUDGET_SECONDS:
            return {**totals, "disabled": report.disabled}
