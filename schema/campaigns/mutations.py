"""The owner's campaign changes: create, update, preview, launch, pause, and the mail settings.

``campaigns`` makes each change and refuses what cannot work (``CampaignError`` with the path of
the field at fault); this module checks the ids belong to the caller's merchant, turns the
refusals into ``userErrors`` and, on launch, queues the run on the job runner: nothing is sent
while the request waits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry

from campaigns import manage
from campaigns.errors import CampaignError, CampaignErrorCode
from campaigns.settings import save_mail_config
from schema.campaigns.errors import CampaignUserError, camel, refused, user_error
from schema.campaigns.inputs import (
    CAMPAIGN_FIELDS,
    MAIL_FIELDS,
    CampaignCreateInput,
    CampaignIdInput,
    CampaignUpdateInput,
    MailSettingsInput,
    actions_json,
    given_fields,
)
from schema.campaigns.preview import CampaignPreview, preview_of
from schema.campaigns.types import CampaignNode, MailSettings
from schema.core.context import AdminInfo
from schema.core.ids import pk_of


@strawberry.type(description="The campaign as saved, or why it was not")
class CampaignPayload:
    campaign: CampaignNode | None
    user_errors: list[CampaignUserError]


@strawberry.type(description="What launching the campaign would do now, or why it cannot be previewed")
class CampaignPreviewPayload:
    preview: CampaignPreview | None
    user_errors: list[CampaignUserError]


@strawberry.type(description="The mail settings as saved, or why they were not")
class MailSettingsPayload:
    settings: MailSettings | None
    user_errors: list[CampaignUserError]


NOT_FOUND = "no such campaign of this merchant"


def _missing() -> CampaignPayload:
    return CampaignPayload(campaign=None, user_errors=[refused(NOT_FOUND, CampaignErrorCode.NOT_FOUND, "id")])


def _changes(given: CampaignCreateInput | CampaignUpdateInput) -> dict[str, Any]:
    changes = given_fields(given, CAMPAIGN_FIELDS)
    if given.audience is not None:
        changes["audience"] = given.audience
    if given.actions is not None:
        changes["actions"] = actions_json(given.actions)
    return changes


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(description="Create a campaign as a draft, from a built-in kind or from scratch (CUSTOM)")
    async def campaign_create(self, info: AdminInfo, input: CampaignCreateInput) -> CampaignPayload:
        try:
            row = await manage.create(info.context.viewer.merchant_id, input.kind, **_changes(input))
        except CampaignError as exc:
            return CampaignPayload(campaign=None, user_errors=[user_error(exc)])
        return CampaignPayload(campaign=CampaignNode.of(row), user_errors=[])

    @strawberry.mutation(description="Change a campaign; fields left out keep their value")
    async def campaign_update(self, info: AdminInfo, input: CampaignUpdateInput) -> CampaignPayload:
        pk = pk_of(input.id, "Campaign")
        if pk is None:
            return _missing()
        try:
            row = await manage.update(info.context.viewer.merchant_id, pk, **_changes(input))
        except CampaignError as exc:
            return CampaignPayload(campaign=None, user_errors=[user_error(exc)])
        info.context.loaders.campaigns.forget()
        return CampaignPayload(campaign=CampaignNode.of(row), user_errors=[])

    @strawberry.mutation(
        description="What launching would do now: audience size, treated and held-out members, a sample, "
        "the estimated cost and the email as a sample member would get it. Changes nothing."
    )
    async def campaign_preview(self, info: AdminInfo, input: CampaignIdInput) -> CampaignPreviewPayload:
        pk = pk_of(input.id, "Campaign")
        if pk is None:
            return CampaignPreviewPayload(
                preview=None, user_errors=[refused(NOT_FOUND, CampaignErrorCode.NOT_FOUND, "id")]
            )
        try:
            found = await preview_of(info, pk, datetime.now(UTC))
        except CampaignError as exc:
            return CampaignPreviewPayload(preview=None, user_errors=[user_error(exc)])
        return CampaignPreviewPayload(preview=found, user_errors=[])

    @strawberry.mutation(
        description="Start the campaign (a draft or paused one): its first run is queued at once and it runs "
        "after each insights refresh and every hour; emails go out from the job runner"
    )
    async def campaign_launch(self, info: AdminInfo, input: CampaignIdInput) -> CampaignPayload:
        merchant_id = info.context.viewer.merchant_id
        pk = pk_of(input.id, "Campaign")
        if pk is None:
            return _missing()
        try:
            row = await manage.launch(merchant_id, pk)
        except CampaignError as exc:
            return CampaignPayload(campaign=None, user_errors=[user_error(exc)])
        if info.context.services.campaigns is not None:
            await info.context.services.campaigns.run(merchant_id)
        info.context.loaders.campaigns.forget()
        return CampaignPayload(campaign=CampaignNode.of(row), user_errors=[])

    @strawberry.mutation(description="Stop an active campaign: nobody new enters; emails already queued still go")
    async def campaign_pause(self, info: AdminInfo, input: CampaignIdInput) -> CampaignPayload:
        pk = pk_of(input.id, "Campaign")
        if pk is None:
            return _missing()
        try:
            row = await manage.pause(info.context.viewer.merchant_id, pk)
        except CampaignError as exc:
            return CampaignPayload(campaign=None, user_errors=[user_error(exc)])
        info.context.loaders.campaigns.forget()
        return CampaignPayload(campaign=CampaignNode.of(row), user_errors=[])

    @strawberry.mutation(description="Change how the merchant's email looks and when it may go out")
    async def mail_settings_update(self, info: AdminInfo, input: MailSettingsInput) -> MailSettingsPayload:
        try:
            config = await save_mail_config(info.context.viewer.merchant_id, given_fields(input, MAIL_FIELDS))
        except CampaignError as exc:
            path = [camel(p) for p in exc.path if p != "settings"]
            message = str(exc)
            for name in MAIL_FIELDS:  # the message names the field as the input does
                message = message.replace(name, camel(name))
            return MailSettingsPayload(
                settings=None, user_errors=[CampaignUserError(field=["input", *path], message=message, code=exc.code)]
            )
        return MailSettingsPayload(settings=MailSettings.of(config), user_errors=[])
