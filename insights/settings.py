"""Per-merchant insight options: defaults here, a merchant's overrides in ``InsightsSettings``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from insights.errors import InvalidSettings
from insights.models import InsightsSettings
from insights.segments.rules import DEFAULT_RULES, SegmentRule, TierThresholds


@dataclass(frozen=True)
class InsightsConfig:
    """Everything a merchant may tune; the defaults suit a small to mid-sized store."""

    email_provider_aliases: bool = False
    """Fold Gmail dots and plus tags (and plus tags of other big providers) before matching."""
    default_phone_region: str = "US"
    """Region assumed for phone numbers written without a country code."""
    fuzzy_matching: bool = False
    """Also merge on similar name plus similar address (never on a name alone)."""
    fuzzy_threshold: float = 0.92
    segment_rules: tuple[SegmentRule, ...] = DEFAULT_RULES
    tiers: TierThresholds = field(default_factory=TierThresholds)
    churn_high_below: float = 0.3
    """P(alive) below this is high churn risk."""
    churn_medium_below: float = 0.7
    clv_horizon_days: int = 365
    clv_annual_discount_rate: float = 0.10
    recommendations: int = 10

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_overrides(cls, values: dict[str, Any]) -> InsightsConfig:
        """Defaults with ``values`` on top; unknown names are an error, not silently ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidSettings(f"unknown insight settings: {', '.join(sorted(unknown))}")
        kwargs = dict(values)
        if "segment_rules" in kwargs:
            kwargs["segment_rules"] = tuple(
                r if isinstance(r, SegmentRule) else SegmentRule.from_json(r) for r in kwargs["segment_rules"]
            )
        if "tiers" in kwargs and not isinstance(kwargs["tiers"], TierThresholds):
            kwargs["tiers"] = TierThresholds(**kwargs["tiers"])
        config = cls(**kwargs)
        config.validate()
        return config

    def validate(self) -> None:
        if not 0 < self.fuzzy_threshold <= 1:
            raise InvalidSettings("fuzzy_threshold must be in (0, 1]")
        if not 0 <= self.churn_high_below <= self.churn_medium_below <= 1:
            raise InvalidSettings("churn thresholds must satisfy 0 <= high <= medium <= 1")
        if self.clv_horizon_days < 1 or self.recommendations < 1:
            raise InvalidSettings("clv_horizon_days and recommendations must be positive")
        self.tiers.validate()


async def load_config(merchant_id: int) -> InsightsConfig:
    row = await InsightsSettings.get_or_none(merchant_id=merchant_id)
    return InsightsConfig.from_overrides(row.values if row else {})


async def save_config(merchant_id: int, **overrides: Any) -> InsightsConfig:
    """Merge ``overrides`` into the merchant's stored options (validated before saving)."""
    row = await InsightsSettings.get_or_none(merchant_id=merchant_id)
    values = {**(row.values if row else {}), **_jsonable(overrides)}
    config = InsightsConfig.from_overrides(values)
    if row is None:
        await InsightsSettings.create(merchant_id=merchant_id, values=values)
    else:
        row.values = values
        await row.save(update_fields=["values", "updated_at"])
    return config


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        elif isinstance(value, tuple | list):
            value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]
        out[name] = value
    return out
