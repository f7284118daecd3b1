"""Feedback's own enums as both APIs name them, registered once, before any type uses them.

Every helper of the feedback schema imports its enums from here, so each is passed to
``strawberry.enum`` exactly once in the whole schema.
"""

from __future__ import annotations

import strawberry

from feedback.errors import FeedbackErrorCode
from feedback.models import (
    ComplaintCategory,
    ComplaintKind,
    ComplaintStatus,
    FeedbackSource,
    MessageAuthor,
    SurveyKind,
    SurveyStatus,
)

strawberry.enum(
    SurveyKind, name="SurveyKind", description="NPS asks 0-10 (how likely to recommend); CSAT asks 1-5 (how satisfied)"
)
strawberry.enum(
    SurveyStatus,
    name="SurveyStatus",
    description="Scheduled (waits for its send time), sent (open for an answer until it expires), answered, "
    "expired or cancelled",
)
strawberry.enum(ComplaintKind, name="ComplaintKind", description="A complaint (something went wrong) or a request")
strawberry.enum(ComplaintCategory, name="ComplaintCategory", description="What a complaint or request is about")
strawberry.enum(
    ComplaintStatus,
    name="ComplaintStatus",
    description="Open (waiting for the merchant), waiting (answered, waiting for the shopper) or resolved",
)
strawberry.enum(FeedbackSource, name="FeedbackSource", description="Where a complaint or review came from")
strawberry.enum(
    MessageAuthor,
    name="ComplaintMessageAuthor",
    description="The shopper, the merchant (a reply, mailed to the shopper) or an internal note (never shown to "
    "the shopper)",
)
strawberry.enum(FeedbackErrorCode, name="FeedbackErrorCode", description="Why a feedback mutation did nothing")

__all__ = [
    "ComplaintCategory",
    "ComplaintKind",
    "ComplaintStatus",
    "FeedbackErrorCode",
    "FeedbackSource",
    "MessageAuthor",
    "SurveyKind",
    "SurveyStatus",
]
