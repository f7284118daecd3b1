"""Admin input made into loyalty values, with every problem reported at its input path.

The checks run before ``loyalty.rules.Rules`` is built, so the owner sees each mistake next to
its field in one round trip (``["input", "rules", "tiers", "1", "threshold"]``); whatever
``Rules`` itself refuses is reported on ``["input", "rules"]``. Bounds keep values inside
what the engine can compute with (dates stay in range, money fits its columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import strawberry

from loyalty import models as lm
from loyalty.errors import InvalidRules
from loyalty.rules import ActionRule, Rules, Tier
from schema.loyalty.admin.currencies import currency_problem
from schema.loyalty.admin.errors import LoyaltyUserError, invalid
from schema.loyalty.admin.inputs import (
    CurrencyRateInput,
    ProgramRulesInput,
    RewardCreateInput,
    RewardUpdateInput,
)

MAX_DAYS = 3650
"""Ten years: any period in days (return window, grace, code validity, action period)."""
MAX_MONTHS = 120
MAX_RATE = Decimal(1_000_000)
MAX_AMOUNT = Decimal(1_000_000_000)
"""Money on a reward or a tier threshold: far above any real one, far inside DECIMAL(18,4)."""
MAX_MULTIPLIER = Decimal(100)
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
NAME_LENGTH = 64
"""A tier's name is kept on each member (64 characters)."""
NO_TIER = "none"
"""Reserved: the members filter's ``tier: "none"`` means members without a tier."""


def plain(value: Decimal) -> Decimal:
    """Without an exponent (``1E+2`` is kept as ``100``), once checked to be a bounded number."""
    return Decimal(format(value, "f"))


def given(value: Any) -> bool:
    """Set by the caller, and not to null."""
    return value is not strawberry.UNSET and value is not None


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass
class Problems:
    """Errors found so far, each under ``input`` + ``prefix`` + its own path."""

    prefix: tuple[str, ...] = ()
    errors: list[LoyaltyUserError] = field(default_factory=list)

    def add(self, message: str, *path: object) -> None:
        self.errors.append(invalid(message, *self.prefix, *(str(p) for p in path)))

    def integer(self, value: int, path: tuple[object, ...], low: int, high: int) -> bool:
        if not low <= value <= high:
            self.add(f"{camel(str(path[-1]))} must be between {low} and {high}, got {value}", *path)
            return False
        return True

    def decimal(
        self,
        value: Decimal,
        path: tuple[object, ...],
        *,
        low: Decimal = Decimal(0),
        high: Decimal,
        above: bool = False,
        places: int = 10,
    ) -> bool:
        """A finite number in ``[low, high]`` (``(low, high]`` when ``above``) with at most ``places`` decimals."""
        name = camel(str(path[-1]))
        if not value.is_finite():
            self.add(f"{name} must be a number, got {value}", *path)
        elif value < low or (above and value == low):
            self.add(f"{name} must be {'above' if above else 'at least'} {low}, got {value}", *path)
        elif value > high:
            self.add(f"{name} must be at most {high}, got {value}", *path)
        elif value != value.quantize(Decimal(1).scaleb(-places)):
            self.add(f"{name} takes at most {places} decimal places, got {value}", *path)
        else:
            return True
        return False


def _rates(problems: Problems, rates: list[CurrencyRateInput], name: str, *, above: bool) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for i, rate in enumerate(rates):
        code = rate.currency_code.strip()
        if (problem := currency_problem(code)) is not None:
            problems.add(problem, name, i, "currencyCode")
        elif code.upper() in found:
            problems.add(f"{code.upper()} is listed twice", name, i, "currencyCode")
        else:
            found[code.upper()] = rate.rate
        if problems.decimal(rate.rate, (name, i, "rate"), high=MAX_RATE, above=above) and code.upper() in found:
            found[code.upper()] = plain(rate.rate)
    return found


def _actions(problems: Problems, actions: list[Any]) -> dict[str, ActionRule]:
    found: dict[str, ActionRule] = {}
    for i, action in enumerate(actions):
        name = action.name.strip()
        if not _ACTION.match(name):
            problems.add(
                f"{action.name!r} is not an action name: use lower-case letters, digits and underscores, "
                "starting with a letter (at most 64)",
                "actions",
                i,
                "name",
            )
        elif name in found:
            problems.add(f"the action {name} is listed twice", "actions", i, "name")
        limit = 1 if action.limit is None else action.limit
        period_days = action.period_days or 0
        ok = problems.integer(action.points, ("actions", i, "points"), 0, 1_000_000)
        ok &= problems.integer(limit, ("actions", i, "limit"), 0, 1_000_000)
        ok &= problems.integer(period_days, ("actions", i, "periodDays"), 0, MAX_DAYS)
        if ok:
            found[name] = ActionRule(points=action.points, limit=limit, period_days=period_days)
    return found


def _tiers(problems: Problems, tiers: list[Any]) -> tuple[Tier, ...]:
    found: list[Tier] = []
    names: set[str] = set()
    previous: Decimal | None = None
    for i, tier in enumerate(tiers):
        name = tier.name.strip()
        if not name:
            problems.add("a tier needs a name", "tiers", i, "name")
        elif len(name) > NAME_LENGTH:
            problems.add(f"a tier's name takes at most {NAME_LENGTH} characters", "tiers", i, "name")
        elif name.lower() == NO_TIER:
            problems.add(f'"{name}" is reserved for members without a tier; choose another name', "tiers", i, "name")
        elif name.lower() in names:
            problems.add(f"two tiers are named {name}", "tiers", i, "name")
        names.add(name.lower())
        ok = problems.decimal(tier.threshold, ("tiers", i, "threshold"), high=MAX_AMOUNT)
        if ok:
            if previous is not None and tier.threshold <= previous:
                problems.add(
                    f"thresholds must go up tier by tier: {tier.threshold} is not above the previous tier's {previous}",
                    "tiers",
                    i,
                    "threshold",
                )
            previous = tier.threshold if previous is None else max(previous, tier.threshold)
        multiplier = Decimal(1) if tier.multiplier is None else tier.multiplier
        entry_points = tier.entry_points or 0
        ok &= problems.decimal(multiplier, ("tiers", i, "multiplier"), high=MAX_MULTIPLIER, above=True)
        ok &= problems.integer(entry_points, ("tiers", i, "entryPoints"), 0, 1_000_000)
        if ok:
            found.append(
                Tier(
                    name=name,
                    threshold=plain(tier.threshold),
                    multiplier=plain(multiplier),
                    entry_points=entry_points,
                    free_shipping=bool(tier.free_shipping),
                )
            )
    return tuple(found)


_DAYS = {
    "return_window_days": 0,
    "tier_grace_days": 0,
    "reminder_days": 0,
    "code_valid_days": 1,
    "referral_friend_code_days": 1,
}
_COUNTS = {
    "referral_friend_points": (0, 1_000_000),
    "referral_referrer_points": (0, 1_000_000),
    "referral_cap": (0, 1_000_000),
    "referral_network_limit": (0, 1_000_000),
    "expiry_months": (1, MAX_MONTHS),
}
_FLAGS = ("after_discounts", "include_shipping", "include_tax", "include_gift_cards", "refund_unused_codes")
_ENUMS = ("rounding", "release", "expiry", "tier_metric", "tier_window", "referral_friend_reward")


def rules_from_input(base: Rules, data: ProgramRulesInput) -> tuple[Rules | None, list[LoyaltyUserError]]:
    """``base`` with what ``data`` sets (``input.rules``), or every problem found."""
    problems = Problems(("rules",))
    changes: dict[str, Any] = {}
    if given(data.currency_code):
        code = data.currency_code.strip()
        if (problem := currency_problem(code)) is not None:
            problems.add(problem, "currencyCode")
        changes["currency"] = code.upper()
    if given(data.earn_rates):
        changes["earn_rates"] = _rates(problems, data.earn_rates, "earnRates", above=False)
    if given(data.exchange_rates):
        changes["exchange_rates"] = _rates(problems, data.exchange_rates, "exchangeRates", above=True)
    for name in _FLAGS:
        if given(value := getattr(data, name)):
            changes[name] = value
    for name in _ENUMS:
        if given(value := getattr(data, name)):
            changes[name] = value.value
    if data.max_points_per_order is None:
        changes["max_points_per_order"] = None
    elif given(data.max_points_per_order):
        problems.integer(data.max_points_per_order, ("maxPointsPerOrder",), 1, 1_000_000_000)
        changes["max_points_per_order"] = data.max_points_per_order
    for name, low in _DAYS.items():
        if given(value := getattr(data, name)):
            problems.integer(value, (camel(name),), low, MAX_DAYS)
            changes[name] = value
    for name, (low, high) in _COUNTS.items():
        if given(value := getattr(data, name)):
            problems.integer(value, (camel(name),), low, high)
            changes[name] = value
    if given(data.point_value):
        if problems.decimal(data.point_value, ("pointValue",), high=MAX_RATE):
            changes["point_value"] = plain(data.point_value)
    friend_value, friend_minimum = data.referral_friend_value, data.referral_friend_minimum
    if friend_value is not None and given(friend_value):
        percent = changes.get("referral_friend_reward", base.referral_friend_reward) == "percentage"
        most: Decimal = Decimal(100) if percent else MAX_RATE
        if problems.decimal(friend_value, ("referralFriendValue",), high=most, places=2):
            changes["referral_friend_value"] = plain(friend_value)
    if friend_minimum is None:
        changes["referral_friend_minimum"] = None
    elif given(friend_minimum):
        if problems.decimal(friend_minimum, ("referralFriendMinimum",), high=MAX_AMOUNT, places=2):
            changes["referral_friend_minimum"] = plain(friend_minimum)
    if given(data.actions):
        changes["actions"] = _actions(problems, data.actions)
    if given(data.tiers):
        changes["tiers"] = _tiers(problems, data.tiers)
    if problems.errors:
        return None, problems.errors
    _agree(
        problems,
        data,
        changes.get("currency", base.currency),
        changes.get("tier_metric", base.tier_metric),
        changes.get("earn_rates", base.earn_rates),
        changes.get("tiers", base.tiers),
    )
    if problems.errors:
        return None, problems.errors
    try:
        rules = base.but(**changes)
        Rules.from_json(rules.to_json())  # what the engine will load from the version row
    except InvalidRules as exc:
        return None, [invalid(str(exc), "rules")]
    return rules, []


def _agree(
    problems: Problems, data: ProgramRulesInput, currency: str, metric: str, earn_rates: Any, tiers: tuple[Tier, ...]
) -> None:
    """Checks across fields, on the version as it would be; blamed on the field the caller set."""
    if currency not in earn_rates:
        where = "earnRates" if given(data.earn_rates) else "currencyCode"
        problems.add(f"the program currency {currency} needs an earn rate", where)
    if metric in ("points", "orders"):
        for i, tier in enumerate(tiers):
            if tier.threshold != tier.threshold.to_integral_value():
                path = ("tiers", i, "threshold") if given(data.tiers) else ("tierMetric",)
                problems.add(f"{metric} tiers need whole-number thresholds: {tier.name} has {tier.threshold}", *path)


@dataclass
class RewardDraft:
    """A reward's columns as they would be saved."""

    name: str
    kind: lm.RewardKind
    points_cost: int = 0
    value: Decimal = Decimal(0)
    min_points: int = 0
    max_points: int = 0
    cash_per_point: Decimal = Decimal(0)
    minimum_subtotal: Decimal | None = None
    valid_days: int = 90

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "points_cost": self.points_cost,
            "value": self.value,
            "min_points": self.min_points,
            "max_points": self.max_points,
            "cash_per_point": self.cash_per_point,
            "minimum_subtotal": self.minimum_subtotal,
            "valid_days": self.valid_days,
        }


_ONLY = {
    "value": lm.RewardKind.FIXED_AMOUNT,
    "percent_off": lm.RewardKind.PERCENTAGE,
    "min_points": lm.RewardKind.POINTS_TO_CASH,
    "max_points": lm.RewardKind.POINTS_TO_CASH,
    "cash_per_point": lm.RewardKind.POINTS_TO_CASH,
    "product_id": lm.RewardKind.FREE_PRODUCT,
}
"""Fields that belong to one kind of reward."""
_NEEDS = {
    lm.RewardKind.FIXED_AMOUNT: ("points_cost", "value"),
    lm.RewardKind.PERCENTAGE: ("points_cost", "percent_off"),
    lm.RewardKind.FREE_SHIPPING: ("points_cost",),
    lm.RewardKind.FREE_PRODUCT: ("points_cost", "product_id"),
    lm.RewardKind.POINTS_TO_CASH: ("min_points", "max_points", "cash_per_point"),
}
"""Fields a new reward of each kind must be given."""


def reward_problems(draft: RewardDraft, data: RewardCreateInput | RewardUpdateInput) -> list[LoyaltyUserError]:
    """What is wrong with a reward as it would be saved; each problem at the input field that set it."""
    problems = Problems()
    kind = draft.kind.name
    for name, only in _ONLY.items():
        if given(getattr(data, name, None)) and draft.kind != only:
            problems.add(f"{camel(name)} applies to {only.name} rewards only, not {kind}", camel(name))
    if draft.kind == lm.RewardKind.POINTS_TO_CASH and given(getattr(data, "points_cost", None)):
        problems.add(
            "a POINTS_TO_CASH reward costs what the shopper chooses between minPoints and maxPoints; "
            "leave pointsCost out",
            "pointsCost",
        )
    if isinstance(data, RewardCreateInput):
        for name in _NEEDS[draft.kind]:
            if not given(getattr(data, name)):
                problems.add(f"{camel(name)} is required for {kind} rewards", camel(name))
    if problems.errors:
        return problems.errors
    name = draft.name.strip()
    if not name or len(name) > 200:
        problems.add("a reward needs a name of 1 to 200 characters", "name")
    if draft.kind == lm.RewardKind.POINTS_TO_CASH:
        if problems.integer(draft.min_points, ("minPoints",), 1, 1_000_000_000) and draft.max_points < draft.min_points:
            where = "maxPoints" if given(getattr(data, "max_points", None)) else "minPoints"
            problems.add(f"maxPoints ({draft.max_points}) must be at least minPoints ({draft.min_points})", where)
        problems.decimal(draft.cash_per_point, ("cashPerPoint",), high=Decimal(1000), above=True, places=6)
    else:
        problems.integer(draft.points_cost, ("pointsCost",), 1, 1_000_000_000)
    if draft.kind == lm.RewardKind.FIXED_AMOUNT:
        problems.decimal(draft.value, ("value",), high=MAX_AMOUNT, above=True, places=4)
    if draft.kind == lm.RewardKind.PERCENTAGE:
        problems.decimal(draft.value, ("percentOff",), high=Decimal(100), above=True, places=4)
    if draft.minimum_subtotal is not None:
        problems.decimal(draft.minimum_subtotal, ("minimumSubtotal",), high=MAX_AMOUNT, places=4)
    problems.integer(draft.valid_days, ("validDays",), 1, MAX_DAYS)
    return problems.errors
