"""Loyalty jobs: the periodic release, expiry, tier, tier perk and event runs.

Synced orders earn points in ``orders_changed`` (``app.jobs.reactions``), after identity; the
members whose tier perks no longer match their tier then get ``loyalty_perks_sync``. The
periodic jobs take an optional merchant id and default to every merchant that has a program.
All of them are idempotent, so a retry or a double schedule is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.jobs.registry import JobContext, job
from store.job_owners import Owner


async def _merchants(merchant_id: int | None) -> list[int]:
    from loyalty.models import ProgramVersion

    if merchant_id is not None:
        return [merchant_id]
    return sorted(set(await ProgramVersion.all().values_list("merchant_id", flat=True)))


@job(max_tries=5, timeout=600, owner=Owner.MERCHANT)
async def loyalty_release_due(ctx: JobContext, merchant_id: int | None = None) -> int:
    from loyalty.release import release_due

    return await release_due(datetime.now(UTC), merchant_id=merchant_id)


@job(max_tries=5, timeout=1800, owner=Owner.MERCHANT)
async def loyalty_expire_due(ctx: JobContext, merchant_id: int | None = None) -> dict[str, int]:
    from loyalty.expiry import expire_due

    totals = {"expired_points": 0, "reminders": 0, "codes": 0}
    for merchant in await _merchants(merchant_id):
        for key, value in (await expire_due(merchant, datetime.now(UTC))).items():
            totals[key] += value
    return totals


@job(max_tries=5, timeout=1800, owner=Owner.MERCHANT)
async def loyalty_reevaluate_tiers(ctx: JobContext, merchant_id: int | None = None) -> dict[str, int]:
    from loyalty.tiers import reevaluate_tiers

    totals = {"upgraded": 0, "grace_started": 0, "downgraded": 0}
    for merchant in await _merchants(merchant_id):
        counts = await reevaluate_tiers(merchant, datetime.now(UTC))
        for key, value in counts.items():
            totals[key] += value
        if (counts["upgraded"] or counts["downgraded"]) and (queue := ctx.get("queue")) is not None:
            await loyalty_perks_sync.enqueue(queue, merchant, None, key=perks_key(merchant))
    return totals


def perks_key(merchant_id: int, profile_ids: list[int] | None = None) -> str:
    """A merchant's full reconcile is queued once at a time; a few members' sync is keyed on them."""
    if profile_ids is None:
        return f"loyalty_perks_sync:{merchant_id}"
    return f"loyalty_perks_sync:{merchant_id}:{','.join(map(str, profile_ids))}"[:200]


@job(max_tries=5, timeout=1800, owner=Owner.MERCHANT)
async def loyalty_perks_sync(
    ctx: JobContext, merchant_id: int, profile_ids: list[int] | None = None
) -> dict[str, int | list[int]]:
    """Create and delete the tier perks' codes on the platforms (all members, or these)."""
    from app.discounts import ConnectorIssuers
    from loyalty.perks import sync_perks

    report = await sync_perks(merchant_id, ConnectorIssuers(ctx["settings"]), datetime.now(UTC), profile_ids)
    return report.as_dict()


@job(max_tries=1, timeout=60)
async def loyalty_perks_sync_all(ctx: JobContext) -> int:
    """The daily reconcile: one full perk sync per merchant with a program (it retries failures)."""
    merchants = await _merchants(None)
    for merchant in merchants:
        await loyalty_perks_sync.enqueue(ctx["queue"], merchant, None, key=perks_key(merchant))
    return len(merchants)


@job(max_tries=3, timeout=300)
async def loyalty_deliver_events(ctx: JobContext) -> dict[str, int]:
    import httpx

    from connectors.core.egress import EgressPolicy, GuardedTransport
    from loyalty.events import deliver_events

    # Endpoints are URLs merchants type in: only public addresses (and what development allows).
    settings = ctx.get("settings")
    policy = EgressPolicy.of(getattr(settings, "allow_http_sites", False), getattr(settings, "allow_site_networks", ()))
    async with httpx.AsyncClient(
        transport=GuardedTransport(policy, plain=True), timeout=10.0, follow_redirects=False, trust_env=False
    ) as client:
        result = await deliver_events(client=client)
    return {"delivered": result.delivered, "retrying": result.retrying, "failed": result.failed}
