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
from typing import Any

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
    for profile_id, orders in history.each_profile():
        if bought := purchases_of(orders, as_of):
            out[profile_id] = bought
    return out


def main_currency(bought: dict[str, list[Purchase]]) -> str:
    """The currency of most purchases (ties: the larger spend, then the code)."""
    return main_of({c: (len(p), sum((x.value for x in p), ZERO)) for c, p in bought.items()})


def main_of(sums: dict[str, tuple[int, Decimal]]) -> str:
    """``main_currency`` from each currency's number of purchases and spend."""
    return min(sums, key=lambda c: (-sums[c][0], -sums[c][1], c))


class RunningPurchases:
    """Everyone's purchases so far as running sums, fed the orders in time order.

    The same purchases as ``purchases_of`` (a person's positive-net orders, one purchase per UTC
    day and currency), kept per person as the number of purchase days, the last one and the spend
    in their main currency, so a later instant costs only the orders placed in between: the
    month-end value tiers walk the history once instead of re-reading it at every month end.
    Person ``i`` (``profile_ids[i]``) is added at their first purchase and keeps that position;
    the per-person figures are brought up to date by ``settle`` (once per instant, not per order).
    """

    def __init__(self) -> None:
        self.profile_ids: list[int] = []
        self.position: dict[int, int] = {}
        self.currencies: list[str] = []
        """Every currency seen, in order of first sight; ``currency`` holds positions in it."""
        self.currency: list[int] = []
        """The main currency, as its position in ``currencies`` (ranking compares small integers)."""
        self.last_day: list[int] = []
        """The day (``date.toordinal``) of the last purchase in the main currency."""
        self.frequency: list[int] = []
        self.monetary: list[float] = []
        """The spend in the main currency, as ``float`` of its ``Decimal`` sum (what ranking reads)."""
        self._sums: list[dict[str, list[Any]]] = []
        """Per person and currency: purchase days, the last day, the ``Decimal`` spend."""
        self._code: dict[str, int] = {}
        self._changed: set[int] = set()

    def add(self, order: OrderRow) -> None:
        """Count one more order (no earlier than the last added); ``settle`` before reading."""
        net = order.net
        person = order.profile_id
        if person is None or not net > 0:
            return
        day = order.created_at.date().toordinal()
        i = self.position.get(person)
        if i is None:
            i = self.position[person] = len(self.profile_ids)
            self.profile_ids.append(person)
            self._sums.append({})
            self.currency.append(0)
            self.last_day.append(day)
            self.frequency.append(0)
            self.monetary.append(0.0)
        mine = self._sums[i].get(order.currency)
        if mine is None:
            self._sums[i][order.currency] = [1, day, net]
        elif day < mine[1]:
            raise ValueError("orders must be added in time order")
        else:
            if day != mine[1]:
                mine[0] += 1
                mine[1] = day
            mine[2] += net
        self._changed.add(i)

    def settle(self) -> None:
        """Bring the main currency and its figures up to date for the people added to since the last call."""
        for i in self._changed:
            sums = self._sums[i]
            currency = next(iter(sums)) if len(sums) == 1 else main_of({c: (n, v) for c, (n, _, v) in sums.items()})
            count, last, spend = sums[currency]
            code = self._code.get(currency)
            if code is None:
                code = self._code[currency] = len(self.currencies)
                self.currencies.append(currency)
            self.currency[i], self.last_day[i], self.frequency[i], self.monetary[i] = code, last, count, float(spend)
        self._changed.clear()
