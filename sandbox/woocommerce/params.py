"""Request arguments validated the way the WordPress REST server validates registered args.

Only registered arguments are validated; anything else in the query string is ignored
(so ``modified_after`` on ``/customers`` is silently ignored, as on a real site). Invalid
values give one ``400 rest_invalid_param`` listing every bad argument, with the WordPress
messages in ``data.params`` and ``data.details``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from .clock import parse_rest_date
from .wire import WPError


@dataclass(frozen=True)
class Arg:
    """A registered argument: JSON-schema ``type`` plus the few keywords WooCommerce uses."""

    type: str  # integer | string | boolean | date-time | array | email
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    required: bool = False
    items_enum: tuple[str, ...] | None = None


def request_args(request: Request) -> dict[str, Any]:
    """``$_GET`` as PHP builds it: ``k[]=a&k[]=b`` is a list, otherwise the last value wins."""
    out: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key.endswith("]") and "[" in key:
            base = key[: key.index("[")]
            current = out.get(base)
            if not isinstance(current, list):
                current = []
            current.append(value)
            out[base] = current
        else:
            out[key] = value
    return out


def php_list(items: tuple[str, ...]) -> str:
    """``wp_sprintf_l('%l', ...)``: "a, b, and c" / "a and b"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    return [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()] if text else []


def _check(name: str, arg: Arg, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """(converted value, (code, message) on failure)."""
    if arg.type == "integer":
        try:
            number = int(str(value).strip())
        except ValueError:
            return None, ("rest_invalid_type", f"{name} is not of type integer.")
        if arg.minimum is not None and arg.maximum is not None:
            if not arg.minimum <= number <= arg.maximum:
                msg = f"{name} must be between {arg.minimum} (inclusive) and {arg.maximum} (inclusive)"
                return None, ("rest_out_of_bounds", msg)
        elif arg.minimum is not None and number < arg.minimum:
            return None, (
                "rest_out_of_bounds",
                f"{name} must be greater than or equal to {arg.minimum}",
            )
        return number, None
    if arg.type == "boolean":
        text = str(value).strip().lower()
        if text in ("1", "true"):
            return True, None
        if text in ("0", "false", ""):
            return False, None
        return None, ("rest_invalid_type", f"{name} is not of type boolean.")
    if arg.type == "date-time":
        parsed = parse_rest_date(str(value))
        if parsed is None:
            return None, ("rest_invalid_date", "Invalid date.")
        return parsed, None
    if arg.type == "email":
        text = str(value).strip()
        if "@" not in text or text.startswith("@") or text.endswith("@"):
            return None, ("rest_invalid_email", "Invalid email address.")
        return text, None
    if arg.type == "array":
        items = _as_list(value)
        if arg.items_enum is not None:
            for i, item in enumerate(items):
                if item not in arg.items_enum:
                    return None, (
                        "rest_not_in_enum",
                        f"{name}[{i}] is not one of {php_list(arg.items_enum)}.",
                    )
        return items, None
    text = str(value)
    if arg.enum is not None and text not in arg.enum:
        return None, ("rest_not_in_enum", f"{name} is not one of {php_list(arg.enum)}.")
    return text, None


def validate(spec: dict[str, Arg], raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, values converted; raises ``WPError`` like WordPress would."""
    missing = [name for name, arg in spec.items() if arg.required and raw.get(name) in (None, "")]
    if missing:
        raise WPError(
            "rest_missing_callback_param",
            f"Missing parameter(s): {', '.join(missing)}",
            400,
            extra={"params": missing},
        )
    out: dict[str, Any] = {}
    bad: dict[str, tuple[str, str]] = {}
    for name, arg in spec.items():
        if name not in raw or raw[name] is None:
            out[name] = list(arg.default) if isinstance(arg.default, (list, tuple)) else arg.default
            continue
        value, failure = _check(name, arg, raw[name])
        if failure is not None:
            bad[name] = failure
        else:
            out[name] = value
    if bad:
        raise WPError(
            "rest_invalid_param",
            f"Invalid parameter(s): {', '.join(bad)}",
            400,
            extra={
                "params": {name: msg for name, (_, msg) in bad.items()},
                "details": {name: {"code": code, "message": msg, "data": None} for name, (code, msg) in bad.items()},
            },
        )
    return out


def ids(value: Any) -> list[int]:
    """``wp_parse_id_list``: comma/space separated or array, absint, unique."""
    out: list[int] = []
    for part in _as_list(value) if value is not None else []:
        try:
            n = abs(int(part))
        except ValueError:
            continue
        if n not in out:
            out.append(n)
    return out


# -- registered collection args per endpoint ----------------------------------------------

ORDER_STATUS_ENUM = (
    "any",
    "trash",
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)

BASE_COLLECTION: dict[str, Arg] = {
    "context": Arg("string", "view", enum=("view", "edit")),
    "page": Arg("integer", 1, minimum=1),
    "per_page": Arg("integer", 10, minimum=1, maximum=100),
    "search": Arg("string"),
    "after": Arg("date-time"),
    "before": Arg("date-time"),
    "modified_after": Arg("date-time"),
    "modified_before": Arg("date-time"),
    "dates_are_gmt": Arg("boolean", False),
    "exclude": Arg("array", ()),
    "include": Arg("array", ()),
    "offset": Arg("integer"),
    "order": Arg("string", "desc", enum=("asc", "desc")),
    "orderby": Arg("string", "date", enum=("date", "id", "include", "title", "slug", "modified")),
}

ORDERS: dict[str, Arg] = {
    **BASE_COLLECTION,
    "parent": Arg("array", ()),
    "parent_exclude": Arg("array", ()),
    "status": Arg("array", ("any",), items_enum=ORDER_STATUS_ENUM),
    "customer": Arg("integer"),
    "product": Arg("integer"),
    "dp": Arg("integer", 2),
}

REFUNDS: dict[str, Arg] = dict(ORDERS)

PRODUCTS: dict[str, Arg] = {
    **BASE_COLLECTION,
    "slug": Arg("string"),
    "status": Arg("string", "any", enum=("any", "future", "trash", "draft", "pending", "private", "publish")),
    "type": Arg("string", enum=("simple", "grouped", "external", "variable")),
    "sku": Arg("string"),
    "category": Arg("string"),
    "stock_status": Arg("string", enum=("instock", "outofstock", "onbackorder")),
}

VARIATIONS: dict[str, Arg] = {
    **BASE_COLLECTION,
    "sku": Arg("string"),
    "stock_status": Arg("string", enum=("instock", "outofstock", "onbackorder")),
}

COUPONS: dict[str, Arg] = {**BASE_COLLECTION, "code": Arg("string")}

CUSTOMERS: dict[str, Arg] = {
    "context": Arg("string", "view", enum=("view", "edit")),
    "page": Arg("integer", 1, minimum=1),
    "per_page": Arg("integer", 10, minimum=1, maximum=100),
    "search": Arg("string"),
    "exclude": Arg("array", ()),
    "include": Arg("array", ()),
    "offset": Arg("integer"),
    "order": Arg("string", "asc", enum=("asc", "desc")),
    "orderby": Arg("string", "name", enum=("id", "include", "name", "registered_date")),
    "email": Arg("email"),
    "role": Arg(
        "string",
        "customer",
        enum=(
            "all",
            "administrator",
            "editor",
            "author",
            "contributor",
            "subscriber",
            "customer",
            "shop_manager",
        ),
    ),
}

WEBHOOKS: dict[str, Arg] = {
    "context": Arg("string", "view", enum=("view", "edit")),
    "page": Arg("integer", 1, minimum=1),
    "per_page": Arg("integer", 10, minimum=1, maximum=100),
    "search": Arg("string"),
    "after": Arg("date-time"),
    "before": Arg("date-time"),
    "exclude": Arg("array", ()),
    "include": Arg("array", ()),
    "offset": Arg("integer"),
    "order": Arg("string", "desc", enum=("asc", "desc")),
    "orderby": Arg("string", "date", enum=("date", "id", "title")),
    "status": Arg("string", "all", enum=("all", "active", "paused", "disabled")),
}

SINGLE: dict[str, Arg] = {
    "context": Arg("string", "view", enum=("view", "edit")),
    "dp": Arg("integer", 2),
}
