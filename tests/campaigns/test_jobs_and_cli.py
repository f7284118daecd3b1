"""The campaign jobs on both runners (a run queues the mail job, which sends over SMTP), their
schedule, and ``rapport campaigns list|preview|run``."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.jobs import open_queue
from app.jobs.campaigns import campaigns_run, campaigns_run_all, run_key
from app.jobs.insights import insights_refresh
from app.jobs.mail import campaigns_send_due
from app.jobs.registry import load, registry
from app.jobs.schedule import PERIODIC
from app.settings import load_settings
from campaigns import manage
from campaigns.models import CampaignEntry, CampaignKind, Message, MessageStatus
from campaigns.settings import save_mail_config
from store.models import Merchant, Platform, Store
from tests.campaigns.helpers import silent_vips
from tests.loyalty.helpers import Shop
from tests.support.servers import SECRET, run_cli

pytestmark = pytest.mark.db
load()

AUDIENCE = {"all": [{"field": "marketing_consent", "op": "eq", "value": True}]}


async def vip_campaign(n: int) -> tuple[Shop, int]:
    """A merchant with ``n`` VIPs and an active campaign that emails everyone who accepts marketing
    (no code, no quiet hours)."""
    # job keys name the merchant and arq keeps a finished job's key in Redis for a minute: an id
    # of its own keeps this merchant's jobs apart from an earlier test's merchant 1
    merchant = await Merchant.create(id=10**6 + secrets.randbelow(10**9), name="Jobs")
    tag = secrets.token_hex(4)
    store = await Store.create(
        merchant=merchant, platform=Platform.SHOPIFY, domain=f"{tag}.myshopify.com", public_key=tag
    )
    shop = Shop(merchant, store, store)
    await silent_vips(shop, n, datetime.now(UTC))
    await save_mail_config(shop.merchant.id, {"quiet_start_hour": 0, "quiet_end_hour": 0})
    campaign = await manage.create(
        shop.merchant.id, CampaignKind.CUSTOM, name="VIP note", audience=AUDIENCE, actions={}, holdout_percent=0
    )
    await manage.launch(shop.merchant.id, campaign.id)
    return shop, campaign.id


async def test_a_run_job_enters_members_and_the_mail_job_it_queues_sends_their_email(runner, database_url, db, smtp):
    from tests.support.servers import REDIS_URL

    settings = load_settings(
        database_url=database_url,
        secret_key=SECRET,
        job_backoff_seconds=0.05,
        redis_url=REDIS_URL if runner == "arq" else None,
        arq_queue=f"rapport-test:{uuid.uuid4().hex}",
        smtp_url=smtp.url,
        mail_from="shop@example.org",
    )
    queue = await open_queue(settings)
    try:
        shop, campaign_id = await vip_campaign(3)
        merchant_id = shop.merchant.id
        assert await campaigns_run.enqueue(queue, merchant_id, key=f"{run_key(merchant_id)}-{uuid.uuid4().hex[:6]}")
        await asyncio.wait_for(queue.work(burst=True), timeout=60)
        assert await CampaignEntry.filter(campaign_id=campaign_id).count() == 3
        assert await Message.filter(campaign_id=campaign_id, status=MessageStatus.SENT).count() == 3
        assert len(smtp.received) == 3
        # an insights refresh queues its merchant's campaigns: the newcomer enters, nobody gets mail twice
        await shop.customer()
        await insights_refresh({"queue": queue}, merchant_id)
        await asyncio.wait_for(queue.work(burst=True), timeout=60)
        assert await CampaignEntry.filter(campaign_id=campaign_id).count() == 4
        assert len(smtp.received) == 4
        assert len({m["Message-ID"] for m in (r.message for r in smtp.received)}) == 4
    finally:
        await queue.close()


def test_the_jobs_are_registered_and_runs_are_scheduled_hourly_with_sending_every_minute():
    assert registry["campaigns_run"].max_tries == 3
    schedule = dict(PERIODIC)
    assert schedule[campaigns_run_all] == timedelta(hours=1)
    assert schedule[campaigns_send_due] == timedelta(minutes=1)


def campaigns(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("app.cli_campaigns:campaigns_cli", database_url, *args)


async def test_the_commands_list_preview_and_run_campaigns(db, database_url):
    shop, campaign_id = await vip_campaign(4)
    merchant_id = shop.merchant.id
    listed = campaigns(database_url, "list")
    assert listed.returncode == 0, listed.stderr
    assert (
        f"{campaign_id}  merchant {merchant_id}  VIP note  (custom)  active  0 entered  last run never" in listed.stdout
    )
    preview = campaigns(database_url, "preview", str(campaign_id))
    assert preview.returncode == 0, preview.stderr
    assert "audience: 4 new this period (0 already entered)" in preview.stdout
    assert "split: 4 treated, 0 held out (0 %)" in preview.stdout
    assert preview.stdout.count("  member ") == 4
    ran = campaigns(database_url, "run", str(campaign_id))
    assert ran.returncode == 0, ran.stderr
    assert "audience 4, entered 4 treated and 0 held out" in ran.stdout
    assert "emails 4 queued" in ran.stdout
    assert await CampaignEntry.filter(campaign_id=campaign_id).count() == 4
    again = campaigns(database_url, "run")
    assert "entered 0 treated and 0 held out (4 already in this period)" in again.stdout
    assert "1 entered" not in campaigns(database_url, "list").stdout
    missing = campaigns(database_url, "preview", "999999")
    assert missing.returncode == 1 and missing.stderr.strip() == "rapport: no campaign 999999"
    await manage.pause(merchant_id, campaign_id)
    paused = campaigns(database_url, "run", str(campaign_id))
    assert paused.returncode == 1 and "only an active campaign runs" in paused.stderr
