"""The built-in campaigns as the dashboard offers them: "start from win-back" with its defaults."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from campaigns.builtin import TEMPLATES
from schema.campaigns.enums import CampaignKind, MessageKind
from schema.campaigns.types import CampaignActions


@strawberry.type(description="A built-in campaign: what a new campaign of its kind starts from")
class CampaignTemplate:
    kind: CampaignKind
    name: str
    description: str
    message_kind: MessageKind = strawberry.field(description="marketing email needs the shopper's consent")
    audience: JSON
    actions: CampaignActions
    period_days: int
    holdout_percent: int
    attribution_days: int


def templates() -> list[CampaignTemplate]:
    return [
        CampaignTemplate(
            kind=t.kind,
            name=t.name,
            description=t.description,
            message_kind=t.message_kind,
            audience=cast(JSON, t.audience),
            actions=CampaignActions.of(t.actions),
            period_days=t.period_days,
            holdout_percent=t.holdout_percent,
            attribution_days=t.attribution_days,
        )
        for t in TEMPLATES.values()
    ]
