"""Code discounts: ``discountCodeBasicCreate`` and ``discountCodeFreeShippingCreate``, input checks
with Shopify's error codes, then a stored discount.

Required on create: ``code``, ``title``, ``startsAt`` and one of ``context`` (2025-10+) or the
deprecated ``customerSelection``; a basic discount also needs ``customerGets``. A free-shipping
discount may name its ``destination`` (every country, or a list of countries with or without the
rest of the world; every country when left out) and a ``maximumShippingPrice``. Codes are unique
per shop regardless of case, whatever the discount's type; a duplicate answers ``TAKEN``. Every
problem comes back as a ``DiscountUserError`` with ``field`` as the input path under the
mutation's argument, never as a top-level error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .records import FREE_SHIPPING, Discount, parse_gid

if TYPE_CHECKING:
    from .state import ShopState

BASIC_ROOT = "basicCodeDiscount"
FREE_SHIPPING_ROOT = "freeShippingCodeDiscount"
MAX_CODE_LENGTH = 255


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass
class _Checked:
    """What every code discount shares, read from one input, with the problems found on the way."""

    root: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""
    title: str = ""
    starts: datetime | None = None
    ends: datetime | None = None
    customer_ids: frozenset[int] | None = None
    segment_ids: frozenset[int] = frozenset()
    min_subtotal: Decimal | None = None
    min_quantity: int | None = None
    usage_limit: int | None = None

    def error(self, path: list[str], message: str, code: str) -> None:
        self.errors.append({"field": [self.root, *path], "message": message, "code": code, "extraInfo": None})


def _check_shared(state: ShopState, data: dict[str, Any], root: str) -> _Checked:
    checked = _Checked(root)
    checked.code = code = (data.get("code") or "").strip()
    checked.title = (data.get("title") or "").strip()
    if not code:
        checked.error(["code"], "Code can't be blank", "BLANK")
    elif len(code) > MAX_CODE_LENGTH:
        checked.error(["code"], f"Code is too long (maximum is {MAX_CODE_LENGTH} characters)", "TOO_LONG")
    elif any(ch in code for ch in "\r\n"):
        checked.error(["code"], "Code can't contain newline characters.", "INVALID")
    elif state.discount_by_code(code) is not None:
        checked.error(["code"], "Code must be unique. Please try a different code.", "TAKEN")
    if not checked.title:
        checked.error(["title"], "Title can't be blank", "BLANK")
    checked.starts, checked.ends = data.get("startsAt"), data.get("endsAt")
    if checked.starts is None:
        checked.error(["startsAt"], "Starts at can't be blank", "BLANK")
    elif checked.ends is not None and checked.ends <= checked.starts:
        checked.error(["endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE")
    _check_buyers(state, data, checked)
    minimum = data.get("minimumRequirement") or {}
    checked.min_subtotal = _decimal((minimum.get("subtotal") or {}).get("greaterThanOrEqualToSubtotal"))
    raw_qty = (minimum.get("quantity") or {}).get("greaterThanOrEqualToQuantity")
    checked.min_quantity = int(raw_qty) if raw_qty is not None else None
    if checked.min_subtotal is not None and raw_qty is not None:
        checked.error(
            ["minimumRequirement"],
            "Minimum subtotal and quantity cannot both be present.",
            "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT",
        )
    checked.usage_limit = data.get("usageLimit")
    if checked.usage_limit is not None and checked.usage_limit <= 0:
        checked.error(["usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN")
    return checked


def _check_buyers(state: ShopState, data: dict[str, Any], checked: _Checked) -> None:
    """Eligible customer ids (None = everyone) and segment ids, from ``context`` or ``customerSelection``."""
    context, selection = data.get("context"), data.get("customerSelection")
    if context is not None and selection is not None:
        checked.error(["context"], "Only one of context or customerSelection can be provided.", "INVALID")
        return
    chosen, name = (context, "context") if context is not None else (selection, "customerSelection")
    if chosen is None:
        checked.error(["context"], "Context can't be blank", "BLANK")
        return
    keys = [k for k, v in chosen.items() if v not in (None, False)]
    if len(keys) != 1:
        checked.error([name], "Exactly one of all, customers or customerSegments is required.", "INVALID")
        return
    if keys[0] == "all":
        return
    if keys[0] == "customerSegments":
        raw = (chosen["customerSegments"] or {}).get("add") or []
        checked.customer_ids = frozenset()
        checked.segment_ids = frozenset(parse_gid(g, "Segment") or 0 for g in raw)
        return
    raw = (chosen["customers"] or {}).get("add") or []
    ids = set()
    if len(raw) > 250:
        checked.error([name, "customers", "add"], "Too many customers (maximum 250).", "EXCEEDED_MAX")
    for i, value in enumerate(raw):
        cid = parse_gid(value, "Customer")
        if cid is None or cid not in state.customers:
            checked.error([name, "customers", "add", str(i)], f"Customer {value} does not exist.", "INVALID")
        else:
            ids.add(cid)
    if not raw:
        checked.error([name, "customers", "add"], "Customers can't be blank", "BLANK")
    checked.customer_ids = frozenset(ids)


def _store(state: ShopState, data: dict[str, Any], checked: _Checked, **kind: Any) -> Discount:
    """Keep a discount that passed its checks."""
    assert checked.starts is not None
    now = state.stamp()
    combines = data.get("combinesWith") or {}
    discount = Discount(
        id=state.next_id("discount"),
        code_id=state.next_id("discount_code"),
        code=checked.code,
        title=checked.title,
        starts_at=checked.starts,
        ends_at=checked.ends,
        customer_ids=checked.customer_ids,
        segment_ids=checked.segment_ids,
        min_subtotal=checked.min_subtotal,
        min_quantity=checked.min_quantity,
        usage_limit=checked.usage_limit,
        once_per_customer=bool(data.get("appliesOncePerCustomer")),
        combines_with={k: bool(combines.get(k)) for k in ("orderDiscounts", "productDiscounts", "shippingDiscounts")},
        tags=list(data.get("tags") or []),
        created_at=now,
        updated_at=now,
        **kind,
    )
    state.discounts[discount.id] = discount
    state.touch()
    return discount


def create_basic(state: ShopState, data: dict[str, Any]) -> tuple[Discount | None, list[dict[str, Any]]]:
    """Validate a ``DiscountCodeBasicInput`` and store the discount (or return user errors)."""
    checked = _check_shared(state, data, BASIC_ROOT)
    gets = data.get("customerGets")
    kind, value, each = "percentage", Decimal(0), False
    if not gets or not gets.get("value"):
        checked.error(["customerGets"], "Customer gets can't be blank", "BLANK")
    else:
        v = gets["value"]
        if v.get("percentage") is not None and v.get("discountAmount") is not None:
            checked.error(["customerGets", "value"], "Only one discount value type can be provided.", "INVALID")
        elif v.get("percentage") is not None:
            value = Decimal(str(v["percentage"]))
            if not Decimal(0) < value <= Decimal(1):
                checked.error(
                    ["customerGets", "value", "percentage"], "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE"
                )
        elif v.get("discountAmount") is not None:
            kind = "fixed_amount"
            amount = _decimal(v["discountAmount"].get("amount"))
            each = bool(v["discountAmount"].get("appliesOnEachItem"))
            if amount is None or amount <= 0:
                checked.error(
                    ["customerGets", "value", "discountAmount", "amount"],
                    "Value must be greater than 0",
                    "GREATER_THAN",
                )
            else:
                value = amount
        else:
            checked.error(["customerGets", "value"], "Value can't be blank", "BLANK")
        items = gets.get("items") or {}
        if not items.get("all") and not items.get("products"):
            checked.error(["customerGets", "items"], "Items can't be blank", "BLANK")
    if checked.errors:
        return None, checked.errors
    return _store(state, data, checked, kind=kind, value=value, applies_on_each_item=each), []


def create_free_shipping(state: ShopState, data: dict[str, Any]) -> tuple[Discount | None, list[dict[str, Any]]]:
    """Validate a ``DiscountCodeFreeShippingInput`` and store the discount (or return user errors)."""
    checked = _check_shared(state, data, FREE_SHIPPING_ROOT)
    countries: frozenset[str] | None = None
    rest_of_world = False
    destination = data.get("destination")
    if destination is not None:
        listed = destination.get("countries")
        if destination.get("all") and listed is not None:
            checked.error(["destination"], "Only one of all or countries can be provided.", "INVALID")
        elif not destination.get("all"):
            added = (listed or {}).get("add") or []
            rest_of_world = bool((listed or {}).get("includeRestOfWorld"))
            if not added and not rest_of_world:
                checked.error(["destination", "countries"], "Destination can't be blank", "BLANK")
            countries = frozenset(added)
    maximum = data.get("maximumShippingPrice")
    max_price = _decimal(maximum)
    if maximum is not None and (max_price is None or max_price < 0):
        checked.error(
            ["maximumShippingPrice"],
            "Maximum shipping price must be greater than or equal to 0",
            "GREATER_THAN_OR_EQUAL_TO",
        )
    if checked.errors:
        return None, checked.errors
    discount = _store(
        state,
        data,
        checked,
        kind=FREE_SHIPPING,
        value=Decimal(0),
        applies_on_each_item=False,
        countries=countries,
        rest_of_world=rest_of_world,
        max_shipping_price=max_price,
        one_time_purchase=data.get("appliesOnOneTimePurchase") is not False,
        subscription=bool(data.get("appliesOnSubscription")),
    )
    return discount, []


def summary(discount: Discount, currency: str) -> str:
    """The admin's one-line description of a code discount."""
    if discount.free_shipping:
        text = "Free shipping on all products"
        if discount.countries is None:
            text += " • For all countries"
        else:
            text += f" • For {len(discount.countries)} countries" + (
                " and the rest of the world" if discount.rest_of_world else ""
            )
        if discount.max_shipping_price is not None:
            text += f" • Applies to shipping rates under {discount.max_shipping_price:.2f} {currency}"
    elif discount.kind == "percentage":
        pct = (discount.value * 100).normalize()
        text = f"{pct:f}% off entire order"
    else:
        text = f"{discount.value:.2f} {currency} off entire order"
    if discount.min_subtotal is not None:
        text += f" • Minimum purchase of {discount.min_subtotal:.2f} {currency}"
    if discount.min_quantity is not None:
        text += f" • Minimum quantity of {discount.min_quantity}"
    if discount.once_per_customer:
        text += " • One use per customer"
    return text
