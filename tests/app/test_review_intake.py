"""POST /hooks/reviews over HTTP: a review the store's server signs earns the program's review
action once per review id; forged, foreign, stale, replayed, oversized, malformed and out-of-range
posts are refused and store nothing."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from app.auth import api_keys
from app.auth.site_requests import sign, site_secret
from app.http.reviews import MAX_BODY_BYTES, review_secret
from app.sample_program import EFFECTIVE_FROM, sample_rules
from feedback.models import Review
from loyalty.models import Entry, EntryKind
from loyalty.program import publish
from loyalty.rules import ActionRule
from schema.core.ids import to_gid
from store.models import Customer, InstallState, Merchant, Platform, Profile, Store
from tests.app.serving import caller, serving
from tests.support.servers import SECRET

pytestmark = pytest.mark.db


async def shop(review: ActionRule | None = ActionRule(points=30, limit=2, period_days=30)) -> Store:
    """An installed store whose program pays ``review`` (twice per 30 days), with two accounts."""
    merchant = await Merchant.create(name="Maison Lune")
    store = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"{uuid.uuid4().hex[:8]}.myshopify.com",
        name="Maison Lune",
        public_key=f"pk_{uuid.uuid4().hex}",
        install_state=InstallState.INSTALLED,
    )
    rules = sample_rules()
    actions = {**rules.actions, **({"review": review} if review else {})}
    await publish(merchant.id, replace(rules, actions=actions), EFFECTIVE_FROM)
    for platform_id, email in (("7001", "ann@example.com"), ("7002", "bob@example.com")):
        profile = await Profile.create(merchant_id=merchant.id)
        await Customer.create(
            merchant_id=merchant.id,
            store=store,
            platform_id=platform_id,
            profile=profile,
            owner=profile,
            email=email,
            verified_email=True,
            platform_updated_at=datetime.now(UTC),
            content_hash="x",
        )
    return store


def review(store: Store | int | str, **fields: Any) -> dict[str, Any]:
    values = {
        "store": store.id if isinstance(store, Store) else store,
        "customer": "7001",
        "product": "8123",
        "order": "5512",
        "rating": 5,
        "title": "Lovely",
        "body": "Soft and warm.",
        "review_id": f"r-{uuid.uuid4().hex[:8]}",
        "issued_at": int(time.time()),
        "nonce": secrets.token_hex(12),
    }
    return values | fields


def signed(values: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(values).encode()
    return body, {"content-type": "application/json", "x-rapport-signature": sign(secret, body)}


async def post(client, values: dict[str, Any], secret: str):
    body, headers = signed(values, secret)
    return await client.post("/hooks/reviews", content=body, headers=headers)


async def reviews_paid() -> list[tuple[int, dict]]:
    return [(e.available, e.data) for e in await Entry.filter(kind=EntryKind.ACTION, cause="review").order_by("id")]


async def test_a_signed_review_pays_once_per_review_id_within_the_programs_limit(database_url, db):
    store = await shop()
    secret = review_secret(SECRET, store.id)
    ann = await Customer.get(platform_id="7001")
    async with serving(database_url) as app, caller(app) as client:
        first = await post(client, review(store, review_id="jdg-1", rating=4), secret)
        assert first.status_code == 200 and first.json() == {"status": "awarded", "points": 30, "review_id": "jdg-1"}
        again = await post(client, review(store, review_id="jdg-1"), secret)
        assert again.status_code == 200 and again.json()["status"] == "duplicate" and again.json()["points"] == 0
        other = await post(client, review(store, review_id="jdg-1", customer="bob@example.com"), secret)
        assert other.json()["status"] == "duplicate", "a review id names one review, whoever it is posted for"
        by_key = await post(client, review(store.public_key, review_id="jdg-2", customer="ANN@example.com"), secret)
        assert by_key.json()["status"] == "awarded"
        capped = await post(client, review(store, review_id="jdg-3", order=None), secret)
        assert capped.status_code == 200 and capped.json() == {"status": "capped", "points": 0, "review_id": "jdg-3"}
        unknown = await post(client, review(store, customer="nobody@example.com"), secret)
        assert unknown.status_code == 422 and "unknown customer" in unknown.json()["error"]
    ann_review = {"customer_id": ann.id, "store_id": store.id, "product": "8123", "order": "5512"}
    assert await reviews_paid() == [
        (30, ann_review | {"review_id": "jdg-1", "rating": 4}),
        (30, ann_review | {"review_id": "jdg-2", "rating": 5}),
    ]
    assert {e.profile_id for e in await Entry.filter(cause="review")} == {ann.owner_id}
    kept = (
        await Review.all()
        .order_by("id")
        .values(
            "review_id",
            "profile_id",
            "store_id",
            "customer_id",
            "product_platform_id",
            "order_platform_id",
            "rating",
            "title",
            "body",
            "points_paid",
        )
    )
    row = {"profile_id": ann.profile_id, "store_id": store.id, "customer_id": ann.id, "product_platform_id": "8123"}
    text = {"title": "Lovely", "body": "Soft and warm."}
    assert kept == [
        row | text | {"review_id": "jdg-1", "order_platform_id": "5512", "rating": 4, "points_paid": 30},
        row | text | {"review_id": "jdg-2", "order_platform_id": "5512", "rating": 5, "points_paid": 30},
        row | text | {"review_id": "jdg-3", "order_platform_id": None, "rating": 5, "points_paid": 0},
    ], "a paid or capped review is kept once with its text; a duplicate (for anyone) stores nothing new"


async def test_forged_foreign_stale_replayed_oversized_and_malformed_posts_are_refused_and_store_nothing(
    database_url, db
):
    store = await shop()
    neighbour = await Store.create(
        merchant=await Merchant.create(name="Neighbour"),
        platform=Platform.SHOPIFY,
        domain="neighbour.myshopify.com",
        name="Neighbour",
        public_key=f"pk_{uuid.uuid4().hex}",
        install_state=InstallState.INSTALLED,
    )
    secret = review_secret(SECRET, store.id)
    async with serving(database_url) as app, caller(app) as client:

        async def refused(values: dict[str, Any], key: str = secret, status: int = 401) -> str:
            answer = await post(client, values, key)
            assert answer.status_code == status, answer.text
            return answer.json()["error"]

        assert "does not match" in await refused(review(store), key="0" * 64)
        assert "does not match" in await refused(review(store), key=review_secret(SECRET, neighbour.id))
        assert "does not match" in await refused(review(store), key=site_secret(SECRET, store.id))
        assert "does not match" in await refused(review(store), key=review_secret("another-deployment", store.id))
        assert "does not match" in await refused(review(neighbour.id), key=secret)  # store swapped, old signature
        assert "does not match" in await refused(review(999_999), key=secret)
        body, headers = signed(review(store), secret)
        unsigned = await client.post("/hooks/reviews", content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401 and "not signed" in unsigned.json()["error"]
        tampered = await client.post(
            "/hooks/reviews", content=body.replace(b'"rating": 5', b'"rating": 1'), headers=headers
        )
        assert tampered.status_code == 401
        assert "300 s" in await refused(review(store, issued_at=int(time.time()) - 600))
        assert "300 s" in await refused(review(store, issued_at=int(time.time()) + 600))
        once = review(store)
        assert (await post(client, once, secret)).status_code == 200
        assert "replay" in await refused(once | {"review_id": "another"})
        big = review(store, body="x" * MAX_BODY_BYTES)
        oversized = await post(client, big, secret)
        assert oversized.status_code == 413
        not_json = await client.post("/hooks/reviews", content=b"{rating: 5", headers={"x-rapport-signature": "ab"})
        assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
        assert "JSON object" in await refused([1, 2], status=400)  # type: ignore[arg-type]
        assert "nonce" in await refused(review(store, nonce="short"), status=400)
        for rating in (0, 6, 4.5, "5", True, None):
            assert "rating" in await refused(review(store, rating=rating), status=400)
        assert "review_id" in await refused(review(store, review_id=""), status=400)
        assert "review_id" in await refused(review(store, review_id="x" * 101), status=400)
        assert "product" in await refused(review(store, product=None), status=400)
        assert "title" in await refused(review(store, title="t" * 201), status=400)
        assert "customer" in await refused(review(store, customer=""), status=400)
        assert "store" in await refused(review(store) | {"store": True}, status=400)
    assert len(await reviews_paid()) == 1  # the one genuine post
    assert await Review.all().count() == 1, "refused posts keep no review"


async def test_a_store_posting_too_fast_waits_and_a_program_without_reviews_records_nothing(database_url, db):
    store = await shop(review=None)
    secret = review_secret(SECRET, store.id)
    async with serving(database_url, rate_limit_reviews_store="2/minute") as app, caller(app) as client:
        no_action = await post(client, review(store), secret)
        assert no_action.status_code == 422 and "no review action" in no_action.json()["error"]
        assert (await post(client, review(store), secret)).status_code == 422
        limited = await post(client, review(store), secret)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert await reviews_paid() == []
    assert await Review.all().count() == 0, "a review the program cannot pay is not kept either"


INTAKE = """query($id: ID!) { store(id: $id) { reviewIntake { url secret signatureHeader storeKey example } } }"""


@asynccontextmanager
async def listening(app) -> AsyncIterator[str]:
    """The app (its lifespan already entered) on a real port in this loop, for curl to reach."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_the_owner_reads_the_secret_and_the_settings_example_posts_a_review_others_cannot(database_url, db):
    store = await shop()
    owner = await api_keys.issue(store.merchant_id, "reviews")
    stranger = await api_keys.issue((await Merchant.create(name="Stranger")).id, "theirs")
    variables = {"id": to_gid("Store", store.id)}
    async with serving(database_url) as app, listening(app) as url, httpx.AsyncClient(base_url=url) as client:

        async def ask(headers: dict[str, str]) -> httpx.Response:
            return await client.post("/graphql/admin", json={"query": INTAKE, "variables": variables}, headers=headers)

        assert (await ask({})).status_code == 401
        theirs = (await ask({"Authorization": f"Bearer {stranger.secret}"})).json()
        assert theirs["data"]["store"] is None
        assert (await ask({"X-Rapport-Store-Key": store.public_key})).status_code == 401
        intake = (await ask({"Authorization": f"Bearer {owner.secret}"})).json()["data"]["store"]["reviewIntake"]
        assert intake["secret"] == review_secret(SECRET, store.id) and intake["storeKey"] == store.public_key
        assert intake["url"] == "http://127.0.0.1:8000/hooks/reviews"  # PUBLIC_BASE_URL's default
        assert intake["signatureHeader"] == "X-Rapport-Signature"
        script = intake["example"].replace(intake["url"], f"{url}/hooks/reviews")
        curl = await asyncio.create_subprocess_exec(
            "bash", "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(curl.communicate(), timeout=30)
        assert json.loads(out) == {"status": "awarded", "points": 30, "review_id": "review-1"}, err
    assert [data["review_id"] for _, data in await reviews_paid()] == ["review-1"]


async def test_the_same_review_posted_concurrently_for_two_shoppers_is_paid_once(database_url, db):
    store = await shop(review=ActionRule(points=30, limit=0))
    secret = review_secret(SECRET, store.id)
    async with serving(database_url) as app, caller(app) as client:
        posts = (review(store, review_id="same", customer=("7001", "7002")[n % 2]) for n in range(8))
        answers = await asyncio.gather(*(post(client, values, secret) for values in posts))
    statuses = sorted(answer.json()["status"] for answer in answers)
    assert statuses == ["awarded"] + ["duplicate"] * 7, [a.text for a in answers]
    assert len(await reviews_paid()) == 1
    kept = await Review.filter(review_id="same").values_list("customer_id", flat=True)
    paid_to = (await reviews_paid())[0][1]["customer_id"]
    assert kept == [paid_to], "one row, the paid post's"
