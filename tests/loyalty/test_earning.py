"""What an order is worth: a pure function of its state, whatever order the refunds came in."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.earning import LineFacts, OrderFacts, RefundFacts, RefundLineFacts, award
from loyalty.errors import InvalidRules
from loyalty.rules import Rules, Tier

WHEN = datetime(2025, 1, 1, tzinfo=UTC)


def order(*lines: tuple[str, str], refunds: tuple[RefundFacts, ...] = (), currency: str = "USD", **extra) -> OrderFacts:
    facts = tuple(
        LineFacts(lid, 1, Decimal(total), product_platform_id=f"p-{lid}", category="vinyl" if lid == "v" else "")
        for lid, total in lines
    )
    total = sum((f.total for f in facts), Decimal(0))
    return OrderFacts(
        id=1,
        merchant_id=1,
        store_id=1,
        customer_id=1,
        currency=currency,
        placed_at=WHEN,
        total=extra.pop("total", total),
        subtotal=total,
        lines=facts,
        refunds=refunds,
        **extra,
    )


def refund(rid: int, *lines: tuple[str, str], amount: str | None = None) -> RefundFacts:
    rl = tuple(RefundLineFacts(lid, 1, Decimal(a)) for lid, a in lines)
    return RefundFacts(rid, WHEN, Decimal(amount) if amount else sum((r.amount for r in rl), Decimal(0)), lines=rl)


@pytest.mark.parametrize(("mode", "points"), [("floor", 10), ("half_up", 11), ("half_even", 10), ("ceiling", 11)])
def test_rounding_follows_the_configured_mode(mode, points):
    assert award(order(("a", "10.50")), Rules(rounding=mode)).points == points


def test_refunds_in_any_order_give_the_same_points():
    r1, r2 = refund(1, ("a", "10.00")), refund(2, ("b", "3.33"))
    base = order(("a", "30.00"), ("b", "10.00"))
    one = award(OrderFacts(**{**_fields(base), "refunds": (r1, r2)}), Rules())
    two = award(OrderFacts(**{**_fields(base), "refunds": (r2, r1)}), Rules())
    assert one == two and one.points == 26 and one.spend == Decimal("26.6700")


def test_a_refund_without_lines_comes_off_pro_rata_and_a_full_refund_leaves_nothing():
    assert award(order(("a", "30"), ("b", "10"), refunds=(refund(1, amount="10"),)), Rules()).points == 30
    empty = award(order(("a", "30"), refunds=(refund(1, ("a", "30")),)), Rules())
    assert (empty.points, empty.counted) == (0, False)


def test_shipping_and_tax_count_only_when_configured():
    facts = order(("a", "20"), shipping=Decimal("5"), tax=Decimal("2"), total=Decimal("27"))
    assert award(facts, Rules()).points == 20
    assert award(facts, Rules(include_shipping=True, include_tax=True)).points == 27


def test_product_and_category_multipliers_and_the_tier_multiplier_compose():
    rules = Rules(
        product_multipliers={"p-a": Decimal(2)},
        category_multipliers={"vinyl": Decimal(3)},
        tiers=(Tier("Gold", Decimal(0), Decimal("1.5")),),
    )
    assert award(order(("a", "10"), ("v", "10"), ("c", "10")), rules, Decimal("1.5")).points == 90


def test_a_currency_without_a_rate_earns_nothing_but_its_spend_converts():
    rules = Rules(earn_rates={"USD": Decimal(1)}, exchange_rates={"EUR": Decimal("1.10")})
    result = award(order(("a", "100"), currency="EUR"), rules)
    assert (result.points, result.spend) == (0, Decimal("110.0000"))


def test_cancelled_and_unpaid_orders_are_worth_nothing():
    assert award(order(("a", "10"), cancelled_at=WHEN), Rules()).points == 0
    assert award(order(("a", "10"), unpaid=True), Rules()).points == 0


def test_rules_round_trip_through_json():
    rules = Rules(
        tiers=(Tier("Gold", Decimal("250.50"), Decimal("1.25"), 10, True),), earn_rates={"EUR": Decimal("1.5")}
    )
    assert Rules.from_json(rules.to_json()) == rules
    with pytest.raises(InvalidRules):
        Rules.from_json({"earn_ratez": {}})


def _fields(facts: OrderFacts) -> dict:
    return {name: getattr(facts, name) for name in facts.__slots__}
