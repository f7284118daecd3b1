"""How Shopify writes ids, money, times and addresses, read into one canonical form.

GraphQL and webhook (REST) payloads spell the same facts differently ("59.9" vs "59.90",
``Z`` vs the shop's offset, ``countryCodeV2`` vs ``country_code``). Both normalizers read
through these helpers so the same order gives the same record, and the store's content hash
sees a replay as a replay whichever way the order arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

MONEY_PLACES = Decimal("0.0001")
"""The store keeps four decimals (every ISO currency's minor unit), so records do too."""

GID_PREFIX = "gid://shopify/"


def numeric_id(value: str | int) -> str:
    """``gid://shopify/Order/123`` (or ``123``) -> ``"123"``: the store keys Shopify records by it."""
    text = str(value)
    if text.startswith(GID_PREFIX):
        text = text.rsplit("/", 1)[1].split("?", 1)[0]
    if not text.isdigit():
        raise ValueError(f"not a Shopify id: {value!r}")
    return text


def gid(kind: str, value: str | int) -> str:
    return f"{GID_PREFIX}{kind}/{numeric_id(value)}"


def money(value: Any) -> Decimal:
    """A decimal string (or a JSON number, as some REST fields are) as an exact ``Decimal``."""
    if value is None or value == "":
        return Decimal("0").quantize(MONEY_PLACES)
    return Decimal(str(value)).quantize(MONEY_PLACES)


def shop_money(bag: Mapping[str, Any] | None) -> Decimal:
    """The shop-currency amount of a GraphQL ``MoneyBag`` or a REST ``*_set``."""
    if not bag:
        return money(None)
    inner = bag.get("shopMoney") or bag.get("shop_money") or {}
    return money(inner.get("amount"))


def timestamp(value: str | None) -> datetime | None:
    """ISO 8601 with ``Z`` or an offset, as an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_timestamp(value: str | None) -> datetime:
    parsed = timestamp(value)
    if parsed is None:
        raise ValueError("a required timestamp is missing")
    return parsed


def search_time(value: datetime) -> str:
    """A time for the ``query:`` search syntax; quoted by the caller, or the time part is lost."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ADDRESS_KEYS = (
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("company", "company"),
    ("address1", "address1"),
    ("address2", "address2"),
    ("city", "city"),
    ("province_code", "provinceCode"),
    ("zip", "zip"),
    ("country_code", "countryCodeV2"),
    ("phone", "phone"),
)


def address(value: Mapping[str, Any] | None) -> dict[str, str] | None:
    """A mailing address (either spelling) as snake_case keys, empty fields left out."""
    if not value:
        return None
    out = {}
    for snake, camel in _ADDRESS_KEYS:
        field = value.get(camel) if camel in value else value.get(snake)
        if snake == "country_code" and field is None:
            field = value.get("countryCode")
        if field not in (None, ""):
            out[snake] = str(field)
    return out or None


def tags(value: Any) -> str:
    """GraphQL gives a list, REST a comma-separated string: both become ``"a, b"``."""
    if value is None:
        return ""
    if isinstance(value, str):
        items = [t.strip() for t in value.split(",")]
    else:
        items = [str(t).strip() for t in value]
    return ", ".join(t for t in items if t)


def text(value: Any) -> str:
    return "" if value is None else str(value)
