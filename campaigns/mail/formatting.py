"""Money, points and dates as the shopper's locale writes them (Babel's CLDR data):
"$5.00" and "5,00 €", "January 31, 2027" and "31 janvier 2027"."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from campaigns.mail.strings import LABELS


def money(value: Any, currency: str | None, locale: str) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    if not currency or len(currency) != 3:
        return format_decimal(amount, locale=locale)
    return format_currency(amount, currency.upper(), locale=locale)


def points(value: Any, locale: str) -> str:
    amount = _decimal(value)
    return "" if amount is None else format_decimal(amount, locale=locale)


def day(value: Any, locale: str) -> str:
    """A date given as ISO text (or a date), in the long form of the locale; "" when unreadable."""
    if isinstance(value, datetime):
        when: date = value.date()
    elif isinstance(value, date):
        when = value
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value).date()
        except ValueError:
            return ""
    else:
        return ""
    return format_date(when, format="long", locale=locale)


def code_value(kind: Any, value: Any, currency: str | None, locale: str) -> str:
    """What a code gives: "15% off", "$5.00 off", "free shipping"."""
    labels = LABELS[locale]
    if kind == "free_shipping":
        return labels["free_shipping"]
    amount = _decimal(value)
    if amount is None:
        return ""
    if kind == "percentage":
        return labels["off"].format(value=format_percent(amount / 100, locale=locale))
    return labels["off"].format(value=money(amount, currency, locale))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None
