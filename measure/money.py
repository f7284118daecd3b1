"""The currency measurement reports money in: the merchant's main currency.

The loyalty program's currency when there is a program, orders in another store currency
converted at the program's exchange rates; without a program, the currency most of the
merchant's stores use. An order in a currency without a rate still makes its customer active
but adds no revenue: amounts are never added across currencies unconverted. This is the rule
campaigns' results use, so every money figure on the dashboard is in the same currency.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from loyalty.program import load_program
from store.models import Store


@dataclass(frozen=True, slots=True)
class ReportMoney:
    currency: str
    rates: dict[str, Decimal]
    """Units of ``currency`` per unit of each convertible currency (``currency`` itself: 1)."""


async def report_money(merchant_id: int, now: datetime | None = None) -> ReportMoney:
    rules = (await load_program(merchant_id)).rules_now(now or datetime.now(UTC))
    if rules is not None:
        return ReportMoney(rules.currency, {**rules.exchange_rates, rules.currency: Decimal(1)})
    stores = await Store.filter(merchant_id=merchant_id).order_by("id").values_list("currency", flat=True)
    counts = Counter(str(c) for c in stores)
    main = counts.most_common(1)[0][0] if counts else "USD"
    return ReportMoney(main, {main: Decimal(1)})
