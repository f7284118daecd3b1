"""The holdout statistics against a hand calculation: the formulas below are written out
independently (Wilson bounds as the roots of their quadratic, Welch's t quantile found by
integrating Student's density), on simulated campaigns with a planted effect and with none."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from campaigns.uplift import Finding, GroupOutcome, mean_difference, rate_difference, uplift, wilson

Z = 1.959963984540054


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    """The p for which |p_hat - p| = z sqrt(p (1 - p) / n): roots of a quadratic in p."""
    p_hat = x / n
    a = 1 + Z * Z / n
    b = -(2 * p_hat + Z * Z / n)
    c = p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def newcombe_by_hand(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_by_hand(x1, n1)
    l2, u2 = wilson_by_hand(x2, n2)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def t_quantile_by_hand(p: float, df: float) -> float:
    """Bisection on Student's CDF, itself Simpson's rule over the density from 0."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def density(x: float) -> float:
        return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))

    def cdf(x: float, steps: int = 2000) -> float:
        h = x / steps
        inner = sum((4 if i % 2 else 2) * density(i * h) for i in range(1, steps))
        return 0.5 + h / 3 * (density(0) + inner + density(x))

    low, high = 0.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < p else (low, mid)
    return (low + high) / 2


def welch_by_hand(a: list[float], b: list[float]) -> tuple[float, float, float]:
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = t_quantile_by_hand(0.975, df) * math.sqrt(va + vb)
    d = statistics.mean(a) - statistics.mean(b)
    return d, d - half, d + half


def simulate(rng: random.Random, members: int, rate: float, spend: float) -> tuple[GroupOutcome, list[float]]:
    """A group where each member orders with probability ``rate``, spending about ``spend``;
    returns the outcome and every member's revenue (zeros included) for the hand calculation."""
    revenue = [round(rng.uniform(0.4, 1.6) * spend, 2) if rng.random() < rate else 0.0 for _ in range(members)]
    bought = [r for r in revenue if r > 0]
    return GroupOutcome(members, len(bought), bought), revenue


def test_wilson_interval_matches_the_roots_of_its_quadratic() -> None:
    for x, n in ((0, 10), (3, 10), (10, 10), (1, 1), (412, 1000)):
        assert wilson(x, n) == pytest.approx(wilson_by_hand(x, n), abs=1e-12)


def test_a_planted_effect_is_found_and_its_interval_covers_what_was_planted() -> None:
    rng = random.Random(18)
    treated, treated_revenue = simulate(rng, 3000, 0.30, 50.0)
    holdout, holdout_revenue = simulate(rng, 1000, 0.20, 50.0)

    result = uplift(treated, holdout, cost=1200.0)

    d, low, high = newcombe_by_hand(treated.converted, 3000, holdout.converted, 1000)
    assert result.conversion is not None
    assert (result.conversion.value, result.conversion.low, result.conversion.high) == pytest.approx((d, low, high))
    assert 0 < result.conversion.low < 0.10 < result.conversion.high
    rd, rlow, rhigh = welch_by_hand(treated_revenue, holdout_revenue)
    assert result.revenue_per_member is not None
    got = (result.revenue_per_member.value, result.revenue_per_member.low, result.revenue_per_member.high)
    assert got == pytest.approx((rd, rlow, rhigh), rel=1e-6)
    assert 0 < result.revenue_per_member.low < 0.10 * 50.0 < result.revenue_per_member.high

    assert result.finding is Finding.MORE_CUSTOMERS
    assert result.incremental_customers is not None and result.incremental_revenue is not None
    assert result.incremental_customers.value == pytest.approx(d * 3000)
    assert (result.incremental_customers.low, result.incremental_customers.high) == pytest.approx(
        (low * 3000, high * 3000)
    )
    assert result.incremental_revenue.value == pytest.approx(rd * 3000, rel=1e-6)
    each = result.cost_per_incremental_customer
    assert each is not None
    assert each.value == pytest.approx(1200.0 / (d * 3000))
    assert (each.low, each.high) == pytest.approx((1200.0 / (high * 3000), 1200.0 / (low * 3000)))


def test_no_effect_gives_intervals_that_cover_zero_and_no_cost_per_customer() -> None:
    rng = random.Random(19)
    treated, treated_revenue = simulate(rng, 2000, 0.25, 40.0)
    holdout, holdout_revenue = simulate(rng, 500, 0.25, 40.0)

    result = uplift(treated, holdout, cost=800.0)

    assert result.conversion is not None and result.conversion.covers_zero
    assert (result.conversion.value, result.conversion.low, result.conversion.high) == pytest.approx(
        newcombe_by_hand(treated.converted, 2000, holdout.converted, 500)
    )
    assert result.revenue_per_member is not None and result.revenue_per_member.covers_zero
    assert (
        result.revenue_per_member.value,
        result.revenue_per_member.low,
        result.revenue_per_member.high,
    ) == pytest.approx(welch_by_hand(treated_revenue, holdout_revenue), rel=1e-6)
    assert result.finding is Finding.NO_MEASURABLE_EFFECT
    assert result.cost_per_incremental_customer is None


def test_the_intervals_cover_the_true_difference_about_95_times_in_100() -> None:
    rng = random.Random(20)
    runs, conversion_hits, revenue_hits = 300, 0, 0
    for _ in range(runs):
        treated, _ = simulate(rng, 400, 0.15, 30.0)
        holdout, _ = simulate(rng, 100, 0.10, 30.0)
        conversion, revenue = rate_difference(treated, holdout), mean_difference(treated, holdout)
        assert conversion is not None and revenue is not None
        conversion_hits += conversion.low <= 0.05 <= conversion.high
        revenue_hits += revenue.low <= 0.05 * 30.0 <= revenue.high
    assert 0.91 <= conversion_hits / runs <= 0.99
    assert 0.91 <= revenue_hits / runs <= 0.99


def test_a_campaign_that_does_harm_says_fewer_customers_and_gives_no_cost_per_customer() -> None:
    result = uplift(GroupOutcome(1000, 100, [20.0] * 100), GroupOutcome(1000, 200, [20.0] * 200), cost=50.0)
    assert result.finding is Finding.FEWER_CUSTOMERS
    assert result.incremental_customers is not None and result.incremental_customers.high < 0
    assert result.cost_per_incremental_customer is None


def test_without_a_holdout_there_is_nothing_to_compare() -> None:
    result = uplift(GroupOutcome(50, 20, [10.0] * 20), GroupOutcome(0, 0), cost=10.0)
    assert result.finding is Finding.NO_HOLDOUT
    assert result.conversion is None and result.revenue_per_member is None
    assert result.incremental_customers is None and result.cost_per_incremental_customer is None


def test_when_everyone_converted_in_both_groups_the_difference_is_zero_with_a_finite_interval() -> None:
    treated, holdout = GroupOutcome(50, 50, [10.0] * 50), GroupOutcome(10, 10, [10.0] * 10)
    conversion = rate_difference(treated, holdout)
    assert conversion is not None
    assert (conversion.value, conversion.low, conversion.high) == pytest.approx(newcombe_by_hand(50, 50, 10, 10))
    assert -1 < conversion.low < 0 < conversion.high < 1
    revenue = mean_difference(treated, holdout)
    assert revenue is not None and (revenue.value, revenue.low, revenue.high) == (0.0, 0.0, 0.0)
    assert uplift(treated, holdout).finding is Finding.NO_MEASURABLE_EFFECT


def test_nobody_converting_anywhere_is_no_measurable_effect() -> None:
    result = uplift(GroupOutcome(100, 0), GroupOutcome(20, 0))
    assert result.conversion is not None and result.conversion.value == 0 and result.conversion.high > 0
    assert result.finding is Finding.NO_MEASURABLE_EFFECT


def test_a_one_member_holdout_gives_a_conversion_interval_but_no_revenue_interval() -> None:
    result = uplift(GroupOutcome(30, 10, [5.0] * 10), GroupOutcome(1, 0))
    assert result.conversion is not None
    assert (result.conversion.value, result.conversion.low, result.conversion.high) == pytest.approx(
        newcombe_by_hand(10, 30, 0, 1)
    )
    assert result.revenue_per_member is None and result.incremental_revenue is None


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        GroupOutcome(10, 11)
    with pytest.raises(ValueError):
        GroupOutcome(2, 1, [1.0, 2.0, 3.0])
