"""Mutable records of the simulated WooCommerce site (what its database holds).

Money is ``Decimal`` with two places, dates are aware UTC datetimes with whole seconds.
Shapes follow WooCommerce's data objects (``WC_Order``, ``WC_Order_Item_Product``,
``WC_Order_Refund``, ``WC_Customer``, ``WC_Coupon``, ``WC_Webhook``, API keys), not the
REST output; :mod:`sandbox.woocommerce.resources` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

ZERO = Decimal("0.00")

ORDER_STATUSES: tuple[str, ...] = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
PAID_STATUSES: frozenset[str] = frozenset({"processing", "completed", "on-hold", "refunded"})
"""Statuses whose orders count towards :meth:`WooState.totals` revenue."""


@dataclass
class MetaItem:
    """One ``meta_data`` row (``WC_Meta_Data``)."""

    id: int
    key: str
    value: str
    display_key: str | None = None
    display_value: str | None = None


@dataclass
class Address:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    email: str = ""  # billing only
    phone: str = ""


@dataclass
class User:
    """A WordPress user; ``role == "customer"`` makes it a WooCommerce customer."""

    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: str
    billing: Address
    shipping: Address
    date_created: datetime
    date_modified: datetime
    is_paying_customer: bool = False

    @property
    def display_name(self) -> str:
        # wc_create_new_customer() inserts the user with login/email only, so WordPress
        # falls back to the login for display_name; orderby=name sorts on it.
        return self.username


@dataclass
class Variation:
    id: int
    parent_id: int
    sku: str
    option: str  # value of the "Format" attribute
    regular_price: Decimal
    sale_price: Decimal | None
    in_stock: bool
    date_created: datetime
    date_modified: datetime
    menu_order: int = 0

    @property
    def price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.regular_price


@dataclass
class Product:
    id: int
    name: str
    slug: str
    sku: str
    type: str  # "simple" | "variable"
    status: str
    regular_price: Decimal  # simple: own price; variable: unused (rendered "")
    sale_price: Decimal | None
    in_stock: bool
    category_id: int
    category_name: str
    category_slug: str
    vendor: str
    date_created: datetime
    date_modified: datetime
    variation_ids: list[int] = field(default_factory=list)

    @property
    def price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.regular_price


@dataclass
class LineItem:
    """``WC_Order_Item_Product`` (also the refunded copy inside a refund)."""

    id: int
    name: str
    product_id: int
    variation_id: int  # 0 for simple products
    quantity: int  # negative inside refunds
    subtotal: Decimal  # before coupon discounts
    total: Decimal  # after coupon discounts (negative inside refunds)
    sku: str
    parent_name: str | None = None  # product title when the item is a variation
    meta: list[MetaItem] = field(default_factory=list)
    refunded_item_id: int | None = None  # refunds only: the order line this item refunds


@dataclass
class CouponLine:
    id: int
    code: str
    discount: Decimal
    meta: list[MetaItem] = field(default_factory=list)


@dataclass
class Refund:
    """``WC_Order_Refund``: its own id in the orders id space, parent = the order."""

    id: int
    order_id: int
    date_created: datetime
    amount: Decimal  # positive
    reason: str
    refunded_by: int
    refunded_payment: bool
    line_items: list[LineItem] = field(default_factory=list)


@dataclass
class Order:
    id: int
    number: str
    order_key: str
    status: str
    currency: str
    customer_id: int  # 0 = guest
    billing: Address
    shipping: Address
    payment_method: str
    payment_method_title: str
    transaction_id: str
    date_created: datetime
    date_modified: datetime
    date_paid: datetime | None
    date_completed: datetime | None
    line_items: list[LineItem]
    coupon_lines: list[CouponLine]
    discount_total: Decimal
    shipping_total: Decimal
    total_tax: Decimal
    total: Decimal
    customer_note: str = ""
    created_via: str = "checkout"
    version: str = "9.4.3"
    refund_ids: list[int] = field(default_factory=list)
    status_before_trash: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.customer_id == 0


@dataclass
class Coupon:
    id: int
    code: str  # stored lower-cased (wc_format_coupon_code + wc_strtolower)
    amount: Decimal
    discount_type: str
    description: str
    date_created: datetime
    date_modified: datetime
    date_expires: datetime | None = None
    usage_count: int = 0
    individual_use: bool = False
    product_ids: list[int] = field(default_factory=list)
    excluded_product_ids: list[int] = field(default_factory=list)
    usage_limit: int | None = None
    usage_limit_per_user: int | None = None
    limit_usage_to_x_items: int | None = None
    free_shipping: bool = False
    product_categories: list[int] = field(default_factory=list)
    excluded_product_categories: list[int] = field(default_factory=list)
    exclude_sale_items: bool = False
    minimum_amount: Decimal = ZERO
    maximum_amount: Decimal = ZERO
    email_restrictions: list[str] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)
    status: str = "publish"


@dataclass
class Webhook:
    id: int
    name: str
    status: str  # active | paused | disabled
    topic: str
    delivery_url: str
    secret: str
    user_id: int
    date_created: datetime
    date_modified: datetime
    failure_count: int = 0
    api_version: str = "wp_api_v3"
    pending_delivery: bool = True

    @property
    def resource(self) -> str:
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        return self.topic.split(".", 1)[1] if "." in self.topic else ""


@dataclass
class ApiKey:
    """A row of ``wp_woocommerce_api_keys`` (the consumer key kept in clear here)."""

    key_id: int
    user_id: int
    description: str
    permissions: str  # read | write | read_write
    consumer_key: str
    consumer_secret: str
    nonces: dict[str, int] = field(default_factory=dict)  # nonce -> timestamp
    active: bool = True
