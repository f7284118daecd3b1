"""What an order is worth under a set of rules: a pure function of the order's current state.

The target for an order depends only on its lines, refunds and cancellation, never on the
order in which those arrived, which is what makes processing idempotent and replayable: the
ledger only ever posts the difference between this target and what the order already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loyalty.rules import Rules

ZERO = Decimal(0)
CENTS = Decimal("0.0001")
FINE = Decimal("1e-9")


@dataclass(frozen=True, slots=True)
class LineFacts:
    platform_id: str
    quantity: int
    total: Decimal
    """After line discounts."""
    product_platform_id: str | None = None
    category: str = ""
    is_gift_card: bool = False


@dataclass(frozen=True, slots=True)
class RefundLineFacts:
    line_platform_id: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundFacts:
    id: int
    created_at: datetime
    amount: Decimal
    store_credit: bool = False
    lines: tuple[RefundLineFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderFacts:
    id: int
    merchant_id: int
    store_id: int
    customer_id: int | None
    currency: str
    placed_at: datetime
    total: Decimal
    subtotal: Decimal = ZERO
    total_discount: Decimal = ZERO
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    cancelled_at: datetime | None = None
    test: bool = False
    unpaid: bool = False
    fulfilled: bool = False
    discount_codes: tuple[str, ...] = ()
    lines: tuple[LineFacts, ...] = ()
    refunds: tuple[RefundFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Award:
    points: int
    spend: Decimal
    """Net qualifying spend in the program currency."""
    counted: bool
    """Whether the order counts as an order for tiers (not cancelled, not fully refunded)."""


NOTHING = Award(0, ZERO, False)


def _line_multiplier(line: LineFacts, rules: Rules) -> Decimal:
    product = rules.product_multipliers.get(line.product_platform_id or "")
    if product is not None:
        return product
    return rules.category_multipliers.get(line.category, Decimal(1))


def award(order: OrderFacts, rules: Rules, multiplier: Decimal = Decimal(1)) -> Award:
    """Points and qualifying spend of an order in its current state.

    Basis: line totals after line discounts, less a pro-rata share of order discounts (when
    configured), without gift cards, shipping and tax unless configured; refunded lines come
    off at their refunded share, refunds without lines pro rata over the whole order, store
    credit included. A cancelled, unpaid or test order is worth nothing.
    """
    if order.cancelled_at is not None or order.test or order.unpaid:
        return NOTHING
    refunded_by_line: dict[str, Decimal] = {}
    unlined = ZERO
    known = {line.platform_id for line in order.lines}
    for refund in order.refunds:
        lined = [rl for rl in refund.lines if rl.line_platform_id in known]
        if not lined:
            unlined += refund.amount
        for rl in lined:
            refunded_by_line[rl.line_platform_id] = refunded_by_line.get(rl.line_platform_id, ZERO) + rl.amount
    whole = sum((line.total for line in order.lines), ZERO) or order.subtotal
    discount = order.total_discount if rules.after_discounts else ZERO
    # Shares are multiplied out before the one division per line, so exact amounts stay exact.
    kept_total = max(ZERO, order.total - unlined) if unlined > ZERO else order.total
    raw = ZERO
    spend = ZERO
    for line in order.lines:
        if line.is_gift_card and not rules.include_gift_cards:
            continue
        if line.total <= ZERO:
            continue
        if not discount and not unlined and line.platform_id not in refunded_by_line:
            spend += line.total
            raw += line.total * _line_multiplier(line, rules)
            continue
        kept_line = line.total - min(refunded_by_line.get(line.platform_id, ZERO), line.total)
        basis = line.total * whole - discount * line.total if whole > ZERO else line.total * whole
        numerator = max(ZERO, basis) * kept_line * kept_total
        denominator = whole * line.total * order.total if order.total > ZERO else ZERO
        net = numerator / denominator if denominator > ZERO else ZERO
        spend += net
        raw += net * _line_multiplier(line, rules)
    extras = (order.shipping if rules.include_shipping else ZERO) + (order.tax if rules.include_tax else ZERO)
    if extras > ZERO and order.total > ZERO:
        share = extras * kept_total / order.total
        spend += share
        raw += share
    rate = rules.earn_rates.get(order.currency, ZERO)
    exact = (raw * rate * multiplier).quantize(FINE)  # drops division noise below a billionth
    points = int(exact.to_integral_value(rounding=rules.rounding_mode))
    if rules.max_points_per_order is not None:
        points = min(points, rules.max_points_per_order)
    fx = Decimal(1) if order.currency == rules.currency else rules.exchange_rates.get(order.currency, ZERO)
    spend = (spend * fx).quantize(CENTS)
    return Award(max(0, points), spend, spend > ZERO)
