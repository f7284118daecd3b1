"""Surveys in the APIs: the shopper answers their own survey on the storefront (``surveyAnswer``);
the merchant lists surveys and answers (``surveys``) and tunes surveys and service targets
(``feedbackSettings``, ``feedbackSettingsUpdate``).

``feedback`` decides and refuses (``FeedbackError`` with the path of the field at fault); this
module scopes ids to the caller (another shopper's or another merchant's survey is not found)
and turns refusals into ``userErrors``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from tortoise.expressions import Q

from feedback.errors import FeedbackError, FeedbackNotFound
from feedback.models import Survey
from feedback.settings import FeedbackConfig, load_feedback_config, save_feedback_config
from feedback.surveys import answer_survey
from schema.core.arguments import Window
from schema.core.context import AdminInfo, StorefrontInfo
from schema.core.errors import UserError
from schema.core.ids import expect_pk, pk_of, to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate
from schema.feedback.answers import SurveyAnswer
from schema.feedback.complaints import shopper_account_ids
from schema.feedback.enums import FeedbackErrorCode, SurveyKind, SurveyStatus
from store.models import Customer

if TYPE_CHECKING:
    from schema.orders.types import OrderNode
    from schema.people.types import ProfileNode

SURVEYS = Ordering("send_at")
_SNAKE = re.compile(r"_([a-z])")
SETTINGS_FIELDS = (
    "surveys_enabled",
    "survey_kind",
    "survey_delay_days",
    "survey_interval_days",
    "survey_valid_days",
    "survey_points",
    "response_target_minutes",
    "resolution_target_hours",
)


def camel(name: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


@strawberry.type(description="Why a survey or feedback settings mutation did nothing")
class SurveyUserError(UserError):
    code: FeedbackErrorCode = strawberry.field(
        description="NOT_FOUND (no such survey of yours), ALREADY_ANSWERED, EXPIRED, or INVALID (a score out of "
        "range, a comment too long, a setting out of bounds)"
    )


def refusal(exc: FeedbackError, names: tuple[str, ...] = ()) -> SurveyUserError:
    """A refusal at ``input.<its path>``, camelCased as the client wrote it."""
    path = [camel(part) for part in exc.path if part != "settings"]
    message = str(exc)
    for name in names:  # the message names the field as the input does
        message = message.replace(name, camel(name))
    return SurveyUserError(field=["input", *path] if path else None, message=message, code=FeedbackErrorCode(exc.code))


# -- storefront ---------------------------------------------------------------------------------


@strawberry.type(description="The survey as the shopper answered it")
class AnsweredSurvey:
    id: strawberry.ID
    kind: SurveyKind
    score: int = strawberry.field(description="the score given")
    comment: str | None = strawberry.field(description="the comment given, if any")
    answered_at: datetime


@strawberry.input(description="The shopper's answer to one of their surveys")
class SurveyAnswerInput:
    survey_id: strawberry.ID = strawberry.field(description="the pending survey's id (me.feedback.pendingSurvey.id)")
    score: int = strawberry.field(description="0-10 for NPS, 1-5 for CSAT")
    comment: str | None = strawberry.field(default=None, description="optional, at most 2,000 characters")


@strawberry.type(description="The answer as recorded, with the points it earned, or why it was not recorded")
class SurveyAnswerPayload:
    survey: AnsweredSurvey | None
    points_awarded: int = strawberry.field(description="points paid for answering (the same whatever the score)")
    user_errors: list[SurveyUserError]


@strawberry.type
class SurveyStorefrontMutations:
    @strawberry.mutation(
        description="Answer one of the signed-in shopper's own surveys, once: a survey already answered or expired "
        "is refused, another shopper's is not found. Points for answering never depend on the score"
    )
    async def survey_answer(self, info: StorefrontInfo, input: SurveyAnswerInput) -> SurveyAnswerPayload:
        info.context.require_shopper()
        accounts = set(await shopper_account_ids(info))
        pk = pk_of(input.survey_id, "Survey")
        now = datetime.now(UTC)
        try:
            if pk is None or not accounts:
                raise FeedbackNotFound("no such survey", ("surveyId",))
            answered = await answer_survey(pk, input.score, input.comment, now, accounts=accounts)
        except FeedbackError as exc:
            return SurveyAnswerPayload(survey=None, points_awarded=0, user_errors=[refusal(exc)])
        row = answered.survey
        assert row.score is not None and row.answered_at is not None
        survey = AnsweredSurvey(
            id=to_gid("Survey", row.id),
            kind=row.kind,
            score=row.score,
            comment=row.comment,
            answered_at=row.answered_at,
        )
        return SurveyAnswerPayload(survey=survey, points_awarded=answered.points, user_errors=[])


# -- admin --------------------------------------------------------------------------------------


@strawberry.type(name="Survey", description="One survey invitation after a fulfilled order, and its answer")
class SurveyNode(Node):
    row: strawberry.Private[Survey]
    kind: SurveyKind
    status: SurveyStatus
    reason: str = strawberry.field(description="why it was cancelled (too_recent, disabled, order_changed, erased)")
    channel: str = strawberry.field(description="email (mailed and shown in the widget) or widget (no consent to mail)")
    send_at: datetime = strawberry.field(description="the order's fulfilment plus the merchant's delay")
    sent_at: datetime | None
    expires_at: datetime | None = strawberry.field(description="answers are refused after it")
    points_paid: int = strawberry.field(description="points paid for the answer")

    @strawberry.field(description="the answer; null until answered")
    def answer(self) -> SurveyAnswer | None:
        return SurveyAnswer.of(self.row) if self.row.answered_at is not None and self.row.score is not None else None

    @strawberry.field(description="the person asked")
    async def profile(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")] | None:
        from schema.people.types import ProfileNode

        row = await info.context.loaders.profile.load(self.row.profile_id)
        return ProfileNode.of(row) if row is not None else None

    @strawberry.field(description="the fulfilled order it asks about")
    async def order(self, info: AdminInfo) -> Annotated[OrderNode, strawberry.lazy("schema.orders.types")] | None:
        from schema.orders.types import OrderNode

        if self.row.order_id is None:
            return None
        row = await info.context.loaders.feedback.order.load(self.row.order_id)
        return OrderNode.of(row) if row is not None else None

    @classmethod
    def of(cls, row: Survey) -> SurveyNode:
        return cls(
            id=to_gid("Survey", row.id),
            row=row,
            kind=row.kind,
            status=row.status,
            reason=row.reason,
            channel=row.channel,
            send_at=row.send_at,
            sent_at=row.sent_at,
            expires_at=row.expires_at,
            points_paid=row.points_paid,
        )


async def survey_node(info: AdminInfo, pk: int) -> SurveyNode | None:
    row = await Survey.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id)
    return SurveyNode.of(row) if row is not None else None


@strawberry.type(description="How surveys go out and how fast complaints should be handled")
class FeedbackSettingsNode:
    surveys_enabled: bool = strawberry.field(description="send a survey after fulfilled orders")
    survey_kind: SurveyKind = strawberry.field(description="NPS (0-10) or CSAT (1-5)")
    survey_delay_days: int = strawberry.field(description="days after fulfilment before the survey goes out (0-90)")
    survey_interval_days: int = strawberry.field(description="at most one survey per person in this many days")
    survey_valid_days: int = strawberry.field(description="days a sent survey stays open for an answer")
    survey_points: int = strawberry.field(description="points for answering, whatever the score; 0 gives none")
    response_target_minutes: int = strawberry.field(description="a complaint unanswered this long is a breach")
    resolution_target_hours: int = strawberry.field(description="a complaint unresolved this long is a breach")

    @classmethod
    def of(cls, config: FeedbackConfig) -> FeedbackSettingsNode:
        values: dict[str, Any] = config.to_json()
        values["survey_kind"] = SurveyKind(values["survey_kind"])
        return cls(**values)


@strawberry.input(description="New feedback settings; a field left out keeps its value")
class FeedbackSettingsInput:
    surveys_enabled: bool | None = None
    survey_kind: SurveyKind | None = None
    survey_delay_days: int | None = None
    survey_interval_days: int | None = None
    survey_valid_days: int | None = None
    survey_points: int | None = None
    response_target_minutes: int | None = None
    resolution_target_hours: int | None = None


@strawberry.type(description="The feedback settings as saved, or why they were not")
class FeedbackSettingsPayload:
    settings: FeedbackSettingsNode | None
    user_errors: list[SurveyUserError]


@strawberry.type
class SurveyQueries:
    @strawberry.field(description="The merchant's surveys, latest send time first")
    async def surveys(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        kind: SurveyKind | None = None,
        answered: Annotated[
            bool | None, strawberry.argument(description="true: answered only; false: not answered")
        ] = None,
        profile_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="only the surveys of this person")
        ] = None,
    ) -> Connection[SurveyNode]:
        request = Window(first, after, last, before).request(SURVEYS)
        merchant_id = info.context.viewer.merchant_id
        queryset = Survey.filter(merchant_id=merchant_id)
        if kind is not None:
            queryset = queryset.filter(kind=kind)
        if answered is not None:
            queryset = queryset.filter(answered_at__not_isnull=answered)
        if profile_id is not None:
            pid = expect_pk(profile_id, "Profile", argument="profileId")
            accounts = Customer.filter(merchant_id=merchant_id, profile_id=pid).values_list("id", flat=True)
            queryset = queryset.filter(Q(profile_id=pid) | Q(customer_id__in=await accounts))
        return await paginate(queryset, SURVEYS, request, SurveyNode.of)

    @strawberry.field(description="How surveys go out and the complaint response and resolution targets")
    async def feedback_settings(self, info: AdminInfo) -> FeedbackSettingsNode:
        return FeedbackSettingsNode.of(await load_feedback_config(info.context.viewer.merchant_id))


@strawberry.type
class FeedbackSettingsMutations:
    @strawberry.mutation(description="Change how surveys go out and the complaint targets; fields left out keep theirs")
    async def feedback_settings_update(self, info: AdminInfo, input: FeedbackSettingsInput) -> FeedbackSettingsPayload:
        values: dict[str, Any] = {}
        for name in SETTINGS_FIELDS:
            value = getattr(input, name)
            if value is not None:
                values[name] = value.value if name == "survey_kind" else value
        try:
            config = await save_feedback_config(info.context.viewer.merchant_id, values)
        except FeedbackError as exc:
            return FeedbackSettingsPayload(settings=None, user_errors=[refusal(exc, SETTINGS_FIELDS)])
        return FeedbackSettingsPayload(settings=FeedbackSettingsNode.of(config), user_errors=[])
