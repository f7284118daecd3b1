"""What a campaign says, as plain values: its audience (conditions combined with all/any) and its
actions. Stored as JSON on the campaign; parsed here, so a bad definition is refused with the
path of the field at fault before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from campaigns.errors import InvalidCampaign
from feedback.analytics import NpsCategory

NPS_GROUPS = frozenset(c.value for c in NpsCategory)


class AudienceField(StrEnum):
    """What an audience can ask about a member; each is read from the store in one query."""

    VALUE_TIER = "value_tier"
    """vip, regular, at_risk or lost (insights' value tier)."""
    RFM_SEGMENT = "rfm_segment"
    CHURN_BAND = "churn_band"
    """low, medium or high (insights' churn risk)."""
    P_ALIVE = "p_alive"
    CLV = "clv"
    """Predicted value over the horizon, in the member's main currency."""
    DAYS_SINCE_LAST_ORDER = "days_since_last_order"
    ORDERS = "orders"
    TIER = "tier"
    """The loyalty tier's name."""
    POINTS_BALANCE = "points_balance"
    BIRTHDAY_WITHIN_DAYS = "birthday_within_days"
    """The birthday falls within N days from today (0: today), in the store's time zone."""
    POINTS_EXPIRING_WITHIN_DAYS = "points_expiring_within_days"
    TIER_CHANGED_WITHIN_DAYS = "tier_changed_within_days"
    TIER_DROP_WITHIN_DAYS = "tier_drop_within_days"
    """The member's tier is in its grace period and drops within N days."""
    JOINED_WITHIN_DAYS = "joined_within_days"
    STORE = "store"
    """A store id the member has an account on."""
    PLATFORM = "platform"
    """shopify or woocommerce: the member has an account there."""
    MARKETING_CONSENT = "marketing_consent"
    """true when an account of the member accepts marketing and the address is not suppressed."""
    NPS_GROUP = "nps_group"
    """promoter, passive or detractor: where the person's latest NPS answer falls (9-10, 7-8, 0-6)."""
    OPEN_COMPLAINTS = "open_complaints"
    """How many of the person's complaints and requests are open or waiting (unresolved)."""


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    GTE = "gte"
    LTE = "lte"
    GT = "gt"
    LT = "lt"


NUMERIC = frozenset(
    {
        AudienceField.P_ALIVE,
        AudienceField.CLV,
        AudienceField.DAYS_SINCE_LAST_ORDER,
        AudienceField.ORDERS,
        AudienceField.POINTS_BALANCE,
        AudienceField.STORE,
        AudienceField.OPEN_COMPLAINTS,
    }
)
WITHIN = frozenset(
    {
        AudienceField.BIRTHDAY_WITHIN_DAYS,
        AudienceField.POINTS_EXPIRING_WITHIN_DAYS,
        AudienceField.TIER_CHANGED_WITHIN_DAYS,
        AudienceField.TIER_DROP_WITHIN_DAYS,
        AudienceField.JOINED_WITHIN_DAYS,
    }
)
"""Fields whose value is a number of days and whose only operator is ``lte`` (within)."""
ORDERED_OPS = frozenset({Op.GTE, Op.LTE, Op.GT, Op.LT})
LIST_OPS = frozenset({Op.IN, Op.NOT_IN})


@dataclass(frozen=True)
class Condition:
    field: AudienceField
    op: Op
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field.value, "op": self.op.value, "value": self.value}


@dataclass(frozen=True)
class Audience:
    """``all`` of its parts (and) or ``any`` of them (or); parts are conditions or audiences."""

    match: str = "all"
    parts: tuple[Condition | Audience, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {self.match: [p.to_json() for p in self.parts]}

    def conditions(self) -> list[Condition]:
        """Every condition, however deep."""
        found: list[Condition] = []
        for part in self.parts:
            found += part.conditions() if isinstance(part, Audience) else [part]
        return found


class CodeKind(StrEnum):
    FIXED_AMOUNT = "fixed_amount"
    PERCENTAGE = "percentage"
    FREE_SHIPPING = "free_shipping"


@dataclass(frozen=True)
class CodeAction:
    """A single-use code for the member, made on the platform where they last bought."""

    kind: CodeKind
    value: Decimal = Decimal("0")
    valid_days: int = 30
    minimum_subtotal: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "value": str(self.value),
            "valid_days": self.valid_days,
            "minimum_subtotal": None if self.minimum_subtotal is None else str(self.minimum_subtotal),
        }


@dataclass(frozen=True)
class Actions:
    code: CodeAction | None = None
    points: int = 0
    email: bool = True
    event: bool = True
    """Emit the signed ``campaign.entered`` event to the merchant's endpoints (ESPs, other tools)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.to_json() if self.code else None,
            "points": self.points,
            "email": self.email,
            "event": self.event,
        }


@dataclass(frozen=True)
class Definition:
    audience: Audience
    actions: Actions = field(default_factory=Actions)


MAX_DEPTH = 4
MAX_CONDITIONS = 20


def parse_audience(data: Any, path: tuple[str, ...] = ("audience",), depth: int = 0) -> Audience:
    """``{"all": [...]}`` or ``{"any": [...]}``, each item a condition or another such object."""
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in {"all", "any"}:
        raise InvalidCampaign('an audience is {"all": [...]} or {"any": [...]}', path)
    if depth >= MAX_DEPTH:
        raise InvalidCampaign(f"audiences nest at most {MAX_DEPTH} deep", path)
    match, items = next(iter(data.items()))
    if not isinstance(items, list) or not items:
        raise InvalidCampaign(f'"{match}" needs a non-empty list of conditions', (*path, match))
    parts: list[Condition | Audience] = []
    for i, item in enumerate(items):
        where = (*path, match, str(i))
        if isinstance(item, dict) and "field" in item:
            parts.append(parse_condition(item, where))
        else:
            parts.append(parse_audience(item, where, depth + 1))
    audience = Audience(match, tuple(parts))
    if depth == 0 and len(audience.conditions()) > MAX_CONDITIONS:
        raise InvalidCampaign(f"an audience has at most {MAX_CONDITIONS} conditions", path)
    return audience


def parse_condition(data: dict[str, Any], path: tuple[str, ...]) -> Condition:
    try:
        name = AudienceField(str(data.get("field")))
    except ValueError:
        known = ", ".join(f.value for f in AudienceField)
        raise InvalidCampaign(f"unknown field {data.get('field')!r}; one of {known}", (*path, "field")) from None
    try:
        op = Op(data.get("op", Op.EQ))
    except ValueError:
        raise InvalidCampaign(f"unknown operator {data.get('op')!r}", (*path, "op")) from None
    value = data.get("value")
    where = (*path, "value")
    if name in WITHIN:
        if op != Op.LTE:
            raise InvalidCampaign(f"{name.value} takes only lte (within N days)", (*path, "op"))
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
            raise InvalidCampaign(f"{name.value} takes a whole number of days from 0 to 366", where)
    elif name == AudienceField.MARKETING_CONSENT:
        if op not in {Op.EQ, Op.NE} or not isinstance(value, bool):
            raise InvalidCampaign("marketing_consent is eq or ne true/false", where)
    elif op in LIST_OPS:
        if not isinstance(value, list) or not value or len(value) > 100:
            raise InvalidCampaign(f"{op.value} takes a list of 1 to 100 values", where)
        if name in NUMERIC and not all(_number(v) for v in value):
            raise InvalidCampaign(f"{name.value} compares numbers", where)
    elif op in ORDERED_OPS and name not in NUMERIC:
        raise InvalidCampaign(f"{name.value} is not a number: use eq, ne, in or not_in", (*path, "op"))
    elif name in NUMERIC and not _number(value):
        raise InvalidCampaign(f"{name.value} compares numbers", where)
    elif name not in NUMERIC and not isinstance(value, str):
        raise InvalidCampaign(f"{name.value} compares text", where)
    if name == AudienceField.NPS_GROUP and not {*(value if isinstance(value, list) else [value])} <= NPS_GROUPS:
        raise InvalidCampaign("nps_group is promoter, passive or detractor", where)
    return Condition(name, op, value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_actions(data: Any, path: tuple[str, ...] = ("actions",)) -> Actions:
    if not isinstance(data, dict):
        raise InvalidCampaign("actions is an object with code, points, email and event", path)
    unknown = set(data) - {"code", "points", "email", "event"}
    if unknown:
        raise InvalidCampaign(f"unknown actions: {', '.join(sorted(unknown))}", path)
    points = data.get("points", 0)
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 100_000:
        raise InvalidCampaign("points is a whole number from 0 to 100000", (*path, "points"))
    for flag in ("email", "event"):
        if not isinstance(data.get(flag, True), bool):
            raise InvalidCampaign(f"{flag} is true or false", (*path, flag))
    code = data.get("code")
    return Actions(
        code=None if code is None else parse_code(code, (*path, "code")),
        points=points,
        email=data.get("email", True),
        event=data.get("event", True),
    )


def parse_code(data: Any, path: tuple[str, ...]) -> CodeAction:
    if not isinstance(data, dict):
        raise InvalidCampaign("code is an object with kind, value, valid_days and minimum_subtotal", path)
    try:
        kind = CodeKind(str(data.get("kind")))
    except ValueError:
        raise InvalidCampaign("kind is fixed_amount, percentage or free_shipping", (*path, "kind")) from None
    value = _decimal(data.get("value", "0"), (*path, "value"))
    if kind == CodeKind.FIXED_AMOUNT and not Decimal("0") < value <= Decimal("10000"):
        raise InvalidCampaign("an amount off is more than 0 and at most 10000", (*path, "value"))
    if kind == CodeKind.PERCENTAGE and not Decimal("0") < value <= Decimal("100"):
        raise InvalidCampaign("a percentage is more than 0 and at most 100", (*path, "value"))
    valid_days = data.get("valid_days", 30)
    if not isinstance(valid_days, int) or isinstance(valid_days, bool) or not 1 <= valid_days <= 365:
        raise InvalidCampaign("valid_days is a whole number from 1 to 365", (*path, "valid_days"))
    minimum = data.get("minimum_subtotal")
    minimum_subtotal = None if minimum is None else _decimal(minimum, (*path, "minimum_subtotal"))
    if minimum_subtotal is not None and minimum_subtotal < 0:
        raise InvalidCampaign("minimum_subtotal cannot be negative", (*path, "minimum_subtotal"))
    return CodeAction(kind, value if kind != CodeKind.FREE_SHIPPING else Decimal("0"), valid_days, minimum_subtotal)


def _decimal(value: Any, path: tuple[str, ...]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidCampaign('a money value is a decimal string such as "10.00"', path)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidCampaign(f"{value!r} is not a number", path) from None
    if not number.is_finite():
        raise InvalidCampaign(f"{value!r} is not a number", path)
    return number.quantize(Decimal("0.01"))


def parse(audience: Any, actions: Any) -> Definition:
    return Definition(parse_audience(audience), parse_actions(actions))
