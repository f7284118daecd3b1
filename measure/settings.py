"""Per-merchant measurement options: defaults here, a merchant's overrides in ``MeasureSettings``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from measure.models import MeasureSettings


class InvalidMeasureSettings(ValueError):
    """A setting out of its range; ``path`` names the field at fault."""

    code = "INVALID"

    def __init__(self, message: str, path: tuple[str, ...]) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class MeasureConfig:
    margin_rate: float = 0.3
    """The share of revenue the merchant keeps after the cost of goods: what turns the program's
    incremental revenue into margin for its return."""
    window_days: int = 90
    """Days after a member's join day over which members and their matched non-members are compared."""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_overrides(cls, values: dict[str, Any]) -> MeasureConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidMeasureSettings(f"unknown measure settings: {', '.join(sorted(unknown))}", ("settings",))
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        rate = self.margin_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
            raise InvalidMeasureSettings("margin_rate is a share above 0 and at most 1 (0.3 is 30 %)", ("margin_rate",))
        days = self.window_days
        if isinstance(days, bool) or not isinstance(days, int) or not 7 <= days <= 365:
            raise InvalidMeasureSettings("window_days is a whole number from 7 to 365", ("window_days",))


async def load_measure_config(merchant_id: int) -> MeasureConfig:
    row = await MeasureSettings.get_or_none(merchant_id=merchant_id)
    return MeasureConfig.from_overrides(dict(row.values) if row else {})


async def save_measure_config(merchant_id: int, values: dict[str, Any]) -> MeasureConfig:
    """Validate the overrides on top of the current ones and store them."""
    row = await MeasureSettings.get_or_none(merchant_id=merchant_id)
    merged = {**(row.values if row else {}), **values}
    config = MeasureConfig.from_overrides(merged)
    await MeasureSettings.update_or_create(defaults={"values": merged}, merchant_id=merchant_id)
    return config
