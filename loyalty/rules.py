"""A program's rules as one immutable value, stored as JSON in a ``ProgramVersion`` row.

Money and rates are ``Decimal`` (stored as strings), points are ``int``. Every field has a
default, so a merchant's version only states what differs.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from loyalty.errors import InvalidRules


class Rounding(StrEnum):
    """How fractional points on an order are rounded."""

    FLOOR = "floor"
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    CEILING = "ceiling"


class ReleaseMode(StrEnum):
    """When an order's pending points become available."""

    RETURN_WINDOW = "return_window"
    FULFILMENT = "fulfilment"
    IMMEDIATE = "immediate"


class ExpiryMode(StrEnum):
    """How points expire."""

    NONE = "none"
    FIFO = "fifo"
    INACTIVITY = "inactivity"


class TierMetric(StrEnum):
    """What a program's tiers are measured in."""

    SPEND = "spend"
    POINTS = "points"
    ORDERS = "orders"


class FriendReward(StrEnum):
    """What a referred friend's welcome code gives on their first order (``NONE``: points only)."""

    NONE = "none"
    FIXED_AMOUNT = "fixed_amount"
    PERCENTAGE = "percentage"
    FREE_SHIPPING = "free_shipping"


class TierWindow(StrEnum):
    """The period a member's tier metric is counted over."""

    LIFETIME = "lifetime"
    CALENDAR_YEAR = "calendar_year"
    ROLLING_12M = "rolling_12m"


ROUNDING_MODES = {
    Rounding.FLOOR: decimal.ROUND_FLOOR,
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.CEILING: decimal.ROUND_CEILING,
}
MODES: dict[str, type[StrEnum]] = {
    "rounding": Rounding,
    "release": ReleaseMode,
    "expiry": ExpiryMode,
    "tier_metric": TierMetric,
    "tier_window": TierWindow,
    "referral_friend_reward": FriendReward,
}
"""The fields that name a mode, and their vocabulary: stored JSON holds the values as strings."""


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
    rounding: Rounding = Rounding.FLOOR
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
    release: ReleaseMode = ReleaseMode.RETURN_WINDOW
    return_window_days: int = 30
    expiry: ExpiryMode = ExpiryMode.NONE
    expiry_months: int = 12
    reminder_days: int = 14
    tier_metric: TierMetric = TierMetric.SPEND
    tier_window: TierWindow = TierWindow.LIFETIME
    tier_grace_days: int = 30
    tiers: tuple[Tier, ...] = ()
    referral_friend_points: int = 0
    referral_referrer_points: int = 0
    referral_cap: int = 0
    """Completed or pending referrals per referrer; ``0`` for no cap."""
    referral_network_limit: int = 3
    """Referrals of one referrer from one network before the next goes to review."""
    referral_friend_reward: FriendReward = FriendReward.NONE
    """The friend's welcome code, issued on the store where they claim the referral."""
    referral_friend_value: Decimal = Decimal(0)
    """Money off (store currency) or percent off of the friend's code."""
    referral_friend_minimum: Decimal | None = None
    """The order subtotal the friend's code needs, if any."""
    referral_friend_code_days: int = 30
    point_value: Decimal = Decimal("0.01")
    """Money (program currency) one point is worth, for the liability figure."""
    refund_unused_codes: bool = True
    code_valid_days: int = 90

    def __post_init__(self) -> None:
        for name, vocabulary in MODES.items():
            value = getattr(self, name)
            if value not in set(vocabulary):
                raise InvalidRules(f"{name} must be one of {tuple(m.value for m in vocabulary)}")
            object.__setattr__(self, name, vocabulary(value))  # a plain string from JSON or a caller
        if list(self.tiers) != sorted(self.tiers, key=lambda t: t.threshold):
            raise InvalidRules("tiers must be in ascending threshold")

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
            raise InvalidRules(f"unknown rule fields: {sorted(unknown)}")
        values: dict[str, Any] = dict(raw)
        for name in ("earn_rates", "exchange_rates", "product_multipliers", "category_multipliers"):
            if name in values:
                values[name] = {str(k): Decimal(str(v)) for k, v in values[name].items()}
        for name in ("point_value", "referral_friend_value", "referral_friend_minimum"):
            if values.get(name) is not None:
                values[name] = Decimal(str(values[name]))
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
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
