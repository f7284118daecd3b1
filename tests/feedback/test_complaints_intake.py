"""POST /hooks/complaints over HTTP: a complaint the store's server or help-desk tool signs is kept
once per external id, linked to the account and its order; forged, stale, replayed, oversized and
malformed posts, unknown customers and another store's order are refused and store nothing."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.auth import api_keys
from app.auth.site_requests import complaint_secret, review_secret, sign
from app.http.complaints import MAX_BODY_BYTES
from feedback.models import Complaint, ComplaintMessage, ComplaintStatus, FeedbackSource, MessageAuthor
from schema.core.ids import to_gid
from store.models import Customer, InstallState, Merchant, Order, Platform, Profile, Store
from tests.app.serving import caller, serving
from tests.app.test_review_intake import listening
from tests.support.servers import SECRET

pytestmark = pytest.mark.db
NOW = datetime.now(UTC)


async def store_of(merchant: Merchant, name: str) -> Store:
    return await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"{uuid.uuid4().hex[:8]}.myshopify.com",
        name=name,
        public_key=f"pk_{uuid.uuid4().hex}",
        install_state=InstallState.INSTALLED,
    )


async def account(store: Store, platform_id: str, email: str) -> Customer:
    profile = await Profile.create(merchant_id=store.merchant_id)
    return await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id=platform_id,
        profile=profile,
        owner=profile,
        email=email,
        verified_email=True,
        platform_updated_at=NOW,
        content_hash="x",
    )


async def order(store: Store, customer: Customer, platform_id: str) -> Order:
    zero = Decimal("0")
    return await Order.create(
        merchant_id=store.merchant_id,
        store=store,
        customer=customer,
        platform_id=platform_id,
        name=f"#{platform_id}",
        currency="USD",
        subtotal=Decimal("40"),
        total_discount=zero,
        shipping=zero,
        tax=zero,
        total=Decimal("40"),
        total_refunded=zero,
        platform_created_at=NOW,
        platform_updated_at=NOW,
        content_hash="x",
    )


async def world() -> tuple[Store, Store, Customer, Customer]:
    """A store with Ann (order 5512) and Bob (order 6001), and a second store of the merchant with order 7777."""
    merchant = await Merchant.create(name="Maison Lune")
    store, sister = await store_of(merchant, "Maison Lune"), await store_of(merchant, "Maison Lune EU")
    ann, bob = await account(store, "7001", "ann@example.com"), await account(store, "7002", "bob@example.com")
    await order(store, ann, "5512")
    await order(store, bob, "6001")
    await order(sister, await account(sister, "7001", "ann@example.com"), "7777")
    return store, sister, ann, bob


def complaint(store: Store | int | str, **fields: Any) -> dict[str, Any]:
    values = {
        "store": store.id if isinstance(store, Store) else store,
        "customer": "7001",
        "order": "5512",
        "kind": "complaint",
        "category": "delivery",
        "subject": "Parcel never arrived",
        "body": "The tracking says delivered; nothing came.",
        "external_id": f"zd-{uuid.uuid4().hex[:8]}",
        "issued_at": int(time.time()),
        "nonce": secrets.token_hex(12),
    }
    return values | fields


async def post(client, values: Any, secret: str):
    body = json.dumps(values).encode()
    headers = {"content-type": "application/json", "x-rapport-signature": sign(secret, body)}
    return await client.post("/hooks/complaints", content=body, headers=headers)


async def test_a_signed_complaint_is_kept_once_per_external_id_with_its_account_order_and_words(database_url, db):
    store, _, ann, bob = await world()
    secret = complaint_secret(SECRET, store.id)
    async with serving(database_url) as app, caller(app) as client:
        first = await post(client, complaint(store, external_id="zd-1"), secret)
        assert first.status_code == 200, first.text
        kept = await Complaint.get(external_id="zd-1")
        assert first.json() == {"status": "created", "reference": f"C-{kept.id:06d}", "external_id": "zd-1"}
        again = await post(client, complaint(store, external_id="zd-1", subject="Again"), secret)
        assert again.json() == {"status": "duplicate", "reference": f"C-{kept.id:06d}", "external_id": "zd-1"}
        by_email = await post(
            client,
            complaint(store.public_key, customer="BOB@example.com", order=None, kind="request", category="account"),
            secret,
        )
        assert by_email.status_code == 200 and by_email.json()["status"] == "created"
    assert (kept.profile_id, kept.customer_id, kept.store_id, kept.source, kept.status) == (
        ann.profile_id,
        ann.id,
        store.id,
        FeedbackSource.API,
        ComplaintStatus.OPEN,
    )
    assert kept.order_id == (await Order.get(platform_id="5512")).id and kept.subject == "Parcel never arrived"
    assert kept.first_response_at is None and abs((kept.received_at - datetime.now(UTC)).total_seconds()) < 60
    words = await ComplaintMessage.filter(complaint_id=kept.id).values_list("author", "body")
    assert words == [(MessageAuthor.SHOPPER, "The tracking says delivered; nothing came.")]
    request = await Complaint.get(customer_id=bob.id)
    assert (request.kind.value, request.category.value, request.order_id) == ("request", "account", None)
    assert await Complaint.all().count() == 2


async def test_forged_stale_replayed_oversized_malformed_and_foreign_posts_are_refused_and_store_nothing(
    database_url, db
):
    store, sister, _, _ = await world()
    neighbour = await store_of(await Merchant.create(name="Neighbour"), "Neighbour")
    secret = complaint_secret(SECRET, store.id)
    async with serving(database_url) as app, caller(app) as client:

        async def refused(values: Any, key: str = secret, status: int = 401) -> str:
            answer = await post(client, values, key)
            assert answer.status_code == status, answer.text
            return answer.json()["error"]

        assert "does not match" in await refused(complaint(store), key="0" * 64)
        assert "does not match" in await refused(complaint(store), key=review_secret(SECRET, store.id))
        assert "does not match" in await refused(complaint(store), key=complaint_secret(SECRET, neighbour.id))
        assert "does not match" in await refused(complaint(store), key=complaint_secret("elsewhere", store.id))
        assert "does not match" in await refused(complaint(neighbour.id), key=secret)
        assert "does not match" in await refused(complaint(999_999), key=secret)
        body = json.dumps(complaint(store)).encode()
        unsigned = await client.post("/hooks/complaints", content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401 and "not signed" in unsigned.json()["error"]
        tampered = await client.post(
            "/hooks/complaints",
            content=body.replace(b"Parcel", b"Refund"),
            headers={"x-rapport-signature": sign(secret, body)},
        )
        assert tampered.status_code == 401
        assert "300 s" in await refused(complaint(store, issued_at=int(time.time()) - 600))
        assert "300 s" in await refused(complaint(store, issued_at=int(time.time()) + 600))
        once = complaint(store, customer="nobody@example.com")
        assert (await post(client, once, secret)).status_code == 422  # signed, fresh: its nonce is now spent
        assert "replay" in await refused(once | {"customer": "7001"})
        oversized = await post(client, complaint(store, body="x" * MAX_BODY_BYTES), secret)
        assert oversized.status_code == 413
        not_json = await client.post("/hooks/complaints", content=b"{subject: 1", headers={"x-rapport-signature": "a"})
        assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
        assert "JSON object" in await refused([1, 2], status=400)
        assert "nonce" in await refused(complaint(store, nonce="short"), status=400)
        for field, value in (
            ("kind", "rant"),
            ("category", "weather"),
            ("subject", ""),
            ("subject", "s" * 201),
            ("body", "   "),
            ("body", "b" * 5001),
            ("external_id", None),
            ("external_id", "#shopper:1:x"),
            ("order", "no spaces allowed"),
            ("customer", ""),
        ):
            assert field in await refused(complaint(store, **{field: value}), status=400), (field, value)
        unknown = await refused(complaint(store, customer="nobody@example.com"), status=422)
        assert "unknown customer" in unknown
        assert "unknown order" in await refused(complaint(store, order="7777"), status=422)  # the sister store's
        assert "unknown order" in await refused(complaint(store, order="6001"), status=422)  # Bob's, not Ann's
        assert "unknown order" in await refused(complaint(store, order="0000"), status=422)
    assert await Complaint.all().count() == 0
    assert await ComplaintMessage.all().count() == 0


async def test_a_store_posting_too_fast_waits(database_url, db):
    store, _, _, _ = await world()
    secret = complaint_secret(SECRET, store.id)
    async with serving(database_url, rate_limit_complaints_store="2/minute") as app, caller(app) as client:
        assert (await post(client, complaint(store), secret)).status_code == 200
        assert (await post(client, complaint(store), secret)).status_code == 200
        limited = await post(client, complaint(store), secret)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert await Complaint.all().count() == 2


INTAKE = """query($id: ID!) { store(id: $id) { complaintIntake { url secret signatureHeader storeKey example } } }"""


async def test_the_owner_reads_the_complaint_secret_and_its_example_files_a_complaint_others_cannot(database_url, db):
    store, _, _, _ = await world()
    owner = await api_keys.issue(store.merchant_id, "help desk")
    stranger = await api_keys.issue((await Merchant.create(name="Stranger")).id, "theirs")
    variables = {"id": to_gid("Store", store.id)}
    async with serving(database_url) as app, listening(app) as url, httpx.AsyncClient(base_url=url) as client:

        async def ask(headers: dict[str, str]) -> httpx.Response:
            return await client.post("/graphql/admin", json={"query": INTAKE, "variables": variables}, headers=headers)

        assert (await ask({})).status_code == 401
        assert (await ask({"Authorization": f"Bearer {stranger.secret}"})).json()["data"]["store"] is None
        intake = (await ask({"Authorization": f"Bearer {owner.secret}"})).json()["data"]["store"]["complaintIntake"]
        assert intake["secret"] == complaint_secret(SECRET, store.id) != review_secret(SECRET, store.id)
        assert intake["url"] == "http://127.0.0.1:8000/hooks/complaints" and intake["storeKey"] == store.public_key
        script = intake["example"].replace(intake["url"], f"{url}/hooks/complaints")
        curl = await asyncio.create_subprocess_exec(
            "bash", "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(curl.communicate(), timeout=30)
        answer = json.loads(out)
        assert answer["status"] == "created" and answer["external_id"] == "ticket-1", err
    (kept,) = await Complaint.all()
    assert (kept.subject, kept.order_id) == ("Parcel never arrived", (await Order.get(platform_id="5512")).id)
