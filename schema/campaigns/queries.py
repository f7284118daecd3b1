"""Admin queries over campaigns: the list, one campaign, the send log, the built-in kinds, mail settings."""

from __future__ import annotations

from typing import Annotated

import strawberry

from campaigns.models import Campaign, Message
from campaigns.settings import load_mail_config
from schema.campaigns.enums import CampaignStatus, MessageStatus
from schema.campaigns.templates import CampaignTemplate, templates
from schema.campaigns.types import CAMPAIGNS, MESSAGES, CampaignNode, MailSettings, MessageNode
from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate


@strawberry.type
class CampaignQueries:
    @strawberry.field(description="The merchant's campaigns, newest first")
    async def campaigns(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: CampaignStatus | None = None,
    ) -> Connection[CampaignNode]:
        request = Window(first, after, last, before).request(CAMPAIGNS)
        queryset = Campaign.filter(merchant_id=info.context.viewer.merchant_id)
        if status is not None:
            queryset = queryset.filter(status=status)
        return await paginate(queryset, CAMPAIGNS, request, CampaignNode.of)

    @strawberry.field(description="A campaign of this merchant by id")
    async def campaign(self, info: AdminInfo, id: strawberry.ID) -> CampaignNode | None:
        row = await info.context.loaders.campaigns.campaign.load(expect_pk(id, "Campaign"))
        return CampaignNode.of(row) if row is not None else None

    @strawberry.field(description="The send log: every email to the merchant's shoppers, newest first")
    async def messages(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: MessageStatus | None = None,
        campaign_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="only the emails of this campaign")
        ] = None,
    ) -> Connection[MessageNode]:
        request = Window(first, after, last, before).request(MESSAGES)
        queryset = Message.filter(merchant_id=info.context.viewer.merchant_id)
        if status is not None:
            queryset = queryset.filter(status=status)
        if campaign_id is not None:
            queryset = queryset.filter(campaign_id=expect_pk(campaign_id, "Campaign", argument="campaignId"))
        return await paginate(queryset, MESSAGES, request, MessageNode.of)

    @strawberry.field(description="The built-in campaigns a new one can start from, with their audience and actions")
    def campaign_templates(self) -> list[CampaignTemplate]:
        return templates()

    @strawberry.field(description="How the merchant's email looks and when it may go out")
    async def mail_settings(self, info: AdminInfo) -> MailSettings:
        return MailSettings.of(await load_mail_config(info.context.viewer.merchant_id))
