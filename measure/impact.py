"""Members against non-members, honestly, and what the program returns.

A member here is a customer who chose to take part: redeemed a reward, did an action the
program pays for (a review, the newsletter, a survey ...) or took part in a referral; their join
day is the first of these. A member row is no such choice (the program enrols every buyer at
their first order), so everyone who bought and never took part is a non-member. The people who
choose are those who already buy most: comparing members with everyone else credits the program
with who its members were. So beside that raw comparison this module matches each member with
non-members who had the same history on the member's join day (same RFM cell and home store,
exactly, with replacement) and compares what both bought in the days after it; the program's
return is the margin on the difference it makes minus what rewards and points cost. Every figure comes from a few grouped statements
(``store.sql.program_impact``); Python only combines per-member and per-cell rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from campaigns.models import Campaign, CampaignEntry
from campaigns.results import results_of
from campaigns.uplift import Z
from loyalty.economics import EARNED, SPENT
from loyalty.models import Entry, EntryKind, Member, Redemption, RedemptionStatus, Referral, ReferralStatus
from loyalty.program import load_program
from measure.money import report_money
from measure.settings import load_measure_config
from store.sql import program_impact as sql
from store.sql.program_impact import FREQUENCY, MONETARY, RECENCY_DAYS

CENT = Decimal("0.01")
EPOCH = date(1970, 1, 1)
REWARD_STATUSES = (RedemptionStatus.ISSUED.value, RedemptionStatus.USED.value)
"""Codes that cost the merchant: issued (usable) or used; failed ones never existed and expired ones were given back."""
AUTOMATIC_ACTIONS = ("first_order", "birthday")
"""Action entries the shopper does not choose: the first order's bonus, a birthday's gift."""
ENGAGEMENT = sql.Engagement(
    redemption_statuses=(*REWARD_STATUSES, RedemptionStatus.EXPIRED.value),
    entry_kinds=(EntryKind.ACTION.value, EntryKind.REFERRAL.value),
    automatic_causes=AUTOMATIC_ACTIONS,
    refused_referral=ReferralStatus.REJECTED.value,
)
"""Taking part: a reward redeemed (a code issued, used or expired; a failed one never was), an
action the shopper chose to do, a referral's points (as the advocate or the friend) or a referral
claimed as a friend. Points from orders, tiers, campaigns, adjustments and transfers are not."""


def day_number(when: date) -> int:
    return (when - EPOCH).days


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=number)


@dataclass(frozen=True)
class GroupFigures:
    customers: int
    orders_per_customer: float | None
    revenue_per_customer: Decimal | None
    repeat_rate: float | None
    """Share of the group with two orders or more (in the period or the window)."""


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval and the unit it is in; all None when there is nothing to estimate."""

    value: float | None
    low: float | None
    high: float | None
    unit: str

    @property
    def covers_zero(self) -> bool:
        return self.low is not None and self.high is not None and self.low <= 0 <= self.high


@dataclass(frozen=True)
class Matched:
    pairs: int
    """Members with at least one matched non-member (each member's controls weigh 1 in all)."""
    members: GroupFigures
    controls: GroupFigures
    effect: Estimate
    """Revenue per member in the window: member minus the mean of their matched non-members."""
    orders_effect: Estimate
    """Orders per member in the window, the same way."""
    unmatched: int
    """Members whose cell on their join day held no non-member: left out."""


@dataclass(frozen=True)
class PrePost:
    members: int
    before: GroupFigures
    after: GroupFigures


@dataclass(frozen=True)
class Roi:
    incremental_revenue: Decimal | None
    incremental_revenue_low: Decimal | None
    incremental_revenue_high: Decimal | None
    margin_rate: float
    incremental_margin: Decimal | None
    rewards_cost: Decimal
    points_cost: Decimal
    net: Decimal | None
    roi: float | None
    low: float | None
    high: float | None
    currency: str


@dataclass(frozen=True)
class CampaignEffect:
    campaign: Campaign
    uplift: Estimate


@dataclass(frozen=True)
class ProgramImpact:
    method: str
    summary: str
    """The finding in one plain sentence, or why there is none."""
    currency: str
    window_days: int
    raw_members: GroupFigures
    raw_non_members: GroupFigures
    matched: Matched
    pre_post: PrePost
    roi: Roi
    campaigns: list[CampaignEffect]


def _figures(customers: int, orders: float, revenue: Decimal, repeaters: float) -> GroupFigures:
    if not customers:
        return GroupFigures(0, None, None, None)
    return GroupFigures(customers, orders / customers, (revenue / customers).quantize(CENT), repeaters / customers)


def paired_estimate(differences: Sequence[float], unit: str) -> Estimate:
    """The mean paired difference with a normal-approximation 95 % interval (mean ± 1.96 standard
    errors); None below two pairs, where no spread can be estimated."""
    n = len(differences)
    if n < 2:
        return Estimate(math.fsum(differences) / n if n else None, None, None, unit)
    mean = math.fsum(differences) / n
    sd = math.sqrt(math.fsum((d - mean) ** 2 for d in differences) / (n - 1))
    half = Z * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, unit)


def _method(window: int, currency: str) -> str:
    return (
        "Members are the customers who took part in the program: redeemed a reward (a code issued, used "
        "or expired; not a failed one), did an action it pays for by choice (sign-up, newsletter, a "
        "review, a survey or another action; not the first order's or a birthday's points) or took part "
        "in a referral, as the advocate or the friend. Their join day is the first such day. Everyone "
        "else who bought is a non-member, enrolled or not: points earned from orders, tiers, campaigns "
        "and adjustments are not taking part. "
        "Raw: customers who ordered in the period, members (who took part at any time) against everyone "
        "else: orders, revenue and share with two orders or more per customer. Members choose to take part "
        "and heavy buyers do most, so the raw gap flatters the program. "
        f"Matched: each member who joined in the period with {window} days since is compared with "
        "non-members who on the member's join day had the same history: the same RFM cell (days since "
        f"the last order: none, up to {', '.join(map(str, RECENCY_DAYS))} or more; orders before: "
        f"0, {', '.join(map(str, FREQUENCY))}+; revenue before: 0 to {', '.join(map(str, MONETARY))}+ "
        f"{currency}) and the same home store (their first account's), exact matches with replacement, "
        "a member's controls averaged so each member weighs one. Both are followed for the "
        f"{window} days after the join day (the join day itself left out, so an order placed with the "
        "reward that made a member does not count); a non-member's window starts on the member's join day. "
        "Members whose cell holds no non-member are left out. The effect is the mean of member minus "
        "matched controls, with a 95 % interval by normal approximation on the paired differences "
        "(it ignores that one non-member may serve several members, so it is a little narrow). "
        "Matching removes the differences the cell sees, not those it does not (taste, income, "
        "what made them take part). Pre/post: the same members in the window before the join day "
        "against the window after; it includes trends and seasons, so it is no effect on its own. "
        "ROI: incremental revenue (effect × matched members) × the margin rate, minus the value of "
        "reward codes issued to those members from their join day to the end of their windows and the "
        "money value of the points they earned there and have not spent (tier free-shipping perks carry "
        f"no value and are not counted); divided by those costs. Money in {currency}."
    )


def _summary(matched: Matched, non_members: int, window: int, currency: str) -> str:
    """What the matched comparison says, in words the dashboard shows above the figures."""
    effect = matched.effect
    if not matched.pairs:
        if matched.unmatched and not non_members:
            return (
                "Every customer in the period took part in the program, so there is nobody to compare members "
                "with: only the raw and pre/post views are shown."
            )
        if matched.unmatched:
            return "No member had a non-member with the same history on their join day: nothing to compare."
        return (
            f"No customer took part in the program (redeemed a reward, did an action or a referral) in the period "
            f"with {window} days since: nothing to compare yet."
        )
    if effect.low is None or effect.high is None or effect.value is None:
        return "Too few matched members to estimate an effect."
    if effect.low > 0:
        return (
            f"Members bought {effect.value:,.2f} {currency} more each in the {window} days after taking part than "
            f"non-members with the same history (95 % interval {effect.low:,.2f} to {effect.high:,.2f})."
        )
    if effect.high < 0:
        return f"Members bought less than matched non-members in the {window} days after taking part."
    return (
        "No measurable effect: members bought as much as non-members with the same history, within chance "
        f"(95 % interval {effect.low:,.2f} to {effect.high:,.2f} {currency} per member)."
    )


async def program_impact(
    merchant_id: int, since: date | None = None, until: date | None = None, *, now: datetime | None = None
) -> ProgramImpact:
    """The raw and matched comparisons, pre/post, ROI and campaign holdouts over [since, until]
    (days, inclusive; until defaults to today, since to the first day there is)."""
    now = now or datetime.now(UTC)
    today = day_number(now.astimezone(UTC).date())
    last = min(day_number(until), today) if until is not None else today
    first = day_number(since) if since is not None else 0
    config = await load_measure_config(merchant_id)
    window = config.window_days
    money = await report_money(merchant_id, now)
    conn = Member._meta.db
    tables = sql.Tables(Entry._meta.db_table, Redemption._meta.db_table, Referral._meta.db_table, ENGAGEMENT)

    groups = await sql.period_groups(conn, tables, merchant_id, money.rates, first_day=first, last_day=last)
    raw = {member: _figures(g.customers, g.orders, g.revenue, g.repeaters) for member, g in groups.items()}
    # Only members whose window closed by the period's end (and by today).
    members = await sql.member_rows(
        conn, tables, merchant_id, money.rates, window=window, first_day=first, last_day=last - window
    )
    cells = await sql.control_cells(
        conn, tables, merchant_id, money.rates, window=window, days=sorted({m.join_day for m in members})
    )
    pools = {(c.day, c.cell, c.home_store): c for c in cells}
    revenue_diffs: list[float] = []
    order_diffs: list[float] = []
    paired: list[sql.MemberRow] = []
    control_orders = control_repeat = 0.0
    control_revenue = Decimal(0)
    for m in members:
        pool = pools.get((m.join_day, m.cell, m.home_store))
        if pool is None:
            continue
        paired.append(m)
        mean_revenue = pool.revenue / pool.people
        revenue_diffs.append(float(m.revenue_after - mean_revenue))
        order_diffs.append(m.orders_after - pool.orders / pool.people)
        control_orders += pool.orders / pool.people
        control_revenue += mean_revenue
        control_repeat += pool.repeaters / pool.people
    unit = f"{money.currency} per member over {window} days"
    matched = Matched(
        pairs=len(paired),
        members=_figures(
            len(paired),
            sum(m.orders_after for m in paired),
            sum((m.revenue_after for m in paired), Decimal(0)),
            sum(1 for m in paired if m.orders_after >= 2),
        ),
        controls=_figures(len(paired), control_orders, control_revenue, control_repeat),
        effect=paired_estimate(revenue_diffs, unit),
        orders_effect=paired_estimate(order_diffs, f"orders per member over {window} days"),
        unmatched=len(members) - len(paired),
    )
    pre_post = PrePost(
        members=len(members),
        before=_figures(
            len(members),
            sum(m.orders_before for m in members),
            sum((m.revenue_before for m in members), Decimal(0)),
            sum(1 for m in members if m.orders_before >= 2),
        ),
        after=_figures(
            len(members),
            sum(m.orders_after for m in members),
            sum((m.revenue_after for m in members), Decimal(0)),
            sum(1 for m in members if m.orders_after >= 2),
        ),
    )
    costs = await sql.member_costs(
        conn,
        tables,
        merchant_id,
        money.rates,
        window=window,
        first_day=first,
        last_day=last - window,
        earned_kinds=EARNED,
        spent_kinds=SPENT,
        reward_statuses=REWARD_STATUSES,
    )
    rules = (await load_program(merchant_id)).rules_now(now)
    point_value = rules.point_value if rules is not None else Decimal(0)
    roi = program_roi(
        matched,
        config.margin_rate,
        costs=[c for c in costs if c.person in {m.person for m in paired}],
        point_value=point_value,
        currency=money.currency,
    )
    return ProgramImpact(
        method=_method(window, money.currency),
        summary=_summary(matched, raw[False].customers, window, money.currency),
        currency=money.currency,
        window_days=window,
        raw_members=raw[True],
        raw_non_members=raw[False],
        matched=matched,
        pre_post=pre_post,
        roi=roi,
        campaigns=await campaign_effects(merchant_id, now),
    )


def _cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT)


def program_roi(
    matched: Matched, margin_rate: float, *, costs: Sequence[sql.MemberCosts], point_value: Decimal, currency: str
) -> Roi:
    """Incremental margin minus rewards and unspent points, and that over the costs; the interval
    carries the effect's ends through (margin is linear in the effect, costs are counted)."""
    rewards = sum((c.rewards for c in costs), Decimal(0)).quantize(CENT)
    unspent = max(0, sum(c.points_earned - c.points_spent for c in costs))
    points = (unspent * point_value).quantize(CENT)
    cost = rewards + points
    rate = Decimal(repr(margin_rate))
    effect = matched.effect
    if effect.value is None:
        return Roi(None, None, None, margin_rate, None, rewards, points, None, None, None, None, currency)
    revenue = _cents(effect.value * matched.pairs)
    low = _cents(effect.low * matched.pairs) if effect.low is not None else None
    high = _cents(effect.high * matched.pairs) if effect.high is not None else None
    margin = (revenue * rate).quantize(CENT)
    net = margin - cost

    def ratio(amount: Decimal | None) -> float | None:
        if amount is None or not cost:
            return None
        return float(((amount * rate).quantize(CENT) - cost) / cost)

    return Roi(
        revenue, low, high, margin_rate, margin, rewards, points, net, ratio(revenue), ratio(low), ratio(high), currency
    )


async def campaign_effects(merchant_id: int, now: datetime) -> list[CampaignEffect]:
    """Each campaign that has entered anyone: its holdout comparison as campaigns' results give it
    (treated share who ordered minus the holdout's, Newcombe's interval); not recomputed here."""
    entered = set(await CampaignEntry.filter(merchant_id=merchant_id).distinct().values_list("campaign_id", flat=True))
    found = []
    for campaign in await Campaign.filter(merchant_id=merchant_id, id__in=entered).order_by("id"):
        results = await results_of(campaign.id, now, merchant_id=merchant_id)
        u = results.conversion_uplift
        unit = "share of members who ordered, treated minus holdout"
        found.append(
            CampaignEffect(campaign, Estimate(u.value, u.low, u.high, unit) if u else Estimate(None, None, None, unit))
        )
    return found
