"""A redeemed reward reaches the shopper by email with its code, consent or not, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns.models import MessageKind, MessageStatus, Suppression
from campaigns.sending import send_due
from campaigns.transactional import queue_reward_issued
from loyalty.actions import adjust
from loyalty.models import Reward, RewardKind
from loyalty.rewards import redeem
from loyalty.rules import Rules
from tests.campaigns.mailing import BASE, KEY, MAIL_FROM
from tests.loyalty.helpers import RecordingIssuer, at, make_shop

pytestmark = pytest.mark.db


async def test_a_redeemed_reward_is_mailed_with_its_code_once_even_without_marketing_consent(db, smtp):
    shop = await make_shop("Maison Lune")
    await shop.program(Rules())
    _, profile = await shop.customer(email="ann@example.org", first="Ann", accepts_marketing=False)
    await adjust(profile, 500, reason="gift", actor="owner@shop", key="fund")
    await Suppression.create(merchant_id=shop.merchant.id, email="ann@example.org", reason="unsubscribed")
    reward = await Reward.create(
        merchant=shop.merchant, name="$5 off", kind=RewardKind.FIXED_AMOUNT, points_cost=100, value=Decimal("5")
    )
    redemption = await redeem(profile, reward.id, shop.store.id, RecordingIssuer(), now=at(1))
    message = await queue_reward_issued(redemption.id, at(1))
    again = await queue_reward_issued(redemption.id, at(1))
    assert (message.kind, message.status, again.id) == (MessageKind.TRANSACTIONAL, MessageStatus.QUEUED, message.id)
    await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=KEY, now=at(1))
    (received,) = smtp.to("ann@example.org")
    text = received.part("plain")
    assert redemption.code in text and "$5.00 off" in text and "Ann" in text and "400 points" in text
    assert received.message["List-Unsubscribe"] is None
