"""Erasing a person clears their mail and birthday, and an opt-out outlives the erasure as a hash."""

from __future__ import annotations

import uuid

import pytest

from app.privacy import erase_person
from campaigns.models import Birthday, Message, MessageKind, MessageStatus, Suppression
from campaigns.outbox import queue_messages
from campaigns.sending import send_due
from campaigns.unsubscribe import erased_address, unsubscribe
from store.models import Customer, Profile
from tests.campaigns.mailing import BASE, KEY, MAIL_FROM, NOW, merchant, request, shopper

pytestmark = pytest.mark.db


async def test_erasure_clears_messages_and_birthday_and_keeps_the_opt_out_as_a_hash(db, smtp):
    m, store = await merchant()
    p = await shopper(store, "Camille@example.com")
    bystander = await shopper(store, "other@example.com")
    await Birthday.create(merchant_id=m.id, profile_id=p, month=3, day=14, recorded_at=NOW)
    await queue_messages([request(store, p, "sent"), request(store, bystander, "theirs")], NOW)
    await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=KEY, now=NOW)
    await queue_messages([request(store, p, "pending", kind=MessageKind.TRANSACTIONAL, template="tier_drop")], NOW)
    await unsubscribe(m.id, "camille@example.com", NOW)

    counts = await erase_person(p, actor="staff:1")

    assert "campaigns" in counts["extra"]
    rows = await Message.filter(profile_id=p).order_by("id")
    assert [(r.to_email, r.data, r.subject) for r in rows] == [(None, {}, ""), (None, {}, "")]
    assert [(r.status, r.reason) for r in rows][1] == (MessageStatus.SKIPPED, "erased")
    assert (await Message.get(key="theirs")).to_email == "other@example.com"
    assert not await Birthday.exists(profile_id=p)
    assert await Suppression.filter(merchant_id=m.id).values_list("email", flat=True) == [
        erased_address(m.id, "camille@example.com")
    ]
    # The person comes back to the store with the same address and a ticked box: still opted out.
    back = await Profile.create(merchant_id=m.id)
    await Customer.create(
        merchant_id=m.id,
        store=store,
        platform_id=uuid.uuid4().hex[:12],
        profile=back,
        owner=back,
        email="camille@example.com",
        accepts_marketing=True,
        platform_updated_at=NOW,
        content_hash="x",
    )
    (again,) = await queue_messages([request(store, back.id, "again")], NOW)
    assert (again.status, again.reason) == (MessageStatus.SKIPPED, "unsubscribed")
