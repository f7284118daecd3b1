"""``discountCodeBasicCreate``: input checks with Shopify's error codes, then a stored discount.

Required on create: ``code``, ``title``, ``startsAt``, ``customerGets`` and one of
``context`` (2025-10+) or the deprecated ``customerSelection``. Codes are unique per shop
regardless of case; a duplicate answers ``TAKEN``. Every problem comes back as a
``DiscountUserError`` with ``field`` as the input path, never as a top-level error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .records import Discount, parse_gid

if TYPE_CHECKING:
    from .state import ShopState

ROOT = "basicCodeDiscount"
MAX_CODE_LENGTH = 255


def _error(path: list[str], message: str, code: str) -> dict[str, Any]:
    return {"field": [ROOT, *path], "message": message, "code": code, "extraInfo": None}


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _buyers(
    state: ShopState, data: dict[str, Any]
) -> tuple[frozenset[int] | None, frozenset[int], list[dict[str, Any]]]:
    """Eligible customer ids (None = everyone), segment ids, and errors."""
    context, selection = data.get("context"), data.get("customerSelection")
    if context is not None and selection is not None:
        return (
            None,
            frozenset(),
            [
                _error(
                    ["context"],
                    "Only one of context or customerSelection can be provided.",
                    "INVALID",
                )
            ],
        )
    chosen, name = (context, "context") if context is not None else (selection, "customerSelection")
    if chosen is None:
        return None, frozenset(), [_error(["context"], "Context can't be blank", "BLANK")]
    keys = [k for k, v in chosen.items() if v not in (None, False)]
    if len(keys) != 1:
        return (
            None,
            frozenset(),
            [
                _error(
                    [name],
                    "Exactly one of all, customers or customerSegments is required.",
                    "INVALID",
                )
            ],
        )
    if keys[0] == "all":
        return None, frozenset(), []
    if keys[0] == "customerSegments":
        raw = (chosen["customerSegments"] or {}).get("add") or []
        return frozenset(), frozenset(parse_gid(g, "Segment") or 0 for g in raw), []
    raw = (chosen["customers"] or {}).get("add") or []
    errors, ids = [], set()
    if len(raw) > 250:
        errors.append(_error([name, "customers", "add"], "Too many customers (maximum 250).", "EXCEEDED_MAX"))
    for i, value in enumerate(raw):
        cid = parse_gid(value, "Customer")
        if cid is None or cid not in state.customers:
            errors.append(
                _error(
                    [name, "customers", "add", str(i)],
                    f"Customer {value} does not exist.",
                    "INVALID",
                )
            )
        else:
            ids.add(cid)
    if not raw:
        errors.append(_error([name, "customers", "add"], "Customers can't be blank", "BLANK"))
    return frozenset(ids), frozenset(), errors


def create_basic(state: ShopState, data: dict[str, Any]) -> tuple[Discount | None, list[dict[str, Any]]]:
    """Validate a ``DiscountCodeBasicInput`` and store the discount (or return user errors)."""
    errors: list[dict[str, Any]] = []
    code = (data.get("code") or "").strip()
    title = (data.get("title") or "").strip()
    if not code:
        errors.append(_error(["code"], "Code can't be blank", "BLANK"))
    elif len(code) > MAX_CODE_LENGTH:
        errors.append(_error(["code"], f"Code is too long (maximum is {MAX_CODE_LENGTH} characters)", "TOO_LONG"))
    elif any(ch in code for ch in "\r\n"):
        errors.append(_error(["code"], "Code can't contain newline characters.", "INVALID"))
    elif state.discount_by_code(code) is not None:
        errors.append(_error(["code"], "Code must be unique. Please try a different code.", "TAKEN"))
    if not title:
        errors.append(_error(["title"], "Title can't be blank", "BLANK"))
    starts: datetime | None = data.get("startsAt")
    ends: datetime | None = data.get("endsAt")
    if starts is None:
        errors.append(_error(["startsAt"], "Starts at can't be blank", "BLANK"))
    elif ends is not None and ends <= starts:
        errors.append(_error(["endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE"))
    customer_ids, segment_ids, buyer_errors = _buyers(state, data)
    errors += buyer_errors
    gets = data.get("customerGets")
    kind, value, each = "percentage", Decimal(0), False
    if not gets or not gets.get("value"):
        errors.append(_error(["customerGets"], "Customer gets can't be blank", "BLANK"))
    else:
        v = gets["value"]
        if v.get("percentage") is not None and v.get("discountAmount") is not None:
            errors.append(
                _error(
                    ["customerGets", "value"],
                    "Only one discount value type can be provided.",
                    "INVALID",
                )
            )
        elif v.get("percentage") is not None:
            value = Decimal(str(v["percentage"]))
            if not Decimal(0) < value <= Decimal(1):
                errors.append(
                    _error(
                        ["customerGets", "value", "percentage"],
                        "Value must be between 0.0 and 1.0",
                        "VALUE_OUTSIDE_RANGE",
                    )
                )
        elif v.get("discountAmount") is not None:
            kind = "fixed_amount"
            amount = _decimal(v["discountAmount"].get("amount"))
            each = bool(v["discountAmount"].get("appliesOnEachItem"))
            if amount is None or amount <= 0:
                errors.append(
                    _error(
                        ["customerGets", "value", "discountAmount", "amount"],
                        "Value must be greater than 0",
                        "GREATER_THAN",
                    )
                )
            else:
                value = amount
        else:
            errors.append(_error(["customerGets", "value"], "Value can't be blank", "BLANK"))
        items = gets.get("items") or {}
        if not items.get("all") and not items.get("products"):
            errors.append(_error(["customerGets", "items"], "Items can't be blank", "BLANK"))
    minimum = data.get("minimumRequirement") or {}
    min_subtotal = _decimal((minimum.get("subtotal") or {}).get("greaterThanOrEqualToSubtotal"))
    raw_qty = (minimum.get("quantity") or {}).get("greaterThanOrEqualToQuantity")
    if min_subtotal is not None and raw_qty is not None:
        errors.append(
            _error(
                ["minimumRequirement"],
                "Minimum subtotal and quantity cannot both be present.",
                "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT",
            )
        )
    usage_limit = data.get("usageLimit")
    if usage_limit is not None and usage_limit <= 0:
        errors.append(_error(["usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN"))
    if errors:
        return None, errors
    assert starts is not None
    now = state.stamp()
    combines = data.get("combinesWith") or {}
    discount = Discount(
        id=state.next_id("discount"),
        code_id=state.next_id("discount_code"),
        code=code,
        title=title,
        starts_at=starts,
        ends_at=ends,
        kind=kind,
        value=value,
        applies_on_each_item=each,
        customer_ids=customer_ids,
        segment_ids=segment_ids,
        min_subtotal=min_subtotal,
        min_quantity=int(raw_qty) if raw_qty is not None else None,
        usage_limit=usage_limit,
        once_per_customer=bool(data.get("appliesOncePerCustomer")),
        combines_with={k: bool(combines.get(k)) for k in ("orderDiscounts", "productDiscounts", "shippingDiscounts")},
        tags=list(data.get("tags") or []),
        created_at=now,
        updated_at=now,
    )
    state.discounts[discount.id] = discount
    state.touch()
    return discount, []


def summary(discount: Discount, currency: str) -> str:
    """The admin's one-line description of a basic code discount."""
    if discount.kind == "percentage":
        pct = (discount.value * 100).normalize()
        text = f"{pct:f}% off entire order"
    else:
        text = f"{discount.value:.2f} {currency} off entire order"
    if discount.min_subtotal is not None:
        text += f" • Minimum purchase of {discount.min_subtotal:.2f} {currency}"
    if discount.once_per_customer:
        text += " • One use per customer"
    return text
