"""Admin types of campaigns: the campaign with its definition, its send log, and the mail settings.

A campaign's audience is shown as the JSON it is stored as (conditions nest, and a condition's
value is a number, a word, a list or a boolean); its actions are typed. Messages show the full
address: the owner is the one writing to their own customers. The log never holds it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from campaigns.models import Campaign, Message
from campaigns.results import results_of
from campaigns.settings import MailConfig
from schema.campaigns.enums import CampaignKind, CampaignStatus, CodeKind, MessageKind, MessageStatus
from schema.campaigns.results import CampaignResults
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Ordering

if TYPE_CHECKING:
    from schema.people.types import ProfileNode


CAMPAIGNS = Ordering("created_at")
"""Campaigns newest first."""
MESSAGES = Ordering("created_at")
"""The send log newest first."""


@strawberry.type(description="A single-use discount code each treated member gets, on the store they last bought on")
class CampaignCode:
    kind: CodeKind
    value: Decimal = strawberry.field(description="the amount off (store currency) or the percentage; 0 for shipping")
    valid_days: int = strawberry.field(description="the code expires this many days after it is made")
    minimum_subtotal: Decimal | None = strawberry.field(description="the order subtotal the code needs, if any")


@strawberry.type(description="What each treated member gets")
class CampaignActions:
    code: CampaignCode | None
    points: int = strawberry.field(description="points granted on entry")
    email: bool = strawberry.field(description="an email is sent (marketing kinds only to those who accept it)")
    event: bool = strawberry.field(description="the signed campaign.entered event goes to the merchant's endpoints")

    @classmethod
    def of(cls, data: dict[str, Any]) -> CampaignActions:
        code = data.get("code")
        return cls(
            code=CampaignCode(
                kind=CodeKind(code["kind"]),
                value=Decimal(str(code.get("value") or "0")),
                valid_days=int(code.get("valid_days", 30)),
                minimum_subtotal=None
                if code.get("minimum_subtotal") is None
                else Decimal(str(code["minimum_subtotal"])),
            )
            if code
            else None,
            points=int(data.get("points", 0)),
            email=bool(data.get("email", True)),
            event=bool(data.get("event", True)),
        )


@strawberry.type(name="Campaign", description="Who enters (audience), what they get (actions), and how often")
class CampaignNode(Node):
    row: strawberry.Private[Campaign]
    name: str
    kind: CampaignKind
    status: CampaignStatus
    audience: JSON = strawberry.field(
        description='conditions combined with all/any: {"all": [{"field": "value_tier", "op": "in", '
        '"value": ["vip"]}, ...]}'
    )
    actions: CampaignActions
    period_days: int = strawberry.field(description="a member enters at most once per this many days; 0: once ever")
    holdout_percent: int = strawberry.field(description="share of the audience held out and sent nothing, 0 to 50")
    attribution_days: int = strawberry.field(description="orders this many days after entry count in the results")
    subject: str = strawberry.field(description="the email's subject (Liquid) when it replaces the kind's own")
    body: str = strawberry.field(description="the email's message paragraph (Liquid) when it replaces the kind's own")
    launched_at: datetime | None
    paused_at: datetime | None
    last_run_at: datetime | None = strawberry.field(description="when the campaign last entered members")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Members entered so far, treated and held out, every period together")
    async def entered(self, info: AdminInfo) -> int:
        return (await info.context.loaders.campaigns.stats.load(self.row.id)).entered

    @strawberry.field(description="Emails the mail server accepted")
    async def sent(self, info: AdminInfo) -> int:
        return (await info.context.loaders.campaigns.stats.load(self.row.id)).sent

    @strawberry.field(
        description="What the campaign sent and what its members bought, treated against the holdout, "
        "with the difference, its interval and the cost"
    )
    async def results(self) -> CampaignResults:
        return CampaignResults.of(await results_of(self.row.id, datetime.now(UTC), merchant_id=self.row.merchant_id))

    @classmethod
    def of(cls, row: Campaign) -> CampaignNode:
        return cls(
            id=to_gid("Campaign", row.id),
            row=row,
            name=row.name,
            kind=row.kind,
            status=row.status,
            audience=cast(JSON, row.audience),
            actions=CampaignActions.of(row.actions or {}),
            period_days=row.period_days,
            holdout_percent=row.holdout_percent,
            attribution_days=row.attribution_days,
            subject=row.subject,
            body=row.body,
            launched_at=row.launched_at,
            paused_at=row.paused_at,
            last_run_at=row.last_run_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(name="CampaignMessage", description="One email to one shopper, from queued to the server's answer")
class MessageNode(Node):
    row: strawberry.Private[Message]
    kind: MessageKind
    template: str = strawberry.field(description="the campaign kind or transactional template it was written from")
    locale: str
    to_email: str | None = strawberry.field(description="the address; null once the shopper's data was erased")
    subject: str
    status: MessageStatus
    reason: str = strawberry.field(description="why it was skipped, bounced or failed, in a word")
    attempts: int
    send_after: datetime = strawberry.field(description="not sent before (quiet hours, retry backoff)")
    sent_at: datetime | None
    opened_at: datetime | None = strawberry.field(description="first opened, where the mail client showed images")
    last_error: str | None = strawberry.field(description="the mail server's last answer when it refused")
    created_at: datetime

    @strawberry.field(description="The campaign that sent it; null for transactional mail outside campaigns")
    async def campaign(self, info: AdminInfo) -> CampaignNode | None:
        if self.row.campaign_id is None:
            return None
        row = await info.context.loaders.campaigns.campaign.load(self.row.campaign_id)
        return CampaignNode.of(row) if row is not None else None

    @strawberry.field(description="The person it was written to")
    async def profile(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")] | None:
        from schema.people.types import ProfileNode

        if self.row.profile_id is None:
            return None
        row = await info.context.loaders.profile.load(self.row.profile_id)
        return ProfileNode.of(row) if row is not None else None

    @classmethod
    def of(cls, row: Message) -> MessageNode:
        return cls(
            id=to_gid("CampaignMessage", row.id),
            row=row,
            kind=row.kind,
            template=row.template,
            locale=row.locale,
            to_email=row.to_email,
            subject=row.subject,
            status=row.status,
            reason=row.reason,
            attempts=row.attempts,
            send_after=row.send_after,
            sent_at=row.sent_at,
            opened_at=row.opened_at,
            last_error=row.last_error,
            created_at=row.created_at,
        )


@strawberry.type(description="How the merchant's email looks and when it may go out")
class MailSettings:
    sender_name: str = strawberry.field(description="shown in From; empty: the merchant's name")
    brand_colour: str = strawberry.field(description="a colour such as #1f4e79")
    accent_colour: str
    locale: str = strawberry.field(description="en or fr, when the shopper's own language is unknown")
    quiet_start_hour: int = strawberry.field(description="no marketing email from this hour (store time zone)")
    quiet_end_hour: int = strawberry.field(description="until this hour")
    frequency_cap: int = strawberry.field(description="at most this many marketing emails per shopper")
    frequency_days: int = strawberry.field(description="in this many days, across campaigns")

    @classmethod
    def of(cls, config: MailConfig) -> MailSettings:
        return cls(**config.to_json())
