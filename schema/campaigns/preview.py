"""What launching a campaign would do now, on the admin API: the audience and its split, a
sample of members (linking to their member pages), the estimated cost, and the email a sample
member would get, rendered by the mail channel exactly as it renders the real one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from campaigns import manage
from campaigns.builtin import MESSAGE_KIND
from campaigns.mail import preview as render_preview
from campaigns.settings import load_mail_config
from schema.campaigns.enums import Group, MessageKind
from schema.core.context import AdminInfo
from schema.core.money import Money
from store.models import Merchant

if TYPE_CHECKING:
    from schema.loyalty.admin.members import LoyaltyMemberNode
    from schema.people.types import ProfileNode


@strawberry.type(description="A member the campaign would pick now, and the group chance puts them in")
class CampaignPreviewMember:
    profile_id: strawberry.Private[int]
    member_id: strawberry.Private[int | None]
    group: Group

    @strawberry.field(description="the person")
    async def profile(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")] | None:
        from schema.people.types import ProfileNode

        row = await info.context.loaders.profile.load(self.profile_id)
        return ProfileNode.of(row) if row is not None else None

    @strawberry.field(description="their loyalty membership, whose page the dashboard links to")
    async def member(
        self, info: AdminInfo
    ) -> Annotated[LoyaltyMemberNode, strawberry.lazy("schema.loyalty.admin.members")] | None:
        from schema.loyalty.admin.members import LoyaltyMemberNode

        if self.member_id is None:
            return None
        row = await info.context.loaders.member.load(self.member_id)
        return LoyaltyMemberNode.of(row) if row is not None else None


@strawberry.type(description="The email as a sample member would get it: subject, HTML part and text part")
class CampaignEmailPreview:
    subject: str
    html: str = strawberry.field(description="show it in a sandboxed frame: it is a whole HTML document")
    text: str
    locale: str
    to_email: str | None = strawberry.field(description="the sample member's address, when they have one")
    marketing: bool = strawberry.field(description="sent only to shoppers who accept marketing, with unsubscribe")


@strawberry.type(description="What launching the campaign would do now; nothing is sent or saved")
class CampaignPreview:
    audience_size: int = strawberry.field(description="members the audience picks now, new to this period")
    treated: int = strawberry.field(description="of them, those who would get the actions")
    holdout: int = strawberry.field(description="of them, those held out to measure the effect")
    sample: list[CampaignPreviewMember] = strawberry.field(description="up to 10 of them")
    estimated_cost: Money | None = strawberry.field(
        description="codes at their full value and points at the program's point value, for every treated member"
    )
    cost_basis: str = strawberry.field(description="what the estimate counts, in a sentence")
    email: CampaignEmailPreview | None = strawberry.field(description="null when the campaign sends no email")


def _email(found: Any, rendered: Any, kind: MessageKind, locale: str) -> CampaignEmailPreview:
    return CampaignEmailPreview(
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        locale=locale,
        to_email=getattr(found, "sample_email", None),
        marketing=kind == MessageKind.MARKETING,
    )


def _shown_data(campaign: Any, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The sample member's figures with the campaign's own code terms: the preview never shows a
    minimum, an expiry or a code the campaign does not give."""
    code = (campaign.actions or {}).get("code")
    if not code:
        return {**data, "code": None, "code_kind": None, "code_value": None, "minimum_subtotal": None}
    expires = now + timedelta(days=int(code.get("valid_days", 30)))
    return {
        "code_kind": code["kind"],
        "code_value": code.get("value"),
        "minimum_subtotal": code.get("minimum_subtotal"),
        "code_expires_at": expires.isoformat(),
        **data,
    }


async def preview_of(info: AdminInfo, campaign_id: int, now: datetime) -> CampaignPreview:
    """The engine's preview of one of the merchant's campaigns, with the email rendered for its first
    treated sample member (the sample shopper of the mail templates when there is none)."""
    merchant_id = info.context.viewer.merchant_id
    found = await manage.preview(merchant_id, campaign_id, now)
    campaign = found.campaign
    email = None
    if campaign.actions.get("email", True):
        config = await load_mail_config(merchant_id)
        merchant = await Merchant.get(id=merchant_id)
        locale = found.sample_locale or config.locale
        rendered = render_preview(campaign, config, merchant, _shown_data(campaign, found.sample_data, now), locale)
        email = _email(found, rendered, MESSAGE_KIND[campaign.kind], locale)
    return CampaignPreview(
        audience_size=found.audience_size,
        treated=found.treated,
        holdout=found.holdout,
        sample=[
            CampaignPreviewMember(profile_id=s.profile_id, member_id=s.member_id, group=s.group) for s in found.sample
        ],
        estimated_cost=None if found.estimated_cost is None else Money.of(found.estimated_cost, found.currency),
        cost_basis=found.cost_basis,
        email=email,
    )
