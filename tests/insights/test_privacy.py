"""Privacy: erasure leaves nothing personal anywhere, exports hold everything, both are audited."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tortoise import connections
from tortoise.functions import Count, Sum

from app.demo.feedback import seed_feedback
from feedback import privacy as feedback_privacy
from feedback.models import (
    Complaint,
    ComplaintMessage,
    FeedbackSource,
    MessageAuthor,
    Review,
    Survey,
    SurveyKind,
    SurveyStatus,
)
from insights.errors import PersonalActor
from insights.identity import resolve_merchant
from insights.models import PrivacyAudit, ProfileFact
from insights.privacy import contactable, erase_profile, export_profile, may_contact, redact_store
from insights.refresh import refresh_merchant
from sandbox.dataset.people import PHONE_STYLES, format_phone
from store.ingest import upsert_customers, upsert_orders
from store.introspect import describe
from store.models import Customer, Merchant, Order, Product, Store, WebhookEvent
from store.records import CustomerRecord, LineRecord, OrderRecord
from tests.insights.conftest import AS_OF
from tests.insights.sandbox_store import load_sandbox

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("db")]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


class Needles:
    """How a person can appear in a cell: any spelling of their email, phone or full name."""

    def __init__(self, email: str, phone: str, first: str, last: str) -> None:
        self.email = email.lower()
        self.phones = {phone} | {format_phone(phone, style) for style in PHONE_STYLES}
        self.first, self.last = first.lower(), last.lower()
        self.full_name = f"{self.first} {self.last}"
        self.name_fields = [
            re.compile(rf'"{key}":\s*"{re.escape(value)}"')
            for key, value in (("first_name", self.first), ("last_name", self.last))
        ]

    def found_in(self, row: dict) -> bool:
        """A name counts in columns of its own, in JSON name fields, or written out in full."""
        cells = [
            json.dumps(v) if isinstance(v, dict | list) else v for v in row.values() if isinstance(v, str | dict | list)
        ]
        lowered = [cell.lower() for cell in cells]
        text = " ".join(lowered)
        if any(p in cell for cell in cells for p in self.phones):
            return True
        if self.email not in text and self.last not in text:
            return False
        return (
            self.email in text
            or any(p in cell for cell in cells for p in self.phones)
            or self.full_name in " ".join(text.split())
            or (self.first in lowered and self.last in lowered)
            or all(pattern.search(text) for pattern in self.name_fields)
        )


async def scan(needles: Needles) -> dict[str, int]:
    """Rows per table, over every table and every text or JSON column, that still carry the person."""
    conn = connections.get("default")
    hits: dict[str, int] = {}
    for table in sorted(await describe(conn)):
        rows = await conn.execute_query_dict(f'SELECT * FROM "{table}"')
        found = sum(1 for row in rows if needles.found_in(row))
        if found:
            hits[table] = found
    return hits


async def _aggregates(merchant_id: int) -> dict:
    orders = (
        await Order.filter(merchant_id=merchant_id)
        .annotate(n=Count("id"), revenue=Sum("total"))
        .first()
        .values("n", "revenue")
    )
    return {
        "orders": orders["n"],
        "revenue": Decimal(orders["revenue"]).quantize(Decimal("0.01")),
        "customers": await Customer.filter(merchant_id=merchant_id).count(),
    }


def _erasable_person(data) -> int:
    """A cross-store person whose full name is theirs alone (a namesake would be a false alarm)."""
    names = [(p.first_name.lower(), p.last_name.lower()) for p in data.people]
    for person in sorted(data.both_store_person_ids):
        who = data.people_by_id[person]
        if names.count((who.first_name.lower(), who.last_name.lower())) == 1:
            return person
    raise AssertionError("no suitable person")


async def test_an_erased_person_leaves_no_email_phone_or_name_in_any_table_and_sums_stay():
    sandbox = await load_sandbox()
    person = _erasable_person(sandbox.data)
    who = sandbox.data.people_by_id[person]
    other = sandbox.data.people_by_id[max(sandbox.data.both_store_person_ids)]
    shop = await Store.get(merchant_id=sandbox.merchant_id, platform="shopify")
    account = next(c for c in sandbox.data.customers if c.person_id == person and c.store == "shopify")
    await WebhookEvent.create(
        platform="shopify",
        delivery_id="d1",
        store=shop,
        topic="customers/update",
        body=json.dumps(
            {
                "id": account.platform_id,
                "email": account.email,
                "phone": who.phone,
                "first_name": who.first_name,
                "last_name": who.last_name,
            }
        ),
    )
    await WebhookEvent.create(
        platform="shopify",
        delivery_id="d2",
        store=shop,
        topic="customers/update",
        body=json.dumps({"id": 1, "email": other.email, "first_name": other.first_name}),
    )
    await refresh_merchant(sandbox.merchant_id, as_of=AS_OF)
    profile_id = (await Customer.get(id=min(sandbox.customers_of(person)))).profile_id
    feedback = await _plant_feedback(sandbox, profile_id, who)
    needles = Needles(who.email, who.phone, who.first_name, who.last_name)
    before = await scan(needles)
    assert {"customers", "orders", "webhook_events", "insights_profile_facts", *FEEDBACK_TABLES} <= set(before), before
    sums = await _aggregates(sandbox.merchant_id)
    erased: list[int] = []

    async def loyalty_eraser(pid: int) -> None:
        erased.append(pid)

    counts = await erase_profile(
        profile_id, actor="admin:1", erasers={"loyalty": loyalty_eraser, "feedback": feedback_privacy.erase_profile}
    )
    assert erased == [profile_id] and counts["webhook_events"] == 1
    assert await scan(needles) == {}
    assert await _feedback_numbers(feedback) == feedback["numbers"], "scores, ratings and times stay"
    assert not await Survey.filter(profile_id=profile_id).exclude(comment=None).exists()
    assert not await ComplaintMessage.filter(complaint__profile_id=profile_id).exclude(body="").exists()
    assert not await Review.filter(profile_id=profile_id).exclude(title="", body="").exists()
    assert await _aggregates(sandbox.merchant_id) == sums
    assert json.loads((await WebhookEvent.get(delivery_id="d2")).body)["email"] == other.email
    audit = await PrivacyAudit.get(action="erase")
    assert (audit.subject, audit.subject_id, audit.actor) == ("profile", profile_id, "admin:1")
    assert not await may_contact(profile_id)


FEEDBACK_TABLES = ("feedback_surveys", "feedback_complaints", "feedback_complaint_messages", "feedback_reviews")


async def _plant_feedback(sandbox, profile_id: int, who) -> dict:
    """The sandbox's planted feedback, and the person's own words naming them in every text column."""
    merchant = await Merchant.get(id=sandbox.merchant_id)
    stores = {str(s.platform): s for s in await Store.filter(merchant_id=merchant.id)}
    await seed_feedback(sandbox.data, merchant, stores)
    account = await Customer.filter(profile_id=profile_id).order_by("id").first()
    order = await Order.filter(customer_id=account.id).order_by("id").first()
    said = f"{who.first_name} {who.last_name} here, write to {who.email} or call {who.phone}"
    at = datetime(1998, 6, 1, tzinfo=UTC)
    common = {"merchant_id": merchant.id, "profile_id": profile_id, "store_id": account.store_id}
    survey = await Survey.create(
        **common,
        customer_id=account.id,
        order_id=None,
        kind=SurveyKind.CSAT,
        status=SurveyStatus.ANSWERED,
        send_at=at,
        sent_at=at,
        answered_at=at,
        score=2,
        comment=said,
    )
    complaint = await Complaint.create(
        **common,
        customer_id=account.id,
        order_id=order.id,
        source=FeedbackSource.WIDGET,
        subject=f"Complaint from {who.first_name} {who.last_name}",
        received_at=at,
        first_response_at=at,
    )
    for author in (MessageAuthor.SHOPPER, MessageAuthor.MERCHANT, MessageAuthor.NOTE):
        await ComplaintMessage.create(complaint=complaint, author=author, body=said, created_at=at)
    review = await Review.create(
        **common,
        customer_id=account.id,
        review_id="privacy-1",
        product_platform_id="1",
        rating=4,
        title=f"By {who.email}",
        body=said,
        created_at=at,
    )
    found = {"survey": survey.id, "complaint": complaint.id, "review": review.id}
    return found | {"numbers": await _feedback_numbers(found)}


async def _feedback_numbers(found: dict) -> tuple:
    survey = await Survey.get(id=found["survey"])
    complaint = await Complaint.get(id=found["complaint"])
    review = await Review.get(id=found["review"])
    return (survey.score, survey.answered_at, complaint.received_at, complaint.first_response_at, review.rating)


async def _merchant_with_person() -> tuple[Store, Store, int]:
    merchant = await Merchant.create(name="Acme")
    shop = await Store.create(merchant=merchant, platform="shopify", domain="acme.myshopify.com", public_key="pk-a")
    woo = await Store.create(merchant=merchant, platform="woocommerce", domain="https://acme.test", public_key="pk-b")
    for store, platform_id, consent, seen in ((shop, "c1", True, T0), (woo, "c9", False, T0 + timedelta(days=3))):
        await upsert_customers(
            store,
            [
                CustomerRecord(
                    platform_id=platform_id,
                    updated_at=seen,
                    email="Ada@Example.com",
                    first_name="Ada",
                    last_name="Lovelace",
                    phone="+13475550103",
                    accepts_marketing=consent,
                )
            ],
        )
        await upsert_orders(
            store,
            [
                OrderRecord(
                    platform_id=f"o-{platform_id}",
                    currency="EUR",
                    total=Decimal("12.50"),
                    created_at=seen,
                    updated_at=seen,
                    email="ada@example.com",
                    customer=CustomerRecord(platform_id=platform_id, updated_at=seen - timedelta(days=9)),
                    lines=(
                        LineRecord(
                            platform_id=f"l-{platform_id}",
                            quantity=1,
                            unit_price=Decimal("12.50"),
                            total=Decimal("12.50"),
                        ),
                    ),
                )
            ],
        )
    await resolve_merchant(merchant.id)
    return shop, woo, (await Customer.get(store_id=shop.id, platform_id="c1")).profile_id


async def test_an_export_holds_the_profile_every_account_and_order_and_other_packages_parts():
    _, _, profile_id = await _merchant_with_person()
    await refresh_merchant((await Store.get(platform="shopify")).merchant_id, as_of=T0 + timedelta(days=10))

    async def ledger(pid: int) -> dict:
        return {"profile": pid, "balance": 120}

    document = await export_profile(profile_id, actor="shopify:customers/data_request", exporters={"loyalty": ledger})
    assert json.loads(json.dumps(document)) == document
    assert {c["platform_id"] for c in document["customers"]} == {"c1", "c9"}
    assert [o["total"] for o in document["orders"]] == ["12.5000", "12.5000"]
    assert document["orders"][0]["lines"][0]["quantity"] == 1
    assert document["profile"]["transactions"]["revenue"]["EUR"]["revenue"] == "25.0000"
    assert document["profile"]["facts"]["email"]["current"]["email"] == "ada@example.com"
    assert document["extra"] == {"loyalty": {"profile": profile_id, "balance": 120}}
    audit = await PrivacyAudit.get(action="export")
    assert audit.details == {"customers": 2, "orders": 2, "extra": ["loyalty"]}
    assert "ada" not in json.dumps(audit.details).lower() and audit.actor == "shopify:customers/data_request"


async def test_a_refresh_after_an_erasure_does_not_bring_the_person_back():
    shop, _, profile_id = await _merchant_with_person()
    await refresh_merchant(shop.merchant_id, as_of=T0 + timedelta(days=10))
    await erase_profile(profile_id, actor="admin:1")
    await refresh_merchant(shop.merchant_id, as_of=T0 + timedelta(days=10))
    assert await scan(Needles("ada@example.com", "+13475550103", "Ada", "Lovelace")) == {}
    assert await Customer.filter(merchant_id=shop.merchant_id).count() == 2
    assert await Order.filter(merchant_id=shop.merchant_id).count() == 2


async def test_the_audit_refuses_a_personal_actor():
    _, _, profile_id = await _merchant_with_person()
    with pytest.raises(PersonalActor, match="not an email"):
        await export_profile(profile_id, actor="ada@example.com")


async def test_consent_is_the_newest_any_store_recorded():
    shop, woo, profile_id = await _merchant_with_person()
    assert not await may_contact(profile_id), "the newer WooCommerce record opted out"
    await upsert_customers(
        shop,
        [
            CustomerRecord(
                platform_id="c1", updated_at=T0 + timedelta(days=5), email="ada@example.com", accepts_marketing=True
            )
        ],
    )
    assert await may_contact(profile_id)
    assert await contactable([profile_id, 999_999]) == {profile_id}


async def test_redacting_a_store_removes_its_data_and_keeps_the_other_stores():
    shop, woo, profile_id = await _merchant_with_person()
    await refresh_merchant(shop.merchant_id, as_of=T0 + timedelta(days=10))
    await Product.create(
        merchant_id=shop.merchant_id,
        store=woo,
        platform_id="p1",
        title="Record",
        platform_updated_at=T0,
        content_hash="x",
    )
    counts = await redact_store(woo.id, actor="shopify:shop/redact")
    assert counts["customers"] == 1 and counts["orders"] == 1
    assert await Store.filter(id=woo.id).count() == 0
    assert await Order.filter(store_id=woo.id).count() == 0 and await Product.filter(store_id=woo.id).count() == 0
    assert await Customer.filter(store_id=shop.id).count() == 1
    assert await ProfileFact.filter(platform="woocommerce").count() == 0
    assert await ProfileFact.filter(profile_id=profile_id, platform="shopify").count() > 0
    assert (await PrivacyAudit.get(action="redact_store")).subject_id == woo.id
