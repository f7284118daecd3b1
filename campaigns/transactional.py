"""Transactional mail outside campaigns: the reward a shopper just redeemed, with its code.

It reports the shopper's own action, so it needs no marketing consent, ignores unsubscribes
(never bounces) and skips quiet hours (see ``campaigns.outbox``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from campaigns.models import Message, MessageKind
from campaigns.outbox import MessageRequest, queue_messages
from loyalty.models import Member, Redemption, Reward, RewardKind
from store.models import Customer, Store

REWARD_ISSUED = "reward_issued"
CODE_KIND = {
    RewardKind.FIXED_AMOUNT: "fixed_amount",
    RewardKind.POINTS_TO_CASH: "fixed_amount",
    RewardKind.PERCENTAGE: "percentage",
    RewardKind.FREE_SHIPPING: "free_shipping",
}


async def queue_reward_issued(redemption_id: int, now: datetime) -> Message:
    """Queue the email of a redeemed reward (once per redemption, whatever the retries)."""
    redemption = await Redemption.get(id=redemption_id)
    reward = await Reward.get(id=redemption.reward_id)
    store = await Store.get(id=redemption.store_id)
    member = await Member.get_or_none(profile_id=redemption.profile_id, merchant_id=redemption.merchant_id)
    names = (
        await Customer.filter(
            Q(owner_id=redemption.profile_id) | Q(profile_id=redemption.profile_id, owner_id=None),
            merchant_id=redemption.merchant_id,
            deleted_at=None,
        )
        .exclude(first_name=None)
        .order_by("is_guest", "-verified_email", "id")
        .limit(1)
        .values_list("first_name", flat=True)
    )
    domain = store.domain if store.domain.startswith(("http://", "https://")) else f"https://{store.domain}"
    data: dict[str, Any] = {
        "first_name": names[0] if names else None,
        "balance": member.available if member else None,
        "tier": member.tier if member else None,
        "code": redemption.code,
        "code_kind": CODE_KIND.get(reward.kind),
        "code_value": str(redemption.value) if reward.kind in CODE_KIND else None,
        "currency": redemption.currency,
        "code_expires_at": redemption.expires_at.isoformat() if redemption.expires_at else None,
        "store_name": store.name or store.domain,
        "store_url": domain.rstrip("/"),
    }
    (message,) = await queue_messages(
        [
            MessageRequest(
                merchant_id=redemption.merchant_id,
                key=f"reward:{redemption.id}",
                kind=MessageKind.TRANSACTIONAL,
                template=REWARD_ISSUED,
                profile_id=redemption.profile_id,
                store_id=store.id,
                data=data,
            )
        ],
        now,
    )
    return message
