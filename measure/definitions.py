"""Every measurement figure's definition, in one place: the API returns these sentences next to
the figures, the README quotes them, and the exports' headers name the same keys."""

from __future__ import annotations

from dataclasses import dataclass

COUNTED_ORDERS = (
    "Orders count as insights counts them: live, not test orders, not cancelled, placed by a "
    "customer who is not erased; revenue is the order total net of refunds, in the merchant's main "
    "currency (the loyalty program's, other currencies converted at its exchange rates; without a "
    "program the currency most stores use; an order in a currency without a rate adds no revenue). "
    "Months are calendar months in UTC. Across stores a customer is the person (one profile however "
    "many accounts on either platform); for one store, the customer's account on that store."
)


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    label: str
    definition: str


RETENTION: tuple[Definition, ...] = (
    Definition("counted_orders", "Orders counted", COUNTED_ORDERS),
    Definition("active_customers", "Active customers", "Customers with at least one counted order in the month."),
    Definition(
        "new_customers",
        "New customers",
        "Active customers whose first counted order ever (across stores for the person, on the store for an "
        "account) falls in the month.",
    ),
    Definition(
        "returning_customers",
        "Returning customers",
        "Active customers who had ordered before the month: active minus new.",
    ),
    Definition(
        "retention_rate",
        "Retention rate",
        "Of the customers active in the previous calendar month, the share (0-1) active again in this month; "
        "empty when nobody was active in the previous month.",
    ),
    Definition(
        "repeat_purchase_rate",
        "Repeat purchase rate",
        "At the month's end, the share (0-1) of customers with at least one counted order ever who have two "
        "or more counted orders ever.",
    ),
    Definition(
        "purchase_frequency",
        "Purchase frequency",
        "Counted orders in the month divided by the month's active customers.",
    ),
    Definition(
        "median_days_between_orders",
        "Median days between orders",
        "For each counted order placed in the month that has an earlier counted order of the same customer "
        "(in any month), the days (fractional) since that previous order; the median over those orders "
        "(mean of the two middle values for an even count); empty when no order has a predecessor.",
    ),
)

COHORTS: tuple[Definition, ...] = (
    Definition("counted_orders", "Orders counted", COUNTED_ORDERS),
    Definition(
        "cohort",
        "Cohort",
        "The customers whose first counted order ever falls in the month (for a person, on either store and platform).",
    ),
    Definition("months_since", "Months since", "Calendar months after the cohort's month (0: the month itself)."),
    Definition(
        "cohort_active_share",
        "Share active",
        "Customers of the cohort with a counted order in that month, divided by the cohort's customers "
        "(always 1 in month 0).",
    ),
    Definition(
        "revenue_per_cohort_customer",
        "Revenue per customer",
        "Revenue of the cohort's counted orders in that month divided by all of the cohort's customers "
        "(active or not), in the main currency.",
    ),
)

CLV: tuple[Definition, ...] = (
    Definition(
        "clv",
        "Customer lifetime value",
        "Insights' predicted value per person over its horizon (the last insights refresh), in the person's "
        "main currency; each group is reported per currency, never added across currencies.",
    ),
    Definition(
        "clv_cohort",
        "Acquisition cohort",
        "The month (UTC) of the person's first counted order on any store; 'none' when none is left.",
    ),
    Definition(
        "clv_store",
        "Store",
        "The store of the person's first account (insights' home store); a person on both stores counts once, there.",
    ),
    Definition("clv_platform", "Platform", "The platform (Shopify, WooCommerce) of the person's home store."),
)

VALUE_TIERS: tuple[Definition, ...] = (
    Definition(
        "value_tier_as_of",
        "Value tier at a month's end",
        "The tier insights' rules give the person as of the month's last instant, from their purchases up to "
        "then: lost past the lost threshold of silence, at risk past the at-risk one, else VIP when among the "
        "top spenders' share (ranked within their main currency), else regular.",
    ),
    Definition(
        "value_tier_revenue",
        "Revenue by value tier",
        "A month's revenue (counted orders, net of refunds, main currency) from the people in each tier at the "
        "previous month's end; a person with no tier then (first purchase in the month) counts in their tier at "
        "this month's end. Customers: those people with a counted order in the month. Share: of the month's revenue.",
    ),
    Definition(
        "value_tier_flow",
        "Value tier flow",
        "People by their tier at the end of the previous month (none: no purchase yet) and at the end of the "
        "month; every person with a purchase by the month's end appears once, so the flows add up to both "
        "months' customers.",
    ),
)


def by_key() -> dict[str, Definition]:
    return {d.key: d for group in (RETENTION, COHORTS, CLV, VALUE_TIERS) for d in group}
