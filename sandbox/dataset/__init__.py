"""The sandbox data set shared by the demo, the tests, the benchmarks and the platform
simulators: one merchant ("Northwind Records") with a Shopify store and a WooCommerce
site, customers and orders taken from the CDNOW purchase logs, order lines drawn from
real retail baskets, and the ground truth (who is who) alongside.

``build(source="sample", seed=7)`` returns an immutable :class:`SandboxData`, cached
per ``(source, seed)``, with the dates as recorded (January 1997 to June 1998);
``build(..., ends=day)`` is the same history moved forward by whole days so its last order
falls on ``day`` (the demo's: yesterday). This package imports nothing from the rest of
the project.
"""

from .build import MERCHANT_NAME, STORES, build, build_uncached, digest, summary
from .model import (
    ID_BASES,
    PLATFORMS,
    Address,
    Customer,
    Order,
    OrderLine,
    Person,
    Platform,
    Product,
    ReadOnlyDict,
    Refund,
    RefundLine,
    SandboxData,
    StoreData,
    StoreInfo,
    Variant,
)
from .shift import days_to_end_on, last_order_day, shifted

__all__ = [
    "ID_BASES",
    "MERCHANT_NAME",
    "PLATFORMS",
    "STORES",
    "Address",
    "Customer",
    "Order",
    "OrderLine",
    "Person",
    "Platform",
    "Product",
    "ReadOnlyDict",
    "Refund",
    "RefundLine",
    "SandboxData",
    "StoreData",
    "StoreInfo",
    "Variant",
    "build",
    "build_uncached",
    "days_to_end_on",
    "digest",
    "last_order_day",
    "shifted",
    "summary",
]
