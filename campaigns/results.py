"""A campaign's results: what was sent and what happened to it, what each group bought in its
attribution window, and the difference the campaign made against its holdout, with its cost.

Every figure is defined in the docstring beside it; ``definitions()`` hands those sentences to
the dashboard, so the page and the code say the same thing. Money is in the merchant's main
currency: the loyalty program's currency, orders in another currency converted at the
program's exchange rates (an order in a currency without a rate still makes its member a
customer but adds no revenue, and is counted in ``unconverted_orders``); without a program,
the currency most of the merchant's stores use, other currencies left out the same way.
The figures come from six grouped statements, whatever the number of members; a member's
orders are those of every account it holds, as audiences count them (``store.sql.attribution``).
"""

from __future__ import annotations

import ast
import inspect
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from textwrap import dedent

from tortoise.functions import Count, Sum

from campaigns.errors import CampaignNotFound
from campaigns.models import Campaign, CampaignEntry, CodeStatus, Group, Message, MessageStatus
from campaigns.uplift import Estimate, Finding, GroupOutcome, Uplift, uplift
from loyalty.holders import merged_holders
from loyalty.program import load_program
from store.models import Store
from store.sql.attribution import entry_orders, fresh_statistics, message_counts, recipients

CENT = Decimal("0.01")


@dataclass
class GroupResults:
    """One group of the campaign: the treated members or the holdout."""

    members: int = 0
    """Members who entered the campaign in this group (each entry counts: a member entering in two periods counts twice)."""
    recipients: int = 0
    """Members with an email queued for them, whatever became of it (the holdout gets none)."""
    delivered: int = 0
    """Emails the SMTP server accepted."""
    opened: int = 0
    """Emails whose tracking image was loaded: a floor, since many mail programs block images."""
    bounced: int = 0
    """Emails refused for the address (the address is suppressed from then on)."""
    failed: int = 0
    """Emails given up on after their retries, or refused for good by the server."""
    skipped: int = 0
    """Emails not sent by rule: no consent, unsubscribed, over the frequency cap, no address."""
    waiting: int = 0
    """Emails still queued or being sent."""
    codes_issued: int = 0
    """Discount codes the platform created for members of this group."""
    codes_failed: int = 0
    """Codes the platform refused or could not create (no email goes out without its code)."""
    codes_redeemed: int = 0
    """Issued codes that a live order of the member carried (compared without case), at any time after entering."""
    points_granted: int = 0
    """Points the campaign gave this group."""
    customers: int = 0
    """Members who placed at least one live order (not cancelled or a test) in their attribution window."""
    orders: int = 0
    """Live orders placed by the group's members in their attribution windows."""
    revenue: Decimal = Decimal(0)
    """Those orders' totals net of refunds, in the results' currency."""
    discounts: Decimal = Decimal(0)
    """The discount on the orders that carried a campaign code, in the results' currency."""
    open_windows: int = 0
    """Members whose attribution window has not closed yet: their figures can still grow."""
    revenue_each: list[float] = field(default_factory=list, repr=False)

    @property
    def conversion(self) -> float | None:
        """Customers as a share of members."""
        return self.customers / self.members if self.members else None

    @property
    def revenue_per_member(self) -> Decimal | None:
        """Revenue divided by members, members without orders counting 0."""
        return (self.revenue / self.members).quantize(CENT) if self.members else None

    def outcome(self) -> GroupOutcome:
        return GroupOutcome(self.members, min(self.customers, self.members), self.revenue_each)


@dataclass(frozen=True)
class MoneyEstimate:
    """An amount in the results' currency with its 95 % confidence interval."""

    amount: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def of(cls, estimate: Estimate) -> MoneyEstimate:
        def cents(x: float) -> Decimal:
            return Decimal(repr(x)).quantize(CENT)

        return cls(cents(estimate.value), cents(estimate.low), cents(estimate.high))


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: int
    as_of: datetime
    attribution_days: int
    """Orders count when placed within this many days after the member entered (and before ``as_of``)."""
    currency: str
    """The merchant's main currency: the loyalty program's, else the one most of its stores use."""
    treated: GroupResults
    holdout: GroupResults
    conversion_uplift: Estimate | None
    """Treated conversion minus the holdout's, with its 95 % interval (Newcombe's hybrid score interval)."""
    revenue_per_member_uplift: MoneyEstimate | None
    """Treated revenue per member minus the holdout's, with its 95 % interval (Welch's t interval)."""
    incremental_customers: Estimate | None
    """The conversion difference times the treated members: customers who would not have ordered without the campaign."""
    incremental_revenue: MoneyEstimate | None
    """The revenue-per-member difference times the treated members."""
    discount_cost: Decimal
    """Discounts given through the campaign's codes (the discount on the orders that carried them)."""
    points_cost: Decimal
    """Points granted times the program's point value."""
    cost: Decimal
    """Discount cost plus points cost."""
    cost_per_incremental_customer: MoneyEstimate | None
    """Cost divided by incremental customers, given only when the campaign measurably brought
    customers (the interval lies above 0): otherwise there is no measurable effect to price."""
    finding: Finding
    """more_customers, no_measurable_effect, fewer_customers, or no_holdout."""
    point_value: Decimal | None
    """What one point is worth in the results' currency (none without a loyalty program)."""
    unconverted_orders: int
    """Orders in the windows in a currency with no exchange rate to the results' currency: their members count as customers, their amounts are left out."""


@cache
def definitions() -> dict[str, str]:
    """Each figure's definition, from the docstring written beside it, for the dashboard."""
    found: dict[str, str] = {}
    for cls in (GroupResults, CampaignResults):
        body = ast.parse(dedent(inspect.getsource(cls))).body[0]
        assert isinstance(body, ast.ClassDef)
        items = body.body
        for item, after in zip(items, items[1:], strict=False):
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                found[item.target.id] = " ".join(str(after.value.value).split())
        for item in items:
            if isinstance(item, ast.FunctionDef) and (doc := ast.get_docstring(item)):
                found[item.name] = " ".join(doc.split())
    return found


@dataclass(frozen=True)
class _Money:
    currency: str
    rates: Mapping[str, Decimal]
    """Units of ``currency`` per unit of each currency converted."""
    point_value: Decimal | None


async def _money_of(merchant_id: int, now: datetime) -> _Money:
    rules = (await load_program(merchant_id)).rules_now(now)
    if rules is not None:
        return _Money(rules.currency, {**rules.exchange_rates, rules.currency: Decimal(1)}, rules.point_value)
    stores = await Store.filter(merchant_id=merchant_id).order_by("id").values_list("currency", flat=True)
    currencies = Counter(str(c) for c in stores)
    main = currencies.most_common(1)[0][0] if currencies else "USD"
    return _Money(main, {main: Decimal(1)}, None)


_MESSAGE_FIGURE = {
    MessageStatus.SENT: "delivered",
    MessageStatus.BOUNCED: "bounced",
    MessageStatus.FAILED: "failed",
    MessageStatus.SKIPPED: "skipped",
    MessageStatus.QUEUED: "waiting",
    MessageStatus.SENDING: "waiting",
}


async def results_of(campaign_id: int, now: datetime, *, merchant_id: int | None = None) -> CampaignResults:
    """The campaign's results as of ``now``; with ``merchant_id``, another merchant's campaign is not found."""
    query = Campaign.filter(id=campaign_id)
    if merchant_id is not None:
        query = query.filter(merchant_id=merchant_id)
    campaign = await query.first()
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}", ("campaignId",))
    merchant_id = campaign.merchant_id
    money = await _money_of(merchant_id, now)
    groups = {Group.TREATED: GroupResults(), Group.HOLDOUT: GroupResults()}
    days = campaign.attribution_days
    entries = CampaignEntry.filter(campaign_id=campaign_id, merchant_id=merchant_id)

    for group, status, n, points in (
        await entries.annotate(n=Count("id"), p=Sum("points"))
        .group_by("group", "code_status")
        .values_list("group", "code_status", "n", "p")
    ):
        g = groups[Group(group)]
        g.members += n
        g.points_granted += int(points or 0)
        g.codes_issued += n if status == CodeStatus.ISSUED else 0
        g.codes_failed += n if status == CodeStatus.FAILED else 0
    for group, n in (
        await entries.filter(entered_at__gt=now - timedelta(days=days))
        .annotate(n=Count("id"))
        .group_by("group")
        .values_list("group", "n")
    ):
        groups[Group(group)].open_windows = n
    conn = CampaignEntry._meta.db
    messages = await Message.filter(merchant_id=merchant_id, campaign_id=campaign_id).count()
    members = sum(g.members for g in groups.values())
    await fresh_statistics(conn, {CampaignEntry: members, Message: messages})
    for group, n in (
        await recipients(conn, CampaignEntry, Message, merchant_id=merchant_id, campaign_id=campaign_id)
    ).items():
        groups[Group(group)].recipients = n
    for count in await message_counts(conn, CampaignEntry, Message, merchant_id=merchant_id, campaign_id=campaign_id):
        g = groups[Group(count.group)]
        name = _MESSAGE_FIGURE.get(MessageStatus(count.status))
        if name is not None:
            setattr(g, name, getattr(g, name) + count.messages)
        g.opened += count.messages if count.opened else 0

    unconverted = 0
    per_entry: dict[int, tuple[Group, list[Decimal]]] = {}
    redeemed: set[int] = set()
    bought: set[int] = set()
    for row in await entry_orders(
        conn,
        CampaignEntry,
        merchant_id=merchant_id,
        campaign_id=campaign_id,
        days=days,
        now=now,
        aliases=await merged_holders(merchant_id),
    ):
        g = groups[Group(row.group)]
        _, revenue = per_entry.setdefault(row.entry_id, (Group(row.group), []))
        g.orders += row.orders
        if row.orders:
            bought.add(row.entry_id)
        rate = money.rates.get(row.currency)
        if rate is None:
            unconverted += row.orders
        else:
            revenue.append(row.revenue * rate)
            g.discounts += row.discount * rate
        if row.redeemed:
            redeemed.add(row.entry_id)
    for entry_id, (group, revenue) in per_entry.items():
        g = groups[group]
        g.codes_redeemed += entry_id in redeemed
        if entry_id in bought:
            g.customers += 1
            total = sum(revenue, Decimal(0))
            g.revenue += total
            g.revenue_each.append(float(total))
    for g in groups.values():
        g.revenue = g.revenue.quantize(CENT)
        g.discounts = g.discounts.quantize(CENT)

    treated, holdout = groups[Group.TREATED], groups[Group.HOLDOUT]
    points = sum(g.points_granted for g in groups.values())
    points_cost = (points * (money.point_value or Decimal(0))).quantize(CENT)
    discount_cost = sum((g.discounts for g in groups.values()), Decimal(0))
    cost = discount_cost + points_cost
    effect: Uplift = uplift(treated.outcome(), holdout.outcome(), float(cost))
    return CampaignResults(
        campaign_id=campaign_id,
        as_of=now,
        attribution_days=days,
        currency=money.currency,
        treated=treated,
        holdout=holdout,
        conversion_uplift=effect.conversion,
        revenue_per_member_uplift=MoneyEstimate.of(effect.revenue_per_member) if effect.revenue_per_member else None,
        incremental_customers=effect.incremental_customers,
        incremental_revenue=MoneyEstimate.of(effect.incremental_revenue) if effect.incremental_revenue else None,
        discount_cost=discount_cost,
        points_cost=points_cost,
        cost=cost,
        cost_per_incremental_customer=(
            MoneyEstimate.of(effect.cost_per_incremental_customer) if effect.cost_per_incremental_customer else None
        ),
        finding=effect.finding,
        point_value=money.point_value,
        unconverted_orders=unconverted,
    )
