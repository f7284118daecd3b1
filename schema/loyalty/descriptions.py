"""Plain-English lines for ledger entries, the way a shopper reads their points history.

Widgets may localize by ``kind``; this text is the English default. Order names and reward
names come from the request's loaders, so a page of entries costs one statement for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaigns.models import CampaignKind
from loyalty.models import Entry, EntryKind

if TYPE_CHECKING:
    from schema.loyalty.dataloaders import LoyaltyLoaders

ACTIONS = {
    "signup": "Joined the program",
    "birthday": "Birthday",
    "newsletter": "Newsletter sign-up",
    "review": "Product review",
    "first_order": "First order",
}
EXPIRY = {"fifo": "Points expired", "inactivity": "Points expired after inactivity"}

CAMPAIGN_BONUS: dict[str, str] = {
    CampaignKind.WIN_BACK: "Welcome back bonus",
    CampaignKind.AT_RISK: "We miss you bonus",
    CampaignKind.BIRTHDAY: "Birthday gift",
    CampaignKind.TIER_REACHED: "Bonus for your new tier",
    CampaignKind.WELCOME: "Welcome bonus",
}
"""How a campaign's points read in the shopper's history, by the campaign's kind (the entry's cause)."""


def order_label(name: str | None, order_id: int | None) -> str:
    if name:
        return f"Order {name}" if name.startswith("#") else f"Order #{name}"
    return "An order" if order_id is None else f"Order {order_id}"


def action_label(name: str) -> str:
    return ACTIONS.get(name) or name.replace("_", " ").strip().capitalize() or "Action"


async def describe(entry: Entry, loaders: LoyaltyLoaders) -> str:
    """What the entry was for, e.g. "Order #1042", "Redeemed $5 off", "Birthday"."""
    kind = EntryKind(entry.kind)
    if entry.order_id is not None and kind in (
        EntryKind.PENDING,
        EntryKind.EARN,
        EntryKind.RELEASE,
        EntryKind.CLAWBACK,
        EntryKind.REVERSAL,
    ):
        order = order_label(await loaders.order_name.load(entry.order_id), entry.order_id)
        return {
            EntryKind.PENDING: f"{order} (pending)",
            EntryKind.EARN: order,
            EntryKind.RELEASE: f"{order}: points released",
            EntryKind.CLAWBACK: f"{order}: refund",
            EntryKind.REVERSAL: f"{order}: cancelled",
        }[kind]
    match kind:
        case EntryKind.REDEEM | EntryKind.REDEEM_REFUND:
            reward = await _reward_name(entry, loaders)
            if kind == EntryKind.REDEEM:
                return f"Redeemed {reward}"
            why = "the code could not be issued" if entry.cause == "issue_failed" else "the code expired unused"
            return f"Points returned for {reward}: {why}"
        case EntryKind.ADJUST:
            return "Order points recalculated" if entry.cause == "replay" else "Manual adjustment"
        case EntryKind.ACTION:
            return action_label(entry.cause)
        case EntryKind.REFERRAL:
            return "Referred a friend" if entry.cause == "referrer" else "Welcome bonus for joining through a friend"
        case EntryKind.TIER_REWARD:
            return f"Reached {entry.cause}" if entry.cause else "Tier reward"
        case EntryKind.EXPIRE:
            return EXPIRY.get(entry.cause, "Points expired")
        case EntryKind.CAMPAIGN:
            return CAMPAIGN_BONUS.get(entry.cause, "Bonus points")
        case EntryKind.AUTOMATION:
            return f"Bonus: {entry.cause}" if entry.cause else "Bonus points"
        case EntryKind.TRANSFER_OUT:
            return "Points moved to a linked account"
        case EntryKind.TRANSFER_IN:
            return "Points moved from a linked account"
    return kind.value.replace("_", " ").capitalize()


async def _reward_name(entry: Entry, loaders: LoyaltyLoaders) -> str:
    redemption_id = (entry.data or {}).get("redemption_id")
    if not isinstance(redemption_id, int):
        return "a reward"
    redemption = await loaders.redemption.load(redemption_id)
    return redemption.reward.name if redemption is not None else "a reward"
