"""Canonical records: what every connector turns platform payloads into, and what the store accepts.

Plain frozen dataclasses with ``Decimal`` money and aware UTC datetimes. Platform ids are
strings (Shopify's are 64-bit, WooCommerce's small ints; guests get ``guest:<hash>``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


def guest_platform_id(email: str) -> str:
    """Stable id for a guest checkout at one store, from the normalised email."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"guest:{digest}"


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    platform_id: str
    updated_at: datetime
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    accepts_marketing: bool = False
    address: Mapping[str, str] | None = None
    tags: str = ""
    locale: str | None = None
    birthday: date | None = None
    created_at: datetime | None = None
    is_guest: bool = False
    verified_email: bool = False


@dataclass(frozen=True, slots=True)
class VariantRecord:
    platform_id: str
    price: Decimal
    sku: str = ""
    title: str = ""
    compare_at_price: Decimal | None = None
    in_stock: bool = True


@dataclass(frozen=True, slots=True)
class ProductRecord:
    platform_id: str
    title: str
    updated_at: datetime
    handle: str = ""
    vendor: str = ""
    category: str = ""
    status: str = "active"
    variants: tuple[VariantRecord, ...] = ()
    image_url: str = ""
    image_alt: str = ""
    url: str = ""
    """The product's page on the storefront, where a theme links it."""


@dataclass(frozen=True, slots=True)
class LineRecord:
    platform_id: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    total_discount: Decimal = Decimal("0")
    sku: str = ""
    title: str = ""
    product_platform_id: str | None = None
    variant_platform_id: str | None = None
    is_gift_card: bool = False


@dataclass(frozen=True, slots=True)
class RefundLineRecord:
    platform_id: str
    line_platform_id: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundRecord:
    platform_id: str
    created_at: datetime
    amount: Decimal
    note: str = ""
    store_credit: bool = False
    lines: tuple[RefundLineRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRecord:
    platform_id: str
    currency: str
    total: Decimal
    created_at: datetime
    updated_at: datetime
    name: str = ""
    customer: CustomerRecord | None = None
    email: str | None = None
    phone: str | None = None
    subtotal: Decimal = Decimal("0")
    total_discount: Decimal = Decimal("0")
    shipping: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    financial_status: str = "paid"
    fulfillment_status: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    discount_codes: tuple[str, ...] = ()
    shipping_address: Mapping[str, str] | None = None
    test: bool = False
    lines: tuple[LineRecord, ...] = ()
    refunds: tuple[RefundRecord, ...] = field(default=())

    @property
    def total_refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds), Decimal("0"))
