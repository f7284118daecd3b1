"""What the signed-in shopper sees of their feedback on the storefront (``me.feedback``): the survey
waiting for their answer, and their own complaints.

Only the shopper's own accounts count (``shopper_account_ids``: the signed-in account and those
whose loyalty owner they are), so another shopper's survey never shows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from feedback.models import Survey
from feedback.settings import load_feedback_config
from feedback.surveys import pending_survey, question_of, scale_of
from schema.core.context import StorefrontInfo
from schema.core.ids import to_gid
from schema.feedback.complaints import ShopperComplaint, shopper_account_ids, shopper_complaints
from schema.feedback.enums import SurveyKind


@strawberry.type(description="A survey waiting for the shopper's answer (answer it with surveyAnswer)")
class PendingSurvey:
    row: strawberry.Private[Survey]
    id: strawberry.ID = strawberry.field(description="the survey's id, for surveyAnswer")
    kind: SurveyKind = strawberry.field(description="NPS (0-10, how likely to recommend) or CSAT (1-5, how satisfied)")
    question: str = strawberry.field(description="the question to show, naming the store")
    scale_min: int = strawberry.field(description="the lowest score: 0 for NPS, 1 for CSAT")
    scale_max: int = strawberry.field(description="the highest score: 10 for NPS, 5 for CSAT")
    store_name: str = strawberry.field(description="the store the order was placed on")
    expires_at: datetime = strawberry.field(description="answers are refused after this time")
    points: int = strawberry.field(description="points for answering, whatever the score; 0 when none")

    @strawberry.field(description="the order the survey asks about, as the shopper knows it (#1001)")
    async def order_name(self, info: StorefrontInfo) -> str | None:
        if self.row.order_id is None:
            return None
        order = await info.context.loaders.feedback.order.load(self.row.order_id)
        return order.name if order is not None else None


@strawberry.type(description="The signed-in shopper's feedback: the survey waiting for them and their complaints")
class ShopperFeedback:
    @strawberry.field(description="The oldest survey sent to the shopper that is still open (unanswered, unexpired)")
    async def pending_survey(self, info: StorefrontInfo) -> PendingSurvey | None:
        now = datetime.now(UTC)
        row = await pending_survey(set(await shopper_account_ids(info)), now)
        if row is None:
            return None
        store = await info.context.loaders.feedback.store.load(row.store_id)
        store_name = (store.name or store.domain) if store is not None else ""
        low, high = scale_of(row.kind)
        config = await load_feedback_config(row.merchant_id)
        assert row.expires_at is not None  # a SENT survey has its expiry
        return PendingSurvey(
            row=row,
            id=to_gid("Survey", row.id),
            kind=row.kind,
            question=question_of(row.kind, store_name),
            scale_min=low,
            scale_max=high,
            store_name=store_name,
            expires_at=row.expires_at,
            points=config.survey_points,
        )

    # -- complaints (helper F2) ---------------------------------------------------------------

    @strawberry.field(description="The shopper's own complaints and requests, newest first (never internal notes)")
    async def complaints(self, info: StorefrontInfo, first: int = 10) -> list[ShopperComplaint]:
        return await shopper_complaints(info, first)
