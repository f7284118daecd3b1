"""The campaigns a merchant can switch on as they are: one per ``CampaignKind`` but custom, each
with its audience, actions, period, holdout and attribution window, and the kind of mail it sends.

Marketing kinds (win-back, at-risk, birthday, welcome, custom) ask for marketing consent in their
audience; the transactional kinds report the shopper's own account (points about to expire, a tier
reached or about to drop) and go out without it. Thresholds are ordinary conditions, so a merchant
edits "silent for 90 days" like any other audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaigns.definitions import Definition, parse
from campaigns.models import CampaignKind, MessageKind

MESSAGE_KIND: dict[CampaignKind, MessageKind] = {
    CampaignKind.WIN_BACK: MessageKind.MARKETING,
    CampaignKind.AT_RISK: MessageKind.MARKETING,
    CampaignKind.BIRTHDAY: MessageKind.MARKETING,
    CampaignKind.WELCOME: MessageKind.MARKETING,
    CampaignKind.CUSTOM: MessageKind.MARKETING,
    CampaignKind.POINTS_EXPIRY: MessageKind.TRANSACTIONAL,
    CampaignKind.TIER_REACHED: MessageKind.TRANSACTIONAL,
    CampaignKind.TIER_DROP: MessageKind.TRANSACTIONAL,
}

CONSENT = {"field": "marketing_consent", "op": "eq", "value": True}


@dataclass(frozen=True)
class Template:
    """A built-in campaign's defaults; ``audience`` and ``actions`` are the JSON a campaign stores."""

    kind: CampaignKind
    name: str
    description: str
    audience: dict[str, Any]
    actions: dict[str, Any]
    period_days: int
    holdout_percent: int = 10
    attribution_days: int = 30

    @property
    def message_kind(self) -> MessageKind:
        return MESSAGE_KIND[self.kind]

    @property
    def definition(self) -> Definition:
        return parse(self.audience, self.actions)


TEMPLATES: dict[CampaignKind, Template] = {
    t.kind: t
    for t in (
        Template(
            CampaignKind.WIN_BACK,
            "Win back VIPs",
            "VIP customers silent for 90 days or more get 15 % off for 30 days.",
            {
                "all": [
                    {"field": "value_tier", "op": "in", "value": ["vip"]},
                    {"field": "days_since_last_order", "op": "gte", "value": 90},
                    CONSENT,
                ]
            },
            {"code": {"kind": "percentage", "value": "15", "valid_days": 30}, "points": 0},
            period_days=90,
            attribution_days=30,
        ),
        Template(
            CampaignKind.AT_RISK,
            "At-risk nudge",
            "Customers whose value tier turned at risk get 5.00 off for 30 days.",
            {"all": [{"field": "value_tier", "op": "eq", "value": "at_risk"}, CONSENT]},
            {"code": {"kind": "fixed_amount", "value": "5.00", "valid_days": 30}, "points": 0},
            period_days=60,
        ),
        Template(
            CampaignKind.BIRTHDAY,
            "Birthday gift",
            "On their birthday (in their store's time zone) members get 200 points, once a year.",
            {"all": [{"field": "birthday_within_days", "op": "lte", "value": 0}, CONSENT]},
            {"code": None, "points": 200},
            period_days=365,
            attribution_days=14,
        ),
        Template(
            CampaignKind.POINTS_EXPIRY,
            "Points expiry reminder",
            "Members whose points expire within 14 days are reminded to use them.",
            {"all": [{"field": "points_expiring_within_days", "op": "lte", "value": 14}]},
            {"code": None, "points": 0},
            period_days=30,
            holdout_percent=0,
            attribution_days=14,
        ),
        Template(
            CampaignKind.TIER_REACHED,
            "Tier reached",
            "Members who reached a loyalty tier in the last day hear about it.",
            {"all": [{"field": "tier_changed_within_days", "op": "lte", "value": 1}]},
            {"code": None, "points": 0},
            period_days=30,
            holdout_percent=0,
        ),
        Template(
            CampaignKind.TIER_DROP,
            "Tier about to drop",
            "Members whose tier drops within 14 days are told what keeps it.",
            {"all": [{"field": "tier_drop_within_days", "op": "lte", "value": 14}]},
            {"code": None, "points": 0},
            period_days=30,
        ),
        Template(
            CampaignKind.WELCOME,
            "Welcome",
            "New members who accept marketing are welcomed once.",
            {"all": [{"field": "joined_within_days", "op": "lte", "value": 1}, CONSENT]},
            {"code": None, "points": 0},
            period_days=0,
        ),
    )
}


def template_for(kind: CampaignKind) -> Template:
    """The defaults of a built-in kind (``KeyError`` for custom, which has none)."""
    return TEMPLATES[kind]
