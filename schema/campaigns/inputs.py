"""Inputs of the campaign mutations, and their translation into what ``campaigns`` parses.

The audience is JSON (its conditions nest and their values vary in type); ``campaigns``
refuses a bad one with the path of the field at fault. Actions are typed here and handed over
as the plain dict ``campaigns.definitions.parse_actions`` reads, so both refuse the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.campaigns.enums import CampaignKind, CodeKind


@strawberry.input(description="A single-use discount code for each treated member")
class CampaignCodeInput:
    kind: CodeKind
    value: Decimal = strawberry.field(
        default=Decimal("0"), description="the amount off in the store's currency, or the percentage"
    )
    valid_days: int = strawberry.field(default=30, description="1 to 365")
    minimum_subtotal: Decimal | None = None


@strawberry.input(description="What each treated member gets; the holdout gets none of it")
class CampaignActionsInput:
    code: CampaignCodeInput | None = None
    points: int = strawberry.field(default=0, description="0 to 100,000")
    email: bool = True
    event: bool = True


def actions_json(given: CampaignActionsInput) -> dict[str, Any]:
    code = given.code
    return {
        "code": None
        if code is None
        else {
            "kind": code.kind.value,
            "value": str(code.value),
            "valid_days": code.valid_days,
            "minimum_subtotal": None if code.minimum_subtotal is None else str(code.minimum_subtotal),
        },
        "points": given.points,
        "email": given.email,
        "event": given.event,
    }


@strawberry.input(description="A new campaign, as a draft: a built-in kind's defaults with what is given here")
class CampaignCreateInput:
    kind: CampaignKind = strawberry.field(description="a built-in kind starts from its audience and actions")
    name: str = strawberry.field(description="unique among the merchant's campaigns, at most 200 characters")
    audience: JSON | None = strawberry.field(
        default=None, description="replaces the kind's audience (required for CUSTOM)"
    )
    actions: CampaignActionsInput | None = strawberry.field(default=None, description="replaces the kind's actions")
    period_days: int | None = None
    holdout_percent: int | None = strawberry.field(default=None, description="0 to 50; the kind's default is 10")
    attribution_days: int | None = None
    subject: str | None = strawberry.field(default=None, description="Liquid, e.g. {{ first_name }}, we miss you")
    body: str | None = strawberry.field(default=None, description="Liquid: the message paragraph of the email")


@strawberry.input(description="Changes to a campaign; a field left out keeps its value")
class CampaignUpdateInput:
    id: strawberry.ID
    name: str | None = None
    audience: JSON | None = None
    actions: CampaignActionsInput | None = None
    period_days: int | None = None
    holdout_percent: int | None = None
    attribution_days: int | None = None
    subject: str | None = None
    body: str | None = None


@strawberry.input(description="A campaign to act on")
class CampaignIdInput:
    id: strawberry.ID


@strawberry.input(description="New mail settings; a field left out keeps its value")
class MailSettingsInput:
    sender_name: str | None = None
    brand_colour: str | None = None
    accent_colour: str | None = None
    locale: str | None = None
    quiet_start_hour: int | None = None
    quiet_end_hour: int | None = None
    frequency_cap: int | None = None
    frequency_days: int | None = None


def given_fields(value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of an input that were given (not left out)."""
    return {name: getattr(value, name) for name in names if getattr(value, name) is not None}


CAMPAIGN_FIELDS = ("name", "period_days", "holdout_percent", "attribution_days", "subject", "body")
MAIL_FIELDS = (
    "sender_name",
    "brand_colour",
    "accent_colour",
    "locale",
    "quiet_start_hour",
    "quiet_end_hour",
    "frequency_cap",
    "frequency_days",
)
