"""The simulated shop's mutable records and the few formatting rules every view shares.

The shared data set is frozen; the simulator needs records it can edit, refund and cancel,
so it copies them into these dataclasses. Money is ``Decimal``, timestamps are aware UTC
``datetime`` values with whole seconds (the precision Shopify shows in GraphQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FREE_SHIPPING = "free_shipping"

# Id bases for kinds the shared data set does not allocate (large, like Shopify's).
EXTRA_ID_BASES: dict[str, int] = {
    "webhook_subscription": 1_100_000_000_000,
    "discount": 1_200_000_000_000,
    "discount_code": 1_300_000_000_000,
    "transaction": 1_400_000_000_000,
    "address": 1_500_000_000_000,
    "bulk_operation": 1_600_000_000_000,
}


def gid(kind: str, number: int) -> str:
    """Global id as the Admin GraphQL API writes it."""
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: object, kind: str | None = None) -> int | None:
    """Numeric id of ``gid://shopify/<kind>/<n>`` (``None`` when malformed or of another kind)."""
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    parts = value[len("gid://shopify/") :].split("/")
    if len(parts) != 2 or (kind is not None and parts[0] != kind):
        return None
    number = parts[1].split("?")[0]
    return int(number) if number.isdigit() else None


def address_id(owner_id: int) -> int:
    """Id of a customer's (or order's) address, derived so every view agrees on it."""
    return EXTRA_ID_BASES["address"] + owner_id % 10**12


def gid_kind(value: str) -> str | None:
    parts = value[len("gid://shopify/") :].split("/") if value.startswith("gid://shopify/") else []
    return parts[0] if len(parts) == 2 else None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def graphql_decimal(value: Decimal) -> str:
    """GraphQL ``Decimal``: no trailing zeros beyond one ("10.0", "59.9"), Ruby-style.

    Shopify's GraphQL answers are read here as printing amounts this way (not verified on a
    live shop); either way clients must parse the string, never compare it.
    """
    text = format(value.quantize(CENT), "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0") or "0"
    return f"{whole}.{frac}"


def rest_money(value: Decimal) -> str:
    """Money as REST and webhook payloads print it: two decimals ("59.90")."""
    return format(value.quantize(CENT), "f")


def iso_z(value: datetime) -> str:
    """GraphQL ``DateTime``: ISO 8601 in UTC with a ``Z`` and whole seconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in whole cents; the last share takes the remainder."""
    weight = sum(weights, ZERO)
    if not weights:
        return []
    if weight == 0:
        return [ZERO] * (len(weights) - 1) + [total]
    shares = [(total * w / weight).quantize(CENT, rounding="ROUND_FLOOR") for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]


@dataclass
class Address:
    first_name: str | None
    last_name: str | None
    address1: str | None
    city: str | None
    province_code: str | None
    zip: str | None
    country_code: str | None
    phone: str | None = None
    company: str | None = None
    address2: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class Variant:
    id: int
    product_id: int
    title: str
    sku: str
    price: Decimal
    compare_at_price: Decimal | None
    inventory_quantity: int
    position: int
    created_at: datetime
    updated_at: datetime

    @property
    def available_for_sale(self) -> bool:
        return self.inventory_quantity > 0


@dataclass
class Product:
    id: int
    title: str
    handle: str
    vendor: str
    product_type: str
    status: str  # ACTIVE | ARCHIVED | DRAFT
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    variants: list[Variant]
    body_html: str = ""

    @property
    def total_inventory(self) -> int:
        return sum(v.inventory_quantity for v in self.variants)


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address: Address | None
    created_at: datetime
    updated_at: datetime
    accepts_marketing: bool
    state: str = "ENABLED"  # CustomerState
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    verified_email: bool = True
    consent_updated_at: datetime | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class LineItem:
    id: int
    order_id: int
    product_id: int | None
    variant_id: int | None
    title: str
    variant_title: str
    sku: str
    vendor: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO  # share of the order's code discounts allocated to this line
    refunded_quantity: int = 0
    refunded_amount: Decimal = ZERO

    @property
    def original_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def discounted_total(self) -> Decimal:
        return self.original_total - self.discount

    @property
    def discounted_unit_price(self) -> Decimal:
        return cents(self.discounted_total / self.quantity) if self.quantity else ZERO

    @property
    def current_quantity(self) -> int:
        return self.quantity - self.refunded_quantity

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title

    def refund_amount(self, quantity: int) -> Decimal:
        """What refunding ``quantity`` more units returns; the last unit takes the rounding rest."""
        if quantity >= self.current_quantity:
            return self.discounted_total - self.refunded_amount
        return cents(self.discounted_total * quantity / self.quantity)


@dataclass
class RefundLineItem:
    id: int
    line_item_id: int
    quantity: int
    subtotal: Decimal
    restock_type: str = "RETURN"  # RefundLineItemRestockType


@dataclass
class Refund:
    id: int
    order_id: int
    created_at: datetime
    note: str | None
    lines: list[RefundLineItem]
    amount: Decimal
    transaction_id: int
    restock: bool = True


@dataclass
class AppliedCode:
    """One discount code on an order, as REST ``discount_codes[]`` shows it."""

    code: str
    amount: Decimal
    type: str  # percentage | fixed_amount | shipping


@dataclass
class Order:
    id: int
    number: int
    email: str | None
    phone: str | None
    customer_id: int | None
    billing_address: Address | None
    shipping_address: Address | None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    currency: str
    lines: list[LineItem]
    total_discount: Decimal
    shipping: Decimal
    tax: Decimal
    codes: list[AppliedCode] = field(default_factory=list)
    financial_status: str = "PAID"  # OrderDisplayFinancialStatus
    fulfillment_status: str = "FULFILLED"  # OrderDisplayFulfillmentStatus
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    refunds: list[Refund] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    test: bool = False
    source_name: str = "web"
    buyer_accepts_marketing: bool = False

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def line_items_total(self) -> Decimal:
        """Sum of line prices before discounts (REST ``total_line_items_price``)."""
        return sum((li.original_total for li in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        """Line prices after discounts, before shipping and tax (``subtotalPriceSet``)."""
        return self.line_items_total - self.total_discount

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax

    @property
    def total_refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds), ZERO)

    @property
    def current_subtotal(self) -> Decimal:
        return self.subtotal - sum((li.refunded_amount for li in self.lines), ZERO)

    @property
    def current_total(self) -> Decimal:
        return self.total - self.total_refunded

    @property
    def received(self) -> Decimal:
        """Money captured: nothing for an order that was only authorized or voided."""
        return ZERO if self.financial_status in ("AUTHORIZED", "PENDING", "VOIDED") else self.total

    @property
    def discount_codes(self) -> list[str]:
        return [c.code for c in self.codes]

    @property
    def quantity(self) -> int:
        return sum(li.quantity for li in self.lines)


@dataclass
class Discount:
    """A code discount: basic (``discountCodeBasicCreate``, or pre-existing) or free shipping
    (``discountCodeFreeShippingCreate``), told apart by ``kind``."""

    id: int  # DiscountCodeNode id
    code_id: int  # DiscountRedeemCode id
    code: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    kind: str  # percentage | fixed_amount | free_shipping
    value: Decimal  # fraction 0..1 for percentage, money for fixed_amount, 0 for free_shipping
    applies_on_each_item: bool
    customer_ids: frozenset[int] | None  # None = all buyers
    segment_ids: frozenset[int] = frozenset()
    min_subtotal: Decimal | None = None
    min_quantity: int | None = None
    usage_limit: int | None = None
    once_per_customer: bool = False
    combines_with: dict[str, bool] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    usage_count: int = 0
    used_by: list[int | None] = field(default_factory=list)
    countries: frozenset[str] | None = None  # free shipping: None = every country
    rest_of_world: bool = False  # free shipping: other countries too (the shop has no shipping zones)
    max_shipping_price: Decimal | None = None  # free shipping: dearer rates do not qualify
    one_time_purchase: bool = True
    subscription: bool = False

    @property
    def free_shipping(self) -> bool:
        return self.kind == FREE_SHIPPING

    def status(self, now: datetime) -> str:
        if now < self.starts_at:
            return "SCHEDULED"
        if self.ends_at is not None and now >= self.ends_at:
            return "EXPIRED"
        return "ACTIVE"

    def amount_for(self, subtotal: Decimal, quantity: int) -> Decimal:
        """Money off the lines (a free-shipping code takes nothing off them)."""
        if self.free_shipping:
            return ZERO
        if self.kind == "percentage":
            return min(subtotal, cents(subtotal * self.value))
        each = self.value * quantity if self.applies_on_each_item else self.value
        return min(subtotal, cents(each))

    def eligible(
        self, now: datetime, customer_id: int | None, subtotal: Decimal, quantity: int, country: str | None = None
    ) -> bool:
        if self.status(now) != "ACTIVE":
            return False
        if (
            self.free_shipping
            and self.countries is not None
            and not self.rest_of_world
            and country not in self.countries
        ):
            return False
        if self.usage_limit is not None and self.usage_count >= self.usage_limit:
            return False
        if self.customer_ids is not None and customer_id not in self.customer_ids:
            return False
        if self.once_per_customer and customer_id is not None and customer_id in self.used_by:
            return False
        if self.min_subtotal is not None and subtotal < self.min_subtotal:
            return False
        return not (self.min_quantity is not None and quantity < self.min_quantity)
