"""The survey job on both runners: it schedules the surveys of newly fulfilled orders and sends
the due ones, whose email the mail job then delivers with links to the public address; run
again, it sends nothing twice. The scheduler queues it every five minutes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from app.jobs import open_queue
from app.jobs.feedback import feedback_surveys_due
from app.jobs.mail import campaigns_send_due
from app.jobs.schedule import PERIODIC
from app.settings import load_settings
from campaigns.settings import save_mail_config
from feedback.models import Survey, SurveyStatus
from tests.feedback.survey_world import MAIL_FROM, account, days, order, shop
from tests.support.servers import REDIS_URL, SECRET

pytestmark = pytest.mark.db


async def run(settings, *jobs) -> None:
    queue = await open_queue(settings)
    try:
        for job in jobs:
            assert await job.enqueue(queue, key=f"{job.name}-{uuid.uuid4().hex[:8]}")
            await asyncio.wait_for(queue.work(burst=True), timeout=30)
    finally:
        await queue.close()


async def test_the_survey_job_schedules_and_sends_and_the_mail_job_delivers_it(runner, database_url, db, smtp):
    store = await shop()
    await save_mail_config(store.merchant_id, {"quiet_start_hour": 0, "quiet_end_hour": 0})  # any hour of the run
    camille = await account(store, "camille@example.com")
    await order(store, camille, datetime.now(UTC) - days(3.5))
    settings = load_settings(
        database_url=database_url,
        secret_key=SECRET,
        job_backoff_seconds=0.05,
        redis_url=REDIS_URL if runner == "arq" else None,
        arq_queue=f"rapport-test:{uuid.uuid4().hex}",
        public_base_url="https://rapport.example",
        smtp_url=smtp.url,
        mail_from=MAIL_FROM,
    )
    await run(settings, feedback_surveys_due, campaigns_send_due, feedback_surveys_due, campaigns_send_due)
    (survey,) = await Survey.all()
    assert (survey.status, survey.channel) == (SurveyStatus.SENT, "email")
    (received,) = smtp.to("camille@example.com")
    assert "https://rapport.example/feedback/survey/" in received.part("plain")


def test_the_scheduler_queues_the_survey_job_every_five_minutes():
    assert any(job is feedback_surveys_due and period.total_seconds() == 300 for job, period in PERIODIC)
