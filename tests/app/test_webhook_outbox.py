"""No webhook delivery is lost between recording it and queueing its processing.

The inbox row is the outbox: a delivery recorded while the queue is unreachable is answered 200
and stays ``received``; a redelivery of it queues it again, the minutely sweep queues it, and
``rapport webhooks replay`` handles it too.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from app.jobs import open_queue
from app.jobs.outbox import sweep
from app.jobs.schedule import Scheduler
from app.settings import load_settings
from sandbox.shopify.webhooks import webhook_hmac
from store.models import DeliveryStatus, InstallState, Job, Merchant, Platform, Store, WebhookEvent
from tests.support.servers import REDIS_URL, ROOT, SECRET, free_port, rapport_serve, subprocess_env

pytestmark = pytest.mark.db

APP_SECRET = "outbox-app-secret"
SHOP = "northwind.myshopify.com"


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop and start (never the shared one)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def settings_for(database_url: str, redis_url: str | None, queue_name: str):
    return load_settings(database_url=database_url, secret_key=SECRET, redis_url=redis_url, arq_queue=queue_name)


async def shopify_store() -> Store:
    merchant = await Merchant.create(name="Northwind Records")
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=SHOP,
        public_key="pk_outbox",
        install_state=InstallState.INSTALLED,
        access_token="t",
    )


async def waiting_delivery(store: Store, delivery_id: str, *, age: timedelta) -> WebhookEvent:
    # arq's job keys are global in Redis: ids no other test run uses keep runs apart
    event = await WebhookEvent.create(
        id=random.randint(10**6, 2**31 - 1),
        platform=Platform.SHOPIFY.value,
        delivery_id=delivery_id,
        store=store,
        source=store.domain,
        topic="orders/create",
        body='{"id": 1}',
    )
    await WebhookEvent.filter(id=event.id).update(received_at=datetime.now(UTC) - age)
    return event


async def queued_in_redis(redis_url: str, queue_name: str) -> set[str]:
    client = Redis.from_url(redis_url)
    try:
        return {m.decode() for m in await client.zrange(queue_name, 0, -1)}
    finally:
        await client.aclose()


async def queued(runner: str, queue_name: str) -> set[str]:
    if runner == "arq":
        return await queued_in_redis(REDIS_URL, queue_name)
    return set(await Job.filter(function="process_webhook").values_list("key", flat=True))


async def post(base: str, delivery_id: str) -> httpx.Response:
    body = b'{"id": 450789469, "email": "a@example.com"}'
    headers = {
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, APP_SECRET),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": delivery_id,
        "X-Shopify-Shop-Domain": SHOP,
    }
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{base}/webhooks/shopify", content=body, headers=headers)


async def test_a_delivery_recorded_while_redis_is_down_is_not_lost_its_retry_and_the_sweep_queue_it(
    database_url, db, private_redis
):
    await shopify_store()
    queue_name = f"rapport-test:{uuid.uuid4().hex}"
    with rapport_serve(
        database_url, REDIS_URL=private_redis.url, ARQ_QUEUE=queue_name, SHOPIFY_API_SECRET=APP_SECRET
    ) as base:
        private_redis.stop()
        started = time.monotonic()
        assert (await post(base, "d-retried")).status_code == 200  # recorded: safe, whatever the queue
        assert time.monotonic() - started < 5  # inside Shopify's 5 s answer window
        assert (await post(base, "d-swept")).status_code == 200
        retried, swept = await WebhookEvent.get(delivery_id="d-retried"), await WebhookEvent.get(delivery_id="d-swept")
        assert retried.status == swept.status == DeliveryStatus.RECEIVED
        private_redis.start()  # back, and empty: nothing was queued while it was down
        assert await queued_in_redis(private_redis.url, queue_name) == set()
        assert (await post(base, "d-retried")).status_code == 200  # the sender's retry, same delivery id
        assert await queued_in_redis(private_redis.url, queue_name) == {f"webhook:{retried.id}"}
    assert await WebhookEvent.filter(delivery_id="d-retried").count() == 1
    await WebhookEvent.filter(id=swept.id).update(received_at=datetime.now(UTC) - timedelta(minutes=2))
    queue = await open_queue(settings_for(database_url, private_redis.url, queue_name))
    try:
        assert await sweep(queue) == [swept.id]
    finally:
        await queue.close()
    assert await queued_in_redis(private_redis.url, queue_name) == {f"webhook:{retried.id}", f"webhook:{swept.id}"}


async def test_the_sweep_queues_only_deliveries_waiting_over_a_minute_and_only_once(runner, database_url, db):
    store = await shopify_store()
    lost = await waiting_delivery(store, "d-lost", age=timedelta(minutes=3))
    await waiting_delivery(store, "d-fresh", age=timedelta(seconds=5))
    done = await waiting_delivery(store, "d-done", age=timedelta(minutes=3))
    await WebhookEvent.filter(id=done.id).update(status=DeliveryStatus.PROCESSED)
    queue_name = f"rapport-test:{uuid.uuid4().hex}"
    queue = await open_queue(settings_for(database_url, REDIS_URL if runner == "arq" else None, queue_name))
    try:
        assert await sweep(queue) == [lost.id]
        assert await sweep(queue) == []  # already queued under the delivery's own key
        assert await queued(runner, queue_name) == {f"webhook:{lost.id}"}
    finally:
        await queue.close()


async def test_the_sweep_is_scheduled_every_minute(database_url, db):
    queue = await open_queue(settings_for(database_url, None, "unused"))
    scheduler = Scheduler(queue, timedelta(minutes=5))
    now = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    assert "webhooks_sweep" in await scheduler.tick(now)
    assert "webhooks_sweep" not in await scheduler.tick(now + timedelta(seconds=30))
    assert "webhooks_sweep" in await scheduler.tick(now + timedelta(minutes=1))


def _cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "webhooks", "replay", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=120,
        env=subprocess_env(database_url, **env),
    )


async def test_webhooks_replay_failed_on_redis_queues_process_webhook_instead_of_crashing(database_url, db, redis_url):
    store = await shopify_store()
    failed = await waiting_delivery(store, "d-failed", age=timedelta(minutes=5))
    await WebhookEvent.filter(id=failed.id).update(status=DeliveryStatus.FAILED, error="KeyError: 'id'")
    queue_name = f"rapport-test:{uuid.uuid4().hex}"
    run = await asyncio.to_thread(_cli, database_url, "--failed", REDIS_URL=redis_url, ARQ_QUEUE=queue_name)
    assert run.returncode == 0, run.stderr
    assert f"queued again: #{failed.id}" in run.stdout
    assert [key.split(":replay:")[0] for key in await queued_in_redis(redis_url, queue_name)] == [
        f"webhook:{failed.id}"
    ]
    assert (await WebhookEvent.get(id=failed.id)).status == DeliveryStatus.RECEIVED


async def test_webhooks_replay_queues_deliveries_left_received(runner, database_url, db):
    store = await shopify_store()
    old = await waiting_delivery(store, "d-old", age=timedelta(minutes=5))
    named = await waiting_delivery(store, "d-named", age=timedelta(seconds=1))
    queue_name = f"rapport-test:{uuid.uuid4().hex}"
    env = {"REDIS_URL": REDIS_URL, "ARQ_QUEUE": queue_name} if runner == "arq" else {}
    run = await asyncio.to_thread(_cli, database_url, "--received", **env)
    assert run.returncode == 0 and f"queued again: #{old.id}" in run.stdout, run.stderr
    run = await asyncio.to_thread(_cli, database_url, "--id", str(named.id), **env)
    assert run.returncode == 0 and f"queued again: #{named.id}" in run.stdout, run.stderr
    assert await queued(runner, queue_name) == {f"webhook:{old.id}", f"webhook:{named.id}"}
