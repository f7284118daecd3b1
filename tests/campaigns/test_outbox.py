"""Who is written to and when: consent, suppression, the frequency cap, quiet hours in the
store's time zone, the best address and locale, one message per key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from campaigns.models import Message, MessageKind, MessageStatus, Suppression, SuppressionReason
from campaigns.outbox import queue_messages
from campaigns.settings import save_mail_config
from store.models import Customer
from tests.campaigns.mailing import NOW, merchant, request, shopper

pytestmark = pytest.mark.db


async def test_marketing_needs_consent_and_an_address_that_is_not_suppressed(db):
    _, store = await merchant()
    ok = await shopper(store, "ok@example.com")
    no = await shopper(store, "no@example.com", consent=False)
    gone = await shopper(store, "Gone@Example.com")
    bounced = await shopper(store, "bounced@example.com")
    nobody = await shopper(store, None)
    await Suppression.create(merchant_id=store.merchant_id, email="gone@example.com", reason="unsubscribed")
    await Suppression.create(merchant_id=store.merchant_id, email="bounced@example.com", reason="bounced")
    found = await queue_messages([request(store, p, f"k{p}") for p in (ok, no, gone, bounced, nobody)], NOW)
    assert [(m.status, m.reason) for m in found] == [
        (MessageStatus.QUEUED, ""),
        (MessageStatus.SKIPPED, "no_consent"),
        (MessageStatus.SKIPPED, "unsubscribed"),
        (MessageStatus.SKIPPED, "bounced"),
        (MessageStatus.SKIPPED, "no_address"),
    ]
    assert found[0].to_email == "ok@example.com"


async def test_transactional_mail_ignores_consent_and_unsubscribes_but_never_goes_to_a_bounced_address(db):
    _, store = await merchant()
    no = await shopper(store, "no@example.com", consent=False)
    gone = await shopper(store, "gone@example.com")
    bounced = await shopper(store, "bounced@example.com")
    await Suppression.create(merchant_id=store.merchant_id, email="gone@example.com", reason="unsubscribed")
    await Suppression.create(merchant_id=store.merchant_id, email="bounced@example.com", reason="bounced")
    found = await queue_messages(
        [
            request(store, p, f"t{p}", kind=MessageKind.TRANSACTIONAL, template="points_expiry")
            for p in (no, gone, bounced)
        ],
        NOW,
    )
    assert [m.status for m in found] == [MessageStatus.QUEUED, MessageStatus.QUEUED, MessageStatus.SKIPPED]
    assert found[2].reason == "bounced"


async def test_a_key_gives_one_message_however_often_it_is_queued(db):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    first = await queue_messages([request(store, p, "same"), request(store, p, "same")], NOW)
    again = await queue_messages([request(store, p, "same")], NOW + timedelta(days=1))
    assert first[0].id == first[1].id == again[0].id
    assert await Message.filter(key="same").count() == 1


async def test_the_frequency_cap_counts_queued_and_recent_marketing_across_campaigns(db):
    _, store = await merchant()
    await save_mail_config(store.merchant_id, {"frequency_cap": 2, "frequency_days": 7})
    p = await shopper(store, "a@example.com")
    old = await queue_messages([request(store, p, "old")], NOW - timedelta(days=8))
    await Message.filter(id=old[0].id).update(status=MessageStatus.SENT, sent_at=NOW - timedelta(days=8))
    sent = await queue_messages([request(store, p, "c1")], NOW - timedelta(days=2))
    await Message.filter(id=sent[0].id).update(status=MessageStatus.SENT, sent_at=NOW - timedelta(days=2))
    found = await queue_messages(
        [
            request(store, p, "c2"),
            request(store, p, "c3"),
            request(store, p, "tx", kind=MessageKind.TRANSACTIONAL, template="tier_reached"),
        ],
        NOW,
    )
    assert [(m.status, m.reason) for m in found] == [
        (MessageStatus.QUEUED, ""),
        (MessageStatus.SKIPPED, "capped"),
        (MessageStatus.QUEUED, ""),
    ]


async def test_members_sharing_an_address_get_one_copy_of_a_campaign_email(db):
    _, store = await merchant()
    one = await shopper(store, "mary.richard@example.org")
    two = await shopper(store, "Mary.Richard@Example.org")  # another member, the same mailbox
    three = await shopper(store, "MARY.RICHARD@EXAMPLE.ORG")
    first = await queue_messages([replace(request(store, one, "c1:one"), campaign_id=1)], NOW)
    later = await queue_messages(
        [
            replace(request(store, two, "c1:two"), campaign_id=1),
            replace(request(store, three, "c2:three"), campaign_id=2),
            request(store, two, "tx:two", kind=MessageKind.TRANSACTIONAL, template="points_expiry"),
        ],
        NOW + timedelta(minutes=5),
    )
    assert first[0].status == MessageStatus.QUEUED
    assert [(m.status, m.reason) for m in later] == [
        (MessageStatus.SKIPPED, "duplicate_address"),
        (MessageStatus.QUEUED, ""),  # another campaign is another email
        (MessageStatus.QUEUED, ""),  # account mail is each member's own
    ]


async def test_quiet_hours_hold_mail_until_morning_in_the_store_time_zone(db):
    _, store = await merchant(timezone="America/New_York")
    p = await shopper(store, "a@example.com")
    late = datetime(2026, 6, 10, 3, 30, tzinfo=UTC)  # 23:30 in New York, quiet from 21 to 8
    day = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)  # noon in New York
    found = await queue_messages(
        [
            request(store, p, "night"),
            request(store, p, "reward", kind=MessageKind.TRANSACTIONAL, template="reward_issued"),
        ],
        late,
    )
    assert found[0].send_after == datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert found[1].send_after == late
    (noon,) = await queue_messages([request(store, p, "noon")], day)
    assert noon.send_after == day


async def test_the_address_prefers_the_given_store_and_a_verified_account_and_takes_its_locale(db):
    _, store = await merchant()
    _, other = await merchant()
    p = await shopper(store, "main@example.com", locale="fr-CA")
    await Customer.create(
        merchant_id=store.merchant_id,
        store=store,
        platform_id="unverified",
        profile_id=p,
        owner_id=p,
        email="unverified@example.com",
        verified_email=False,
        platform_updated_at=NOW,
        content_hash="x",
    )
    (message,) = await queue_messages([request(store, p, "a")], NOW)
    assert (message.to_email, message.locale) == ("main@example.com", "fr")
    english = await shopper(store, "en@example.com", locale="de-DE")
    (message,) = await queue_messages([request(store, english, "b")], NOW)
    assert message.locale == "en"
    del other


async def test_a_deleted_account_is_not_written_to(db):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    await Customer.filter(profile_id=p).update(deleted_at=NOW)
    (message,) = await queue_messages([request(store, p, "a")], NOW)
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no_address")
    assert SuppressionReason.BOUNCED == "bounced"


async def test_marketing_goes_to_the_address_that_consented_and_is_not_suppressed(db):
    _, store = await merchant()
    p = await shopper(store, "no-consent@example.com", consent=False)
    for email, consent in (("gone@example.com", True), ("yes@example.com", True)):
        await Customer.create(
            merchant_id=store.merchant_id,
            store=store,
            platform_id=email,
            profile_id=p,
            owner_id=p,
            email=email,
            accepts_marketing=consent,
            verified_email=email.startswith("gone"),
            platform_updated_at=NOW,
            content_hash="x",
        )
    await Suppression.create(merchant_id=store.merchant_id, email="gone@example.com", reason="unsubscribed")
    marketing, account = await queue_messages(
        [request(store, p, "m"), request(store, p, "t", kind=MessageKind.TRANSACTIONAL, template="tier_reached")], NOW
    )
    assert (marketing.status, marketing.to_email) == (MessageStatus.QUEUED, "yes@example.com")
    assert account.to_email == "no-consent@example.com"
