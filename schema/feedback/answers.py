"""A survey's answer as the admin API shows it (a profile's latest NPS or CSAT, a survey's answer)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from feedback.models import Survey
from schema.feedback.enums import SurveyKind


@strawberry.type(description="One answer to a survey: the score, the comment and when it was given")
class SurveyAnswer:
    kind: SurveyKind = strawberry.field(description="NPS (0-10) or CSAT (1-5)")
    score: int = strawberry.field(description="0-10 for NPS (9-10 promoter, 7-8 passive, 0-6 detractor); 1-5 for CSAT")
    comment: str | None = strawberry.field(description="the shopper's words; null when none (or erased)")
    answered_at: datetime

    @classmethod
    def of(cls, row: Survey) -> SurveyAnswer:
        """An answered survey's answer (``score`` and ``answered_at`` are set once answered)."""
        assert row.score is not None and row.answered_at is not None
        return cls(kind=row.kind, score=row.score, comment=row.comment or None, answered_at=row.answered_at)
