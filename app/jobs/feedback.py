"""The survey job: schedule the surveys of newly fulfilled orders, then send the ones that are due.

Queued every five minutes by the scheduler. Both halves are idempotent (one survey per order and
kind, a conditional update per send, one message per survey), so a retry or a double schedule is
harmless. The emails it queues go out with the next mail job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from app.jobs.registry import JobContext, job

BATCH = 500


@job(max_tries=3, timeout=300)
async def feedback_surveys_due(ctx: JobContext, merchant_id: int | None = None) -> dict[str, Any]:
    from campaigns.survey_mail import send_due_surveys
    from feedback.surveys import schedule_surveys
    from store.link_signing import link_key
    from store.models import Merchant

    settings = ctx["settings"]
    now = datetime.now(UTC)
    merchants = (
        [merchant_id]
        if merchant_id is not None
        else cast("list[int]", await Merchant.all().order_by("id").values_list("id", flat=True))
    )
    scheduled = 0
    for mid in merchants:
        scheduled += (await schedule_surveys(mid, now)).scheduled
    keys = [link_key(s.get_secret_value()) for s in (settings.secret_key, *settings.secret_key_fallbacks)]
    totals: dict[str, int] = {"scheduled": scheduled}
    while True:
        report = await send_due_surveys(
            now=now, base_url=settings.public_base_url, keys=keys, merchant_id=merchant_id, limit=BATCH
        )
        for name, value in report.to_json().items():
            totals[name] = totals.get(name, 0) + value
        if report.emailed + report.widget_only + report.cancelled < BATCH:
            return totals
