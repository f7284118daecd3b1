"""Per-merchant feedback options: defaults here, a merchant's overrides in ``FeedbackSettings``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from feedback.errors import InvalidFeedback
from feedback.models import FeedbackSettings, SurveyKind


@dataclass(frozen=True)
class FeedbackConfig:
    """What a merchant may tune about surveys and customer service."""

    surveys_enabled: bool = True
    survey_kind: str = SurveyKind.NPS.value
    """``nps`` or ``csat``: what a fulfilled order's survey asks."""
    survey_delay_days: int = 3
    """Days after an order is fulfilled before its survey is sent (time to receive and try it)."""
    survey_interval_days: int = 90
    """At most one survey per person in this many days, whatever they order."""
    survey_valid_days: int = 30
    """How long a survey stays open for an answer once sent."""
    survey_points: int = 0
    """Points for answering (once per survey, whatever the score); 0 gives none."""
    response_target_minutes: int = 60
    """A complaint not answered this long after intake is a breach (the seeds' "within an hour")."""
    resolution_target_hours: int = 48
    """A complaint not resolved this long after intake is a breach."""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_overrides(cls, values: dict[str, Any]) -> FeedbackConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidFeedback(f"unknown feedback settings: {', '.join(sorted(unknown))}", ("settings",))
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        if not isinstance(self.surveys_enabled, bool):
            raise InvalidFeedback("surveys_enabled is true or false", ("settings", "surveys_enabled"))
        if self.survey_kind not in {k.value for k in SurveyKind}:
            raise InvalidFeedback("survey_kind is nps or csat", ("settings", "survey_kind"))
        bounds = {
            "survey_delay_days": (0, 90),
            "survey_interval_days": (0, 365),
            "survey_valid_days": (1, 365),
            "survey_points": (0, 10_000),
            "response_target_minutes": (1, 7 * 24 * 60),
            "resolution_target_hours": (1, 90 * 24),
        }
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidFeedback(f"{name} is a whole number from {low:,} to {high:,}", ("settings", name))


async def load_feedback_config(merchant_id: int) -> FeedbackConfig:
    row = await FeedbackSettings.get_or_none(merchant_id=merchant_id)
    return FeedbackConfig.from_overrides(row.values if row else {})


async def save_feedback_config(merchant_id: int, values: dict[str, Any]) -> FeedbackConfig:
    """Validate the overrides on top of the current ones and store them."""
    row = await FeedbackSettings.get_or_none(merchant_id=merchant_id)
    merged = {**(row.values if row else {}), **values}
    config = FeedbackConfig.from_overrides(merged)
    await FeedbackSettings.update_or_create(defaults={"values": merged}, merchant_id=merchant_id)
    return config
