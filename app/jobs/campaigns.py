"""Campaign jobs: a merchant's active campaigns run after each insights refresh (segments and
predictions just changed) and every hour (birthdays and expiring points move by the day, in each
store's time zone), then the mail job sends what the runs queued.

A run is idempotent per member and period, so a retry or a double schedule enters nobody twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from app.jobs.mail import campaigns_send_due
from app.jobs.registry import JobContext, job
from store.job_owners import Owner


def run_key(merchant_id: int) -> str:
    """One key per merchant for every way a run is queued (refresh, schedule, launch), so they never pile up."""
    return f"campaigns_run:{merchant_id}"


def send_key(merchant_id: int, now: datetime) -> str:
    """Each run queues its own sending (arq keeps a finished job's key for a minute, and sending is
    idempotent per message, so a shared key could only delay mail)."""
    return f"campaigns_send_due:{merchant_id}:{now.timestamp():.6f}"


@job(max_tries=3, timeout=1800, owner=Owner.MERCHANT)
async def campaigns_run(ctx: JobContext, merchant_id: int) -> list[dict[str, Any]]:
    """Run the merchant's active campaigns now, then queue the sending of what they queued."""
    from app.discounts import ConnectorIssuers
    from campaigns.runner import run_due

    now = datetime.now(UTC)
    reports = await run_due(merchant_id, issuer_for=ConnectorIssuers(ctx["settings"]).issuer_for, now=now)
    if any(r.messages_queued for r in reports):
        await campaigns_send_due.enqueue(ctx["queue"], merchant_id, key=send_key(merchant_id, now))
    return [r.to_json() for r in reports]


@job(max_tries=1, timeout=60)
async def campaigns_run_all(ctx: JobContext) -> int:
    """The hourly pass: one run per merchant with an active campaign."""
    from campaigns.models import Campaign, CampaignStatus

    merchants = cast(
        "list[int]",
        await Campaign.filter(status=CampaignStatus.ACTIVE).distinct().values_list("merchant_id", flat=True),
    )
    for merchant_id in sorted(set(merchants)):
        await campaigns_run.enqueue(ctx["queue"], merchant_id, key=run_key(merchant_id))
    return len(set(merchants))
