"""Did the campaign cause it: the treated group against its holdout, each difference with a 95 %
confidence interval, so a result reads "31 customers who would not have returned (±12)".

Conversion uses Newcombe's hybrid score interval for a difference of proportions (method 10 of
Newcombe 1998, built from the two groups' Wilson score intervals): unlike the Wald interval it
stays inside [-1, 1] and keeps its coverage for small groups and for rates of 0 % or 100 %.
Revenue per member uses Welch's t interval for a difference of means (no equal-variance
assumption; the holdout is usually much smaller than the treated group). Pure arithmetic, no
database: ``campaigns.results`` feeds it counts and per-member revenue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from scipy.stats import t as student_t

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
"""The normal quantile of a two-sided 95 % interval (1.95996...)."""


@dataclass(frozen=True)
class Estimate:
    """A figure and its 95 % confidence interval (``low`` ≤ ``value`` ≤ ``high``)."""

    value: float
    low: float
    high: float

    @property
    def covers_zero(self) -> bool:
        """The interval does not rule out "no difference at all"."""
        return self.low <= 0 <= self.high

    def times(self, factor: float) -> Estimate:
        """The same estimate in other units (a rate times the treated count is a number of customers)."""
        ends = sorted((self.low * factor, self.high * factor))
        return Estimate(self.value * factor, ends[0], ends[1])


@dataclass(frozen=True)
class GroupOutcome:
    """What one group (treated or holdout) did within the attribution window."""

    members: int
    converted: int
    """Members with at least one order in their window."""
    revenue: Sequence[float] = ()
    """Revenue of each member who bought, in one currency; the other members count as 0."""

    def __post_init__(self) -> None:
        if self.members < 0 or not 0 <= self.converted <= self.members:
            raise ValueError("converted must be between 0 and the group's members")
        if len(self.revenue) > self.members:
            raise ValueError("more revenue figures than members")

    @property
    def rate(self) -> float | None:
        return self.converted / self.members if self.members else None

    @property
    def revenue_per_member(self) -> float | None:
        return math.fsum(self.revenue) / self.members if self.members else None


def wilson(successes: int, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson's score interval of a proportion: sensible at 0 and n successes, where Wald's collapses."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n and n > 0")
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def rate_difference(treated: GroupOutcome, holdout: GroupOutcome, z: float = Z) -> Estimate | None:
    """Treated conversion rate minus the holdout's, with Newcombe's hybrid score interval;
    ``None`` when a group is empty (nothing to compare)."""
    if not treated.members or not holdout.members:
        return None
    p1, p2 = treated.converted / treated.members, holdout.converted / holdout.members
    l1, u1 = wilson(treated.converted, treated.members, z)
    l2, u2 = wilson(holdout.converted, holdout.members, z)
    d = p1 - p2
    return Estimate(d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2))


def _mean_and_variance(values: Sequence[float], n: int) -> tuple[float, float]:
    """Mean and sample variance of ``values`` padded with zeros to ``n`` items (two passes)."""
    mean = math.fsum(values) / n
    squares = math.fsum((x - mean) ** 2 for x in values) + (n - len(values)) * mean * mean
    return mean, squares / (n - 1)


def mean_difference(treated: GroupOutcome, holdout: GroupOutcome) -> Estimate | None:
    """Treated revenue per member minus the holdout's, with Welch's t interval; ``None`` when a
    group has fewer than two members (no variance to estimate). When neither group varies at
    all the interval is the difference itself."""
    if treated.members < 2 or holdout.members < 2:
        return None
    m1, v1 = _mean_and_variance(treated.revenue, treated.members)
    m2, v2 = _mean_and_variance(holdout.revenue, holdout.members)
    a, b = v1 / treated.members, v2 / holdout.members
    d = m1 - m2
    if a + b == 0:
        return Estimate(d, d, d)
    df = (a + b) ** 2 / (a * a / (treated.members - 1) + b * b / (holdout.members - 1))
    half = float(student_t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(a + b)
    return Estimate(d, d - half, d + half)


class Finding(StrEnum):
    """What the holdout comparison says about incremental customers, in words the dashboard shows."""

    MORE_CUSTOMERS = "more_customers"
    """The interval lies above 0: the campaign brought customers who would not have ordered."""
    NO_MEASURABLE_EFFECT = "no_measurable_effect"
    """The interval covers 0: as many of the holdout ordered, within chance."""
    FEWER_CUSTOMERS = "fewer_customers"
    """The interval lies below 0: the treated group ordered less than the holdout."""
    NO_HOLDOUT = "no_holdout"
    """No one was held out (or no one treated): there is nothing to compare with."""


@dataclass(frozen=True)
class Uplift:
    conversion: Estimate | None
    """Treated conversion rate minus the holdout's (a share, 0.05 is 5 points)."""
    revenue_per_member: Estimate | None
    """Treated revenue per member minus the holdout's, members without orders counting 0."""
    incremental_customers: Estimate | None
    """Conversion difference times the treated count: customers who ordered because of the campaign."""
    incremental_revenue: Estimate | None
    """Revenue-per-member difference times the treated count."""
    cost: float
    cost_per_incremental_customer: Estimate | None
    """Cost divided by incremental customers, only when the campaign measurably brought some
    (the interval is above 0), never a huge or negative figure from a difference that may be 0."""
    finding: Finding


def uplift(treated: GroupOutcome, holdout: GroupOutcome, cost: float = 0.0) -> Uplift:
    """The campaign's effect on conversion and revenue, scaled to the treated group, and its cost."""
    conversion = rate_difference(treated, holdout)
    revenue = mean_difference(treated, holdout)
    customers = conversion.times(treated.members) if conversion else None
    money = revenue.times(treated.members) if revenue else None
    if customers is None:
        finding = Finding.NO_HOLDOUT
    elif customers.low > 0:
        finding = Finding.MORE_CUSTOMERS
    elif customers.high < 0:
        finding = Finding.FEWER_CUSTOMERS
    else:
        finding = Finding.NO_MEASURABLE_EFFECT
    each = None
    if customers is not None and finding is Finding.MORE_CUSTOMERS:
        each = Estimate(cost / customers.value, cost / customers.high, cost / customers.low)
    return Uplift(conversion, revenue, customers, money, cost, each, finding)
