"""The job runners: same retry, failure and at-least-once rules embedded and on arq/Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app.jobs import open_queue
from app.jobs.registry import load
from app.migrate import apply
from app.settings import load_settings
from store.models import Job, JobStatus, Merchant, Platform, Store
from tests.support.jobs import note
from tests.support.servers import ROOT, SECRET, subprocess_env

pytestmark = pytest.mark.db
load(["tests.support.jobs"])


def settings_for(runner: str, database_url: str, **extra):
    from tests.support.servers import REDIS_URL

    return load_settings(
        database_url=database_url,
        secret_key=SECRET,
        job_backoff_seconds=0.05,
        redis_url=REDIS_URL if runner == "arq" else None,
        arq_queue=f"rapport-test:{uuid.uuid4().hex}",
        **extra,
    )


def unique(key: str) -> str:
    """Job keys are global in Redis: unique ones keep concurrent test runs apart."""
    return f"{key}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def queue(runner, database_url, db):
    settings = settings_for(runner, database_url)
    q = await open_queue(settings)
    yield q
    await q.close()


async def test_a_failing_job_is_retried_with_backoff_until_it_succeeds(queue, tmp_path):
    marker = tmp_path / "flaky.log"
    assert await queue.enqueue("flaky", str(marker), 3, key=unique("flaky"))
    await asyncio.wait_for(queue.work(burst=True), timeout=30)
    assert marker.read_text().split("\n")[:3] == ["try 1", "try 2", "try 3"]
    assert not await Job.filter(status=JobStatus.FAILED).exists()


async def test_a_job_that_keeps_failing_is_kept_with_its_error_and_can_be_replayed(queue, tmp_path):
    key = unique("bad")
    await queue.enqueue("always_fails", key=key)
    await asyncio.wait_for(queue.work(burst=True), timeout=30)
    failed = await Job.get(key=key)
    assert failed.status == JobStatus.FAILED and failed.tries == 2
    assert "ValueError: the payload is not an order" in failed.last_error
    assert failed.backend == queue.backend
    await queue.replay(failed.id)
    await asyncio.wait_for(queue.work(burst=True), timeout=30)
    again = await Job.get(key=key)
    assert again.status == JobStatus.FAILED and again.tries == 2


async def test_enqueueing_the_same_key_twice_runs_the_job_once(queue, tmp_path):
    marker = tmp_path / "once.log"
    key = unique("same")
    assert await queue.enqueue("flaky", str(marker), 1, key=key)
    assert not await queue.enqueue("flaky", str(marker), 1, key=key)
    await asyncio.wait_for(queue.work(burst=True), timeout=30)
    assert marker.read_text() == "try 1\n"


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for(path: Path, text: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.1)
    found = path.read_text() if path.exists() else "(nothing)"
    raise AssertionError(f"{text!r} not seen after {timeout}s: {found}\nworker: {log.read_text()}")


async def _queued_for_a_worker(runner: str, database_url: str, job: str, *args: str, **env: str) -> dict[str, str]:
    """A migrated database with ``job(*args)`` queued on ``runner``, and the environment of a
    ``rapport worker`` process that runs the test jobs."""
    from app.preflight import open_services

    settings = settings_for(runner, database_url)
    await apply(database_url)
    async with open_services(settings):
        queue = await open_queue(settings)
        await queue.enqueue(job, *args, key=unique(job))
        await queue.close()
    return subprocess_env(
        database_url,
        JOB_MODULES='["tests.support.jobs"]',
        SCHEDULER="false",
        ARQ_QUEUE=settings.arq_queue,
        **({"REDIS_URL": settings.redis_url} if settings.redis_url else {}),
        **env,
    )


@pytest.mark.slow
async def test_a_job_killed_mid_run_runs_again_after_restart(runner, database_url, tmp_path):
    marker = tmp_path / "kill.log"
    env = await _queued_for_a_worker(runner, database_url, "survive_kill", str(marker), JOB_LEASE_SECONDS="2")
    log = tmp_path / "worker.log"
    first = _start_worker(env, log)
    try:
        await asyncio.to_thread(_wait_for, marker, "start 1", 30, log)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    second = _start_worker(env, log)
    try:
        await asyncio.to_thread(_wait_for, marker, "done 2", 60, log)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=15)
    assert marker.read_text().splitlines() == ["start 1", "start 2", "done 2"]


@pytest.mark.slow
async def test_a_stopped_worker_takes_nothing_new_and_finishes_its_running_job_first(runner, database_url, tmp_path):
    """SIGTERM (``docker stop``, a deploy) lets the running job end instead of leaving it to a lease."""
    marker, follow_up = tmp_path / "running.log", tmp_path / "follow_up.log"
    env = await _queued_for_a_worker(runner, database_url, "finish_before_stopping", str(marker), str(follow_up))
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        await asyncio.to_thread(_wait_for, marker, "start 1", 30, log)
        os.killpg(worker.pid, signal.SIGTERM)
        await asyncio.sleep(0.5)  # the signal is handled before the job hears of it
        note(str(marker), "stop")
        code = await asyncio.to_thread(worker.wait, 30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert code == 0, log.read_text()
    assert marker.read_text().splitlines() == ["start 1", "stop", "done 1"]
    assert not follow_up.exists()  # queued after the stop began: left for the next worker


async def test_a_key_whose_job_failed_for_good_can_be_queued_again(queue, tmp_path):
    key = unique("refresh")
    assert await queue.enqueue("always_fails", key=key)
    await queue.work(burst=True)
    assert await Job.filter(key=key, status=JobStatus.FAILED).exists()
    assert await queue.enqueue("always_fails", key=key)
    assert not await queue.enqueue("always_fails", key=key)
    assert not await Job.filter(key=key, status=JobStatus.FAILED).exists()


async def test_a_failed_job_belongs_to_the_merchant_whose_store_it_worked_on_and_a_deployment_job_to_nobody(queue):
    merchant = await Merchant.create(name="Owner of the store")
    store = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"{uuid.uuid4().hex[:8]}.myshopify.com",
        public_key=f"pk_{uuid.uuid4().hex[:8]}",
    )
    mine, deployment = unique("store-job"), unique("deployment-job")
    await queue.enqueue("store_job_fails", store.id, key=mine)
    await queue.enqueue("always_fails", key=deployment)
    await asyncio.wait_for(queue.work(burst=True), timeout=30)
    assert (await Job.get(key=mine)).merchant_id == merchant.id
    assert (await Job.get(key=deployment)).merchant_id is None
