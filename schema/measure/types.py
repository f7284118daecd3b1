"""Measurement's GraphQL types: each figure's description carries its definition (``measure.definitions``)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from measure import definitions as d
from schema.measure.enums import ValueTier

_DEF = d.by_key()


def _say(key: str, extra: str = "") -> str:
    return f"{_DEF[key].definition}{' ' + extra if extra else ''}"


@strawberry.type(description="A figure's name and exactly how it is computed")
class MetricDefinition:
    key: str = strawberry.field(description="the figure's key, as in the exports' headers")
    label: str = strawberry.field(description="the figure's name for people")
    definition: str = strawberry.field(description="how it is computed, in one paragraph")

    @classmethod
    def all_of(cls, group: tuple[d.Definition, ...]) -> list[MetricDefinition]:
        return [cls(key=x.key, label=x.label, definition=x.definition) for x in group]


@strawberry.type(description="Retention and repeat purchase in one calendar month (UTC)")
class RetentionMonth:
    month: str = strawberry.field(description="YYYY-MM")
    active_customers: int = strawberry.field(description=_say("active_customers"))
    new_customers: int = strawberry.field(description=_say("new_customers"))
    returning_customers: int = strawberry.field(description=_say("returning_customers"))
    retention_rate: float | None = strawberry.field(description=_say("retention_rate"))
    repeat_purchase_rate: float | None = strawberry.field(description=_say("repeat_purchase_rate"))
    purchase_frequency: float | None = strawberry.field(
        description=_say("purchase_frequency", "Empty when nobody was active.")
    )
    median_days_between_orders: float | None = strawberry.field(description=_say("median_days_between_orders"))


@strawberry.type(description=f"Retention month by month, from the first counted order. {d.COUNTED_ORDERS}")
class RetentionReport:
    months: list[RetentionMonth] = strawberry.field(description="every month with data, empty months included")
    definitions: list[MetricDefinition] = strawberry.field(description="how each figure is computed")


@strawberry.type(description="One cohort in one month after its first")
class CohortCell:
    months_since: int = strawberry.field(description=_DEF["months_since"].definition)
    active_customers: int = strawberry.field(description="the cohort's customers with a counted order in that month")
    share: float = strawberry.field(description=_say("cohort_active_share"))
    revenue_per_customer: Decimal = strawberry.field(description=_say("revenue_per_cohort_customer"))


@strawberry.type(description=_DEF["cohort"].definition)
class CohortRow:
    month: str = strawberry.field(description="YYYY-MM of the cohort's first orders")
    customers: int = strawberry.field(description="customers in the cohort")
    cells: list[CohortCell] = strawberry.field(
        description="months since 0, 1, ... up to the last month with orders, none skipped"
    )


@strawberry.type(description=f"The cohort matrix: customers by month of first order × months since. {d.COUNTED_ORDERS}")
class CohortMatrix:
    cohorts: list[CohortRow] = strawberry.field(description="oldest cohort first")
    currency_code: str = strawberry.field(description="the currency of revenuePerCustomer (the main currency)")
    definitions: list[MetricDefinition] = strawberry.field(description="how each figure is computed")


@strawberry.type(description=f"Predicted CLV of one group in one currency. {_DEF['clv'].definition}")
class ClvGroup:
    key: str = strawberry.field(
        description="the group: YYYY-MM, the store's id number, or the platform (shopify, woocommerce)"
    )
    label: str = strawberry.field(description="the group's name for people")
    customers: int = strawberry.field(description="people with a prediction in this group and currency")
    average_clv: Decimal | None = strawberry.field(description="total CLV / customers")
    total_clv: Decimal | None = strawberry.field(description="the sum of the people's predicted CLV")
    currency_code: str = strawberry.field(description="the predictions' currency (groups never add currencies)")


@strawberry.type(description=_DEF["value_tier_revenue"].definition)
class ValueTierShare:
    value_tier: ValueTier = strawberry.field(description="the tier")
    revenue: Decimal = strawberry.field(description="the month's revenue from the tier's people, main currency")
    share: float = strawberry.field(description="revenue / the month's revenue, 0-1 (0 when the month has none)")
    customers: int = strawberry.field(description="people in the tier with a counted order in the month")


@strawberry.type(description="One month's revenue by value tier (kept at each insights refresh)")
class ValueTierMonth:
    month: str = strawberry.field(description="YYYY-MM")
    currency_code: str = strawberry.field(description="the currency of revenue (the main currency)")
    tiers: list[ValueTierShare] = strawberry.field(description="VIP, regular, at risk, lost: always all four")


@strawberry.type(description=_DEF["value_tier_flow"].definition)
class ValueTierFlow:
    from_: ValueTier | None = strawberry.field(
        name="from", description="the tier at the earlier month's end; null: no purchase by then"
    )
    to: ValueTier = strawberry.field(description="the tier at the later month's end")
    customers: int = strawberry.field(description="people moving so")


@strawberry.type(
    description=f"How people moved between value tiers from one month end to the next. {_DEF['value_tier_as_of'].definition}"
)
class ValueTierFlows:
    from_month: str = strawberry.field(description="YYYY-MM: tiers at its end")
    to_month: str = strawberry.field(description="YYYY-MM: tiers at its end")
    flows: list[ValueTierFlow] = strawberry.field(description="one entry per (from, to) pair with people")
