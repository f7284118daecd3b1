"""Failed jobs over the admin API: a merchant's credential reaches only that merchant's jobs."""

from __future__ import annotations

import pytest

from app.jobs.failures import record_failure
from app.jobs.registry import load
from schema.core.ids import to_gid
from store.models import Job, JobStatus, WebhookEvent
from tests.schema.conftest import admin, data

pytestmark = pytest.mark.db
load()

TRACEBACK = """Traceback (most recent call last):
  File "/srv/rapport/connectors/core/http.py", line 212, in request
    raise PlatformError(f"{status} from {url}: {body}")
connectors.core.http.PlatformError: 500 from https://other.myshopify.com/admin: internal detail"""

LIST = "{ failedJobs(first: 10) { nodes { id function arguments lastError } } }"
REPLAY = "mutation($id: ID!) { failedJobReplay(input: {id: $id}) { job { id } userErrors { code } } }"


async def _fail(key: str, function: str, args: list) -> Job:
    await record_failure(key=key, function=function, args=args, tries=3, max_tries=3, error=TRACEBACK, backend="arq")
    return await Job.get(key=key)


async def test_a_merchant_key_does_not_list_another_merchants_failed_jobs_nor_the_operators(client, world):
    mine = await _fail("mine", "sync_store", [world.shopify.id])
    theirs = await _fail("theirs", "sync_store", [world.other_store.id])
    operator = await _fail("operator", "insights_refresh_all", [])
    assert (mine.merchant_id, theirs.merchant_id, operator.merchant_id) == (
        world.merchant.id,
        world.other_merchant.id,
        None,
    )
    nodes = data(await admin(client, LIST))["failedJobs"]["nodes"]
    assert [n["id"] for n in nodes] == [to_gid("FailedJob", mine.id)]
    for other in (theirs, operator):
        found = data(
            await admin(client, "query($id: ID!) { node(id: $id) { id } }", {"id": to_gid("FailedJob", other.id)})
        )
        assert found["node"] is None


async def test_a_merchant_key_cannot_replay_another_merchants_failed_job(client, world):
    delivery = await WebhookEvent.create(
        platform="shopify", store=world.other_store, topic="orders/create", delivery_id="theirs", body="{}"
    )
    theirs = await _fail("theirs", "process_webhook", [delivery.id])
    assert theirs.merchant_id == world.other_merchant.id
    store_job = await _fail("their-sync", "sync_store", [world.other_store.id])
    for job in (theirs, store_job):
        done = data(await admin(client, REPLAY, {"id": to_gid("FailedJob", job.id)}))["failedJobReplay"]
        assert done == {"job": None, "userErrors": [{"code": "NOT_FOUND"}]}
        assert (await Job.get(id=job.id)).status == JobStatus.FAILED


async def test_a_failed_job_shows_its_merchant_the_error_class_and_message_but_no_traceback(client, world):
    await _fail("mine", "orders_changed", [world.shopify.id, [1, 2]])
    node = data(await admin(client, LIST))["failedJobs"]["nodes"][0]
    assert node["lastError"] == "PlatformError: 500 from https://other.myshopify.com/admin: internal detail"
    assert "Traceback" not in str(node) and "/srv/rapport" not in str(node)
