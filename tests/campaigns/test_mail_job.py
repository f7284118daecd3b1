"""The send job runs on both runners with the deployment's SMTP settings, and the scheduler
queues it every minute."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.jobs import open_queue
from app.jobs.mail import campaigns_send_due
from app.jobs.schedule import PERIODIC
from app.settings import load_settings
from campaigns.models import Message, MessageStatus
from campaigns.outbox import queue_messages
from tests.campaigns.mailing import MAIL_FROM, NOW, merchant, request, shopper
from tests.support.servers import REDIS_URL, SECRET

pytestmark = pytest.mark.db


def settings_for(runner: str, database_url: str, **extra):
    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        job_backoff_seconds=0.05,
        redis_url=REDIS_URL if runner == "arq" else None,
        arq_queue=f"rapport-test:{uuid.uuid4().hex}",
        public_base_url="https://rapport.example",
        **extra,
    )


async def run_job(settings, merchant_id: int) -> None:
    queue = await open_queue(settings)
    try:
        assert await campaigns_send_due.enqueue(queue, merchant_id, key=f"send-{uuid.uuid4().hex[:8]}")
        await asyncio.wait_for(queue.work(burst=True), timeout=30)
    finally:
        await queue.close()


async def test_the_send_job_delivers_due_mail_with_links_to_the_public_address(runner, database_url, db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    await run_job(settings_for(runner, database_url, smtp_url=smtp.url, mail_from=MAIL_FROM), store.merchant_id)
    (received,) = smtp.to("a@example.com")
    assert str(received.message["List-Unsubscribe"]).startswith("<https://rapport.example/email/unsubscribe?t=")
    assert (await Message.get(key="a")).status == MessageStatus.SENT


async def test_without_smtp_settings_the_job_leaves_mail_queued(runner, database_url, db):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await queue_messages([request(store, p, "a")], NOW)
    await run_job(settings_for(runner, database_url), store.merchant_id)
    assert (await Message.get(key="a")).status == MessageStatus.QUEUED


def test_the_scheduler_queues_the_send_job_every_minute():
    assert any(job is campaigns_send_due and period.total_seconds() == 60 for job, period in PERIODIC)
