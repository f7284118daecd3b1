"""A campaign's results on the admin API: each group's figures, the difference against the holdout
with its interval, the cost, and each figure's definition (``campaigns.results`` writes them)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from campaigns import results as engine
from campaigns.uplift import Estimate as UpliftEstimate
from schema.campaigns.enums import Finding, Group
from schema.core.money import Money
from schema.insights.types import Estimate, MoneyEstimate

LABELS = {
    "members": "Members entered",
    "recipients": "Emails queued",
    "delivered": "Emails sent",
    "opened": "Opened",
    "bounced": "Bounced",
    "failed": "Failed",
    "skipped": "Skipped by rule",
    "waiting": "Waiting to be sent",
    "codes_issued": "Codes made",
    "codes_failed": "Codes refused",
    "codes_redeemed": "Codes used",
    "points_granted": "Points given",
    "customers": "Members who ordered",
    "conversion": "Share who ordered",
    "orders": "Orders",
    "revenue": "Revenue",
    "revenue_per_member": "Revenue per member",
    "conversion_uplift": "Difference in share who ordered",
    "incremental_customers": "Members brought to order",
    "revenue_per_member_uplift": "Difference in revenue per member",
    "incremental_revenue": "Revenue brought",
    "discount_cost": "Discount cost",
    "points_cost": "Points cost",
    "cost": "Cost",
    "cost_per_incremental_customer": "Cost per member brought to order",
    "attribution_days": "Attribution window",
    "currency": "Currency",
    "unconverted_orders": "Orders left out",
}
"""The dashboard's words for each figure; a figure without one is not shown in the definitions."""


def _estimate(found: UpliftEstimate | None) -> Estimate | None:
    return None if found is None else Estimate(value=found.value, low=found.low, high=found.high)


def _money_estimate(found: engine.MoneyEstimate | None, currency: str) -> MoneyEstimate | None:
    if found is None:
        return None
    return MoneyEstimate(
        value=Money.of(found.amount, currency), low=Money.of(found.low, currency), high=Money.of(found.high, currency)
    )


@strawberry.type(description="One group's figures: the treated members or the holdout")
class CampaignGroupResults:
    group: Group
    members: int
    recipients: int
    delivered: int = strawberry.field(description="emails the mail server accepted")
    opened: int
    bounced: int
    failed: int
    skipped: int
    waiting: int
    codes_issued: int
    codes_failed: int
    codes_redeemed: int
    points_granted: int
    customers: int = strawberry.field(description="members who ordered in their attribution window")
    conversion: float | None = strawberry.field(description="customers as a share of members")
    orders: int
    revenue: Money
    revenue_per_member: Money | None
    open_windows: int = strawberry.field(description="members whose attribution window is still open")

    @classmethod
    def of(cls, group: Group, found: engine.GroupResults, currency: str) -> CampaignGroupResults:
        per_member = found.revenue_per_member
        return cls(
            group=group,
            members=found.members,
            recipients=found.recipients,
            delivered=found.delivered,
            opened=found.opened,
            bounced=found.bounced,
            failed=found.failed,
            skipped=found.skipped,
            waiting=found.waiting,
            codes_issued=found.codes_issued,
            codes_failed=found.codes_failed,
            codes_redeemed=found.codes_redeemed,
            points_granted=found.points_granted,
            customers=found.customers,
            conversion=found.conversion,
            orders=found.orders,
            revenue=Money.of(found.revenue, currency),
            revenue_per_member=None if per_member is None else Money.of(per_member, currency),
            open_windows=found.open_windows,
        )


@strawberry.type(description="What a figure of the results means")
class ResultDefinition:
    figure: str = strawberry.field(description="the figure's name in the API, e.g. conversionUplift")
    label: str = strawberry.field(description="its name on the dashboard")
    definition: str


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _summary(found: engine.CampaignResults) -> str:
    """The results in one plain sentence."""
    if not found.treated.members and not found.holdout.members:
        return "Nobody has entered yet."
    incremental = found.incremental_customers
    match found.finding:
        case Finding.MORE_CUSTOMERS if incremental is not None:
            margin = (incremental.high - incremental.low) / 2
            cost = found.cost_per_incremental_customer
            each = f", at {cost.amount} {found.currency} each" if cost is not None else ""
            return f"Brought about {incremental.value:.0f} members to order who would not have (±{margin:.0f}){each}."
        case Finding.FEWER_CUSTOMERS:
            return "Fewer treated members ordered than held-out ones: the campaign may put people off."
        case Finding.NO_HOLDOUT:
            return "Nobody is held out, so there is nothing to compare with."
    return "No measurable effect yet: the holdout ordered as often, within chance."


@strawberry.type(description="What a campaign sent and what its members bought, treated against the holdout")
class CampaignResults:
    as_of: datetime = strawberry.field(description="when the figures were computed")
    attribution_days: int
    currency_code: str = strawberry.field(description="every amount is in this currency")
    treated: CampaignGroupResults
    holdout: CampaignGroupResults
    conversion_uplift: Estimate | None = strawberry.field(
        description="treated share who ordered minus the holdout's (0.05 is 5 points)"
    )
    incremental_customers: Estimate | None
    revenue_per_member_uplift: MoneyEstimate | None
    incremental_revenue: MoneyEstimate | None
    discount_cost: Money
    points_cost: Money
    cost: Money
    cost_per_incremental_customer: MoneyEstimate | None = strawberry.field(
        description="null when the campaign brought no measurable customers: there is no effect to price"
    )
    finding: Finding
    summary: str = strawberry.field(description="the results in one plain sentence")
    unconverted_orders: int
    definitions: list[ResultDefinition]

    @classmethod
    def of(cls, found: engine.CampaignResults) -> CampaignResults:
        currency = found.currency
        return cls(
            as_of=found.as_of,
            attribution_days=found.attribution_days,
            currency_code=currency,
            treated=CampaignGroupResults.of(Group.TREATED, found.treated, currency),
            holdout=CampaignGroupResults.of(Group.HOLDOUT, found.holdout, currency),
            conversion_uplift=_estimate(found.conversion_uplift),
            incremental_customers=_estimate(found.incremental_customers),
            revenue_per_member_uplift=_money_estimate(found.revenue_per_member_uplift, currency),
            incremental_revenue=_money_estimate(found.incremental_revenue, currency),
            discount_cost=Money.of(found.discount_cost, currency),
            points_cost=Money.of(found.points_cost, currency),
            cost=Money.of(found.cost, currency),
            cost_per_incremental_customer=_money_estimate(found.cost_per_incremental_customer, currency),
            finding=found.finding,
            summary=_summary(found),
            unconverted_orders=found.unconverted_orders,
            definitions=[
                ResultDefinition(figure=_camel(name), label=LABELS[name], definition=text.replace("``", ""))
                for name, text in engine.definitions().items()
                if name in LABELS
            ],
        )
