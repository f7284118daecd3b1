"""Who may redeem a reward, as the owner sets it: a tier, value tiers, a launch with early access,
a per-member limit and stock, each problem reported at its input field.

The rules themselves are loyalty's (``loyalty.eligibility.check_settings``); the value tier names
are insights' vocabulary, checked here because loyalty does not read insights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import strawberry

from insights.models import ValueTier
from loyalty import models as lm
from loyalty.eligibility import check_settings
from loyalty.rules import Rules
from schema.loyalty.admin.errors import LoyaltyUserError, invalid
from schema.loyalty.admin.inputs import RewardCreateInput, RewardUpdateInput

MAX_LIMIT = 1_000_000
MAX_STOCK = 1_000_000_000
MAX_PERIOD_DAYS = 3650
VALUE_TIERS = tuple(t.value for t in ValueTier)


@dataclass
class EligibilityDraft:
    """A reward's eligibility columns as they would be saved."""

    min_tier: str | None = None
    value_tiers: list[str] = field(default_factory=list)
    starts_at: datetime | None = None
    early_tier: str | None = None
    early_starts_at: datetime | None = None
    per_member_limit: int = 0
    limit_period_days: int = 0
    stock: int | None = None

    @classmethod
    def of(cls, row: lm.Reward) -> EligibilityDraft:
        return cls(
            min_tier=row.min_tier,
            value_tiers=list(row.value_tiers or []),
            starts_at=row.starts_at,
            early_tier=row.early_tier,
            early_starts_at=row.early_starts_at,
            per_member_limit=row.per_member_limit,
            limit_period_days=row.limit_period_days,
            stock=row.stock,
        )

    def apply(self, data: RewardCreateInput | RewardUpdateInput) -> EligibilityDraft:
        """The input's fields over these: a field left out keeps its value, null clears it."""
        for name in ("min_tier", "early_tier"):
            value = getattr(data, name)
            if value is not strawberry.UNSET:
                setattr(self, name, (value or "").strip() or None)
        for name in ("starts_at", "early_starts_at", "stock"):
            value = getattr(data, name)
            if value is not strawberry.UNSET:
                setattr(self, name, _utc(value) if isinstance(value, datetime) else value)
        if data.value_tiers is not strawberry.UNSET:
            self.value_tiers = [v.strip().lower() for v in data.value_tiers or []]
        for name in ("per_member_limit", "limit_period_days"):
            value = getattr(data, name)
            if value is not strawberry.UNSET and value is not None:
                setattr(self, name, value)
        return self

    def columns(self) -> dict[str, Any]:
        return asdict(self)


def _utc(when: datetime) -> datetime:
    """A date without a zone is taken as UTC, as the API's other times are."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def eligibility_problems(draft: EligibilityDraft, rules: Rules | None) -> list[LoyaltyUserError]:
    """What is wrong with the settings, each at its input field (``["input", "valueTiers", "1"]``)."""
    if len(draft.value_tiers) > len(VALUE_TIERS):
        return [invalid(f"at most {len(VALUE_TIERS)} value tiers ({', '.join(VALUE_TIERS)})", "valueTiers")]
    errors: list[LoyaltyUserError] = []
    for i, name in enumerate(draft.value_tiers):
        if name not in VALUE_TIERS:
            errors.append(
                invalid(f"{name!r} is not a value tier (use: {', '.join(VALUE_TIERS)})", "valueTiers", str(i))
            )
    if len(set(draft.value_tiers)) != len(draft.value_tiers):
        errors.append(invalid("each value tier once", "valueTiers"))
    if draft.per_member_limit > MAX_LIMIT:
        errors.append(invalid(f"perMemberLimit must be at most {MAX_LIMIT}", "perMemberLimit"))
    if draft.limit_period_days > MAX_PERIOD_DAYS:
        errors.append(invalid(f"limitPeriodDays must be at most {MAX_PERIOD_DAYS}", "limitPeriodDays"))
    if draft.stock is not None and draft.stock > MAX_STOCK:
        errors.append(invalid(f"stock must be at most {MAX_STOCK}", "stock"))
    for problem in check_settings(
        rules,
        min_tier=draft.min_tier,
        early_tier=draft.early_tier,
        starts_at=draft.starts_at,
        early_starts_at=draft.early_starts_at,
        per_member_limit=draft.per_member_limit,
        limit_period_days=draft.limit_period_days,
        stock=draft.stock,
    ):
        errors.append(invalid(problem.message, problem.field))
    return errors
