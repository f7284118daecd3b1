"""Plain, immutable records describing the sandbox merchant.

Every record is a frozen dataclass. Money is ``Decimal`` with two places, every
timestamp is a timezone-aware UTC ``datetime``. Addresses are :class:`ReadOnlyDict`
instances: real ``dict`` subclasses (so ``json.dumps`` and ``dataclasses.asdict``
work on them) that refuse mutation, because built data sets are cached and shared.

``Person`` is the ground truth (one real human). ``Customer`` and ``Order`` are what a
platform stores; they carry ``person_id`` only as a truth label for evaluation,
a platform simulator must not expose it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .feedback import Feedback

Platform = Literal["shopify", "woocommerce"]
PLATFORMS: tuple[Platform, ...] = ("shopify", "woocommerce")

# First ids handed out per platform and kind (the n-th record gets base + n, n >= 1).
# Shopify ids are 13-digit integers; WooCommerce ids are small integers. ``refund``
# bases are not used by the base data set: simulators that create refunds use them.
ID_BASES: Mapping[str, Mapping[str, int]] = {
    "shopify": {
        "customer": 7_000_000_000_000,
        "product": 8_000_000_000_000,
        "variant": 4_000_000_000_000,
        "order": 5_000_000_000_000,
        "line": 6_000_000_000_000,
        "refund": 9_000_000_000_000,
        "refund_line": 9_500_000_000_000,
    },
    "woocommerce": {
        "customer": 0,
        "product": 0,  # variations continue after the last product id (one posts table)
        "order": 1000,  # order id == order number, as WooCommerce shows it
        "line": 0,
        "refund": 100_000,
        "refund_line": 0,
    },
}

FIRST_ORDER_NUMBER = 1001


class ReadOnlyDict(dict):
    """A ``dict`` that cannot be changed after construction (and is hashable)."""

    __slots__ = ()

    def _readonly(self, *args, **kwargs):
        raise TypeError("ReadOnlyDict is immutable; copy it with dict(...) first")

    __setitem__ = __delitem__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly
    __ior__ = _readonly

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self):
        return (type(self), (dict(self),))

    def __copy__(self) -> ReadOnlyDict:
        return self

    def __deepcopy__(self, memo) -> ReadOnlyDict:
        return self


Address = ReadOnlyDict
"""Keys: ``address1``, ``city``, ``province_code`` (US state), ``zip``, ``country_code``."""


@dataclass(frozen=True)
class StoreInfo:
    platform: Platform
    domain_or_url: str
    currency: str
    name: str


@dataclass(frozen=True)
class Person:
    """A real human being (ground truth, never a platform record)."""

    person_id: int  # CDNOW customer id
    first_name: str
    last_name: str
    email: str  # canonical: lower case, no surrounding whitespace; unique per person
    phone: str  # canonical E.164 (+1NXXNXXXXXX); unique per person
    address: Address
    birthday: date | None
    accepts_marketing: bool


@dataclass(frozen=True)
class Customer:
    """A store-level account, as that store has it."""

    store: Platform
    platform_id: int
    person_id: int  # truth label
    first_name: str
    last_name: str
    email: str  # as this store has it (may differ in case/whitespace from the canonical)
    phone: str | None  # as this store has it (Shopify: E.164; WooCommerce: free text)
    address: Address
    created_at: datetime
    updated_at: datetime
    accepts_marketing: bool


@dataclass(frozen=True)
class Variant:
    """One purchasable variant.

    On WooCommerce a product with a single variant is a "simple" product and that
    variant's ``platform_id`` equals the product's; variations of a "variable" product
    have their own ids, allocated after the last product id.
    """

    platform_id: int
    product_platform_id: int
    sku: str
    title: str  # the format: "CD", "Vinyl LP", "Cassette"
    price: Decimal
    in_stock: bool


@dataclass(frozen=True)
class Product:
    store: Platform
    platform_id: int
    item_id: int  # retail item id the product stands for (same on both stores)
    sku: str  # RT-{item:05d}, same on both stores
    handle: str
    title: str
    vendor: str
    category: str
    price: Decimal  # price of the first (default) variant
    variants: tuple[Variant, ...]
    created_at: datetime
    updated_at: datetime

    @property
    def in_stock(self) -> bool:
        return any(v.in_stock for v in self.variants)


@dataclass(frozen=True)
class OrderLine:
    """An order line. Invariant: ``quantity * unit_price == line_total`` exactly."""

    platform_id: int  # unique per store
    product_platform_id: int
    variant_platform_id: int
    item_id: int
    sku: str  # the variant's sku
    title: str  # the product's title
    variant_title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class RefundLine:
    line_platform_id: int
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class Refund:
    platform_id: int
    created_at: datetime
    amount: Decimal
    note: str
    lines: tuple[RefundLine, ...] = ()


@dataclass(frozen=True)
class Order:
    """One purchase on one store.

    Money invariants: ``sum(line.line_total) == subtotal``,
    ``subtotal - total_discount + shipping + tax == total`` and (base set)
    ``shipping == tax == 0`` and ``total`` is the CDNOW dollar value as recorded.
    """

    store: Platform
    platform_id: int
    number: int  # 1001, 1002, ... per store in chronological order
    name: str  # "#1001"
    person_id: int  # truth label
    customer_platform_id: int | None  # None for a guest checkout
    email: str  # as entered in this order
    phone: str | None  # as entered in this order
    first_name: str
    last_name: str
    billing_address: Address
    shipping_address: Address
    created_at: datetime
    updated_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]
    subtotal: Decimal
    total_discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    discount_codes: tuple[str, ...] = ()
    financial_status: str = "paid"
    cancelled_at: datetime | None = None
    refunds: tuple[Refund, ...] = ()
    source_row: int = 0  # 0-based data row of the CDNOW file this order comes from

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_guest(self) -> bool:
        return self.customer_platform_id is None


@dataclass(frozen=True)
class StoreData:
    """One store's view of the data set (what its platform would hold)."""

    store: StoreInfo
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    orders: tuple[Order, ...]


@dataclass(frozen=True)
class SandboxData:
    """The whole sandbox: one merchant, two stores, and the ground truth.

    ``customers`` are sorted by (store, platform_id), ``products`` by (store,
    platform_id), ``orders`` by (created_at, store, number) and ``people`` by id.
    """

    source: str
    seed: int
    merchant_name: str
    stores: Mapping[Platform, StoreInfo]
    people: tuple[Person, ...]
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    orders: tuple[Order, ...]
    days_shifted: int = 0
    """Whole days every timestamp was moved forward from the recorded history (``build(ends=)``)."""

    def by_store(self, platform: Platform) -> StoreData:
        try:
            return self._store_views[platform]
        except KeyError:
            raise ValueError(f"unknown platform {platform!r}") from None

    @cached_property
    def _store_views(self) -> dict[str, StoreData]:
        return {
            p: StoreData(
                store=self.stores[p],
                customers=tuple(c for c in self.customers if c.store == p),
                products=tuple(x for x in self.products if x.store == p),
                orders=tuple(o for o in self.orders if o.store == p),
            )
            for p in self.stores
        }

    @cached_property
    def feedback(self) -> Feedback:
        """Planted surveys, complaints and reviews, deterministic from the seed (``feedback.py``)."""
        from .feedback import make_feedback

        return make_feedback(self)

    # -- truth helpers -------------------------------------------------------------

    @cached_property
    def people_by_id(self) -> Mapping[int, Person]:
        return ReadOnlyDict((p.person_id, p) for p in self.people)

    @cached_property
    def customer_person(self) -> Mapping[tuple[Platform, int], int]:
        """(store, customer platform_id) -> person_id."""
        return ReadOnlyDict(((c.store, c.platform_id), c.person_id) for c in self.customers)

    @cached_property
    def both_store_person_ids(self) -> frozenset[int]:
        """People who bought on both stores (each has an account on both)."""
        seen: dict[int, set[str]] = {}
        for o in self.orders:
            seen.setdefault(o.person_id, set()).add(o.store)
        return frozenset(pid for pid, stores in seen.items() if len(stores) == len(PLATFORMS))

    @cached_property
    def guest_only_person_ids(self) -> Mapping[Platform, frozenset[int]]:
        """Per store, the people who bought there but never made an account there."""
        buyers: dict[str, set[int]] = {p: set() for p in self.stores}
        for o in self.orders:
            buyers[o.store].add(o.person_id)
        holders: dict[str, set[int]] = {p: set() for p in self.stores}
        for c in self.customers:
            holders[c.store].add(c.person_id)
        return ReadOnlyDict((p, frozenset(buyers[p] - holders[p])) for p in self.stores)
