"""A program's rules as one immutable value, stored as JSON in a ``ProgramVersion`` row.

Money and rates are ``Decimal`` (stored as strings), points are ``int``. Every field has a
default, so a merchant's version only states what differs.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

ROUNDING_MODES = {
    "floor": decimal.ROUND_FLOOR,
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "ceiling": decimal.ROUND_CEILING,
}
RELEASE_MODES = ("return_window", "fulfilment", "immediate")
EXPIRY_MODES = ("none", "fifo", "inactivity")
TIER_METRICS = ("spend", "points", "orders")
TIER_WINDOWS = ("lifetime", "calendar_year", "rolling_12m")


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal
    """Spend (program currency), points earned, or orders, over the tier window."""
    multiplier: Decimal = Decimal(1)
    entry_points: int = 0
    free_shipping: bool = False


@dataclass(frozen=True)
class ActionRule:
    points: int
    limit: int = 1
    """How many times per period (``0`` for no limit)."""
    period_days: int = 0
    """Length of the period the limit counts over; ``0`` for ever."""


@dataclass(frozen=True)
class Rules:
    currency: str = "USD"
    """Program currency: tier spend, liability and economics are stated in it."""
    earn_rates: Mapping[str, Decimal] = field(default_factory=lambda: {"USD": Decimal(1)})
    """Points per unit of each store currency; a currency without a rate earns nothing."""
    exchange_rates: Mapping[str, Decimal] = field(default_factory=dict)
    """Units of program currency per unit of another store currency."""
    rounding: str = "floor"
    after_discounts: bool = True
    include_shipping: bool = False
    include_tax: bool = False
    include_gift_cards: bool = False
    product_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    """By product platform id."""
    category_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    """By product category (the store's collection)."""
    max_points_per_order: int | None = None
    actions: Mapping[str, ActionRule] = field(default_factory=dict)
    """Action rewards by name: ``signup``, ``birthday``, ``first_order`` or a custom event."""
    release: str = "return_window"
    return_window_days: int = 30
    expiry: str = "none"
    expiry_months: int = 12
    reminder_days: int = 14
    tier_metric: str = "spend"
    tier_window: str = "lifetime"
    tier_grace_days: int = 30
    tiers: tuple[Tier, ...] = ()
    referral_friend_points: int = 0
    referral_referrer_points: int = 0
    referral_cap: int = 0
    """Completed or pending referrals per referrer; ``0`` for no cap."""
    referral_network_limit: int = 3
    """Referrals of one referrer from one network before the next goes to review."""
    point_value: Decimal = Decimal("0.01")
    """Money (program currency) one point is worth, for the liability figure."""
    refund_unused_codes: bool = True
    code_valid_days: int = 90

    def __post_init__(self) -> None:
        checks = (
            (self.rounding in ROUNDING_MODES, f"rounding must be one of {sorted(ROUNDING_MODES)}"),
            (self.release in RELEASE_MODES, f"release must be one of {RELEASE_MODES}"),
            (self.expiry in EXPIRY_MODES, f"expiry must be one of {EXPIRY_MODES}"),
            (self.tier_metric in TIER_METRICS, f"tier_metric must be one of {TIER_METRICS}"),
            (self.tier_window in TIER_WINDOWS, f"tier_window must be one of {TIER_WINDOWS}"),
            (list(self.tiers) == sorted(self.tiers, key=lambda t: t.threshold), "tiers must be in ascending threshold"),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def rounding_mode(self) -> str:
        return ROUNDING_MODES[self.rounding]

    def tier(self, name: str | None) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)

    def tier_rank(self, name: str | None) -> int:
        """0 for no tier, 1 for the lowest, and so on."""
        for rank, tier in enumerate(self.tiers, start=1):
            if tier.name == name:
                return rank
        return 0

    def qualifying_tier(self, metric: Decimal) -> Tier | None:
        found = None
        for tier in self.tiers:
            if metric >= tier.threshold:
                found = tier
        return found

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Rules:
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown rule fields: {sorted(unknown)}")
        values: dict[str, Any] = dict(raw)
        for name in ("earn_rates", "exchange_rates", "product_multipliers", "category_multipliers"):
            if name in values:
                values[name] = {str(k): Decimal(str(v)) for k, v in values[name].items()}
        if "point_value" in values:
            values["point_value"] = Decimal(str(values["point_value"]))
        if "actions" in values:
            values["actions"] = {k: ActionRule(**v) for k, v in values["actions"].items()}
        if "tiers" in values:
            values["tiers"] = tuple(
                Tier(
                    **{
                        **t,
                        "threshold": Decimal(str(t["threshold"])),
                        "multiplier": Decimal(str(t.get("multiplier", 1))),
                    }
                )
                for t in values["tiers"]
            )
        return cls(**values)

    def but(self, **changes: Any) -> Rules:
        return replace(self, **changes)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
