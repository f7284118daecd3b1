"""What counts as a purchase, defined once for every insight (RFM, the models, the views).

A purchase is a calendar day (UTC) on which a person placed at least one live order, in one
currency, whose value net of refunds is positive; its value is the day's net spend. Several
orders on one day are one purchase (the BG/NBD convention: a split checkout is one visit), and a
free or fully refunded order is no purchase. So the people with a segment are exactly the people
with a prediction, and "3 orders" on a profile means three purchase days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from insights.history import MerchantHistory, OrderRow

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Purchase:
    day: date
    value: Decimal
    """Net of refunds, summed over the day's orders in this currency; always positive."""


def purchases_of(orders: Iterable[OrderRow], as_of: datetime) -> dict[str, list[Purchase]]:
    """One person's purchases up to ``as_of``, per currency, oldest first."""
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order in orders:
        if order.created_at <= as_of and order.net > 0:
            days[order.currency][order.created_at.date()] += order.net
    return {
        currency: [Purchase(day, value) for day, value in sorted(by_day.items())]
        for currency, by_day in sorted(days.items())
    }


def merchant_purchases(history: MerchantHistory, as_of: datetime) -> dict[int, dict[str, list[Purchase]]]:
    """Every person with at least one purchase, with their purchases per currency."""
    out = {}
    for profile_id, orders in sorted(history.orders_by_profile().items()):
        if bought := purchases_of(orders, as_of):
            out[profile_id] = bought
    return out


def main_currency(bought: dict[str, list[Purchase]]) -> str:
    """The currency of most purchases (ties: the larger spend, then the code)."""
    return min(bought, key=lambda c: (-len(bought[c]), -sum((p.value for p in bought[c]), ZERO), c))
