"""The searchable, sortable resources behind the ``orders``, ``customers`` and ``products``
connections: one paging mechanism, differing only in sort keys and search fields.

Sort values are plain ints or strings (timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC),
so cursors can carry them and compare them without knowing the resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .records import Order
from .search import Field

if TYPE_CHECKING:
    from .state import ShopState


def time_key(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if value else ""


@dataclass(frozen=True)
class Resource:
    kind: str
    scope: str
    sorts: dict[str, Callable[[Any], Any]]
    fields: dict[str, Field]
    text: Callable[[Any], str]


def order_status(o: Order) -> list[str]:
    words = ["any", "cancelled" if o.cancelled_at else "open"]
    words.append("closed" if o.closed_at else "not_closed")
    return words


ORDERS = Resource(
    kind="orders",
    scope="read_orders",
    sorts={
        "ID": lambda o: o.id,
        "CREATED_AT": lambda o: time_key(o.created_at),
        "UPDATED_AT": lambda o: time_key(o.updated_at),
        "PROCESSED_AT": lambda o: time_key(o.processed_at),
        "ORDER_NUMBER": lambda o: o.number,
        "TOTAL_PRICE": lambda o: int(o.total * 100),
    },
    fields={
        "updated_at": Field(lambda o: o.updated_at, "datetime"),
        "created_at": Field(lambda o: o.created_at, "datetime"),
        "processed_at": Field(lambda o: o.processed_at, "datetime"),
        "id": Field(lambda o: o.id, "number"),
        "customer_id": Field(lambda o: o.customer_id, "number"),
        "name": Field(lambda o: [o.name, str(o.number)]),
        "email": Field(lambda o: (o.email or "").strip()),
        "financial_status": Field(lambda o: o.financial_status),
        "fulfillment_status": Field(lambda o: o.fulfillment_status),
        "status": Field(order_status),
        "tag": Field(lambda o: o.tags),
        "discount_code": Field(lambda o: o.discount_codes),
        "sku": Field(lambda o: [li.sku for li in o.lines]),
        "test": Field(lambda o: str(o.test).lower()),
    },
    text=lambda o: f"{o.name} {o.email or ''}",
)

CUSTOMERS = Resource(
    kind="customers",
    scope="read_customers",
    sorts={
        "ID": lambda c: c.id,
        "CREATED_AT": lambda c: time_key(c.created_at),
        "UPDATED_AT": lambda c: time_key(c.updated_at),
        "NAME": lambda c: c.display_name.lower(),
    },
    fields={
        "updated_at": Field(lambda c: c.updated_at, "datetime"),
        "created_at": Field(lambda c: c.created_at, "datetime"),
        "id": Field(lambda c: c.id, "number"),
        "email": Field(lambda c: (c.email or "").strip()),
        "phone": Field(lambda c: c.phone),
        "state": Field(lambda c: c.state),
        "tag": Field(lambda c: c.tags),
        "first_name": Field(lambda c: c.first_name, "text"),
        "last_name": Field(lambda c: c.last_name, "text"),
        "accepts_marketing": Field(lambda c: str(c.accepts_marketing).lower()),
    },
    text=lambda c: f"{c.display_name} {c.email or ''}",
)

PRODUCTS = Resource(
    kind="products",
    scope="read_products",
    sorts={
        "ID": lambda p: p.id,
        "CREATED_AT": lambda p: time_key(p.created_at),
        "UPDATED_AT": lambda p: time_key(p.updated_at),
        "TITLE": lambda p: p.title.lower(),
        "VENDOR": lambda p: p.vendor.lower(),
        "PRODUCT_TYPE": lambda p: p.product_type.lower(),
        "INVENTORY_TOTAL": lambda p: p.total_inventory,
    },
    fields={
        "updated_at": Field(lambda p: p.updated_at, "datetime"),
        "created_at": Field(lambda p: p.created_at, "datetime"),
        "id": Field(lambda p: p.id, "number"),
        "title": Field(lambda p: p.title, "text"),
        "handle": Field(lambda p: p.handle),
        "status": Field(lambda p: p.status),
        "vendor": Field(lambda p: p.vendor),
        "product_type": Field(lambda p: p.product_type),
        "tag": Field(lambda p: p.tags),
        "sku": Field(lambda p: [v.sku for v in p.variants]),
    },
    text=lambda p: f"{p.title} {p.vendor}",
)

SOURCES: dict[str, Callable[[ShopState], list[Any]]] = {
    "orders": lambda s: list(s.orders.values()),
    "customers": lambda s: list(s.customers.values()),
    "products": lambda s: list(s.products.values()),
}
