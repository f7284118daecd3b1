"""Load the sandbox data set straight into the store (no platform round trip).

The demo and tests use it when what matters is data in the store, not the sync; the
connectors' end-to-end tests load the same data set through the platform simulators.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sandbox import dataset as sandbox
from sandbox.dataset.covers import cover_alt
from sandbox.dataset.scale import ScaledData
from store.ingest import upsert_customers, upsert_orders, upsert_products
from store.models import InstallState, Merchant, Store
from store.records import (
    CustomerRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    VariantRecord,
    guest_platform_id,
)

T = TypeVar("T")
PAGE = 250


def pages(items: Sequence[T], size: int = PAGE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stream_pages(items: Iterable[T], size: int = PAGE) -> Iterator[list[T]]:
    """``pages`` for a stream: one page in memory at a time."""
    it = iter(items)
    while page := list(islice(it, size)):
        yield page


def customer_record(c: sandbox.Customer) -> CustomerRecord:
    return CustomerRecord(
        platform_id=str(c.platform_id),
        updated_at=c.updated_at,
        created_at=c.created_at,
        email=c.email,
        phone=c.phone,
        first_name=c.first_name,
        last_name=c.last_name,
        accepts_marketing=c.accepts_marketing,
        address=dict(c.address) if c.address else None,
    )


def order_record(o: sandbox.Order) -> OrderRecord:
    if o.customer_platform_id is not None:
        customer = CustomerRecord(
            platform_id=str(o.customer_platform_id),
            updated_at=o.created_at,
            email=o.email,
            phone=o.phone,
            first_name=o.first_name,
            last_name=o.last_name,
            created_at=o.created_at,
        )
    elif o.email:
        customer = CustomerRecord(
            platform_id=guest_platform_id(o.email),
            updated_at=o.created_at,
            email=o.email,
            phone=o.phone,
            first_name=o.first_name,
            last_name=o.last_name,
            created_at=o.created_at,
            is_guest=True,
        )
    else:
        customer = None
    return OrderRecord(
        platform_id=str(o.platform_id),
        name=o.name,
        currency=o.currency,
        customer=customer,
        email=o.email,
        phone=o.phone,
        subtotal=o.subtotal,
        total_discount=o.total_discount,
        shipping=o.shipping,
        tax=o.tax,
        total=o.total,
        financial_status=o.financial_status,
        discount_codes=tuple(o.discount_codes),
        shipping_address=dict(o.shipping_address) if o.shipping_address else None,
        created_at=o.created_at,
        updated_at=o.updated_at,
        lines=tuple(
            LineRecord(
                platform_id=str(line.platform_id),
                product_platform_id=str(line.product_platform_id),
                variant_platform_id=str(line.variant_platform_id),
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.line_total,
            )
            for line in o.lines
        ),
    )


DEMO_COVERS = "/demo/covers"
"""The app serves the sandbox products' pictures itself (``app.http.assets``), so the demo's
pages show them with no network; their URLs are paths on the app's own address."""


def product_url(p: sandbox.Product, site: str) -> str:
    """The product's page as its platform's connector would record it."""
    if p.store == "shopify":
        return f"https://{site}/products/{p.handle}"
    return f"{site.rstrip('/')}/product/{p.handle}/"


def product_record(p: sandbox.Product, site: str = "") -> ProductRecord:
    return ProductRecord(
        platform_id=str(p.platform_id),
        title=p.title,
        handle=p.handle,
        vendor=p.vendor,
        category=p.category,
        updated_at=p.updated_at,
        image_url=f"{DEMO_COVERS}/{p.handle}.svg",
        image_alt=cover_alt(p.title),
        url=product_url(p, site) if site else "",
        variants=tuple(
            VariantRecord(platform_id=str(v.platform_id), sku=v.sku, title=v.title, price=v.price, in_stock=v.in_stock)
            for v in p.variants
        ),
    )


async def sandbox_merchant(data: sandbox.SandboxData | ScaledData) -> tuple[Merchant, dict[sandbox.Platform, Store]]:
    """The sandbox merchant and its two stores, created once."""
    merchant, _ = await Merchant.get_or_create(name=data.merchant_name)
    stores: dict[sandbox.Platform, Store] = {}
    for platform, info in data.stores.items():
        # by platform, not domain: a served demo points the WooCommerce store at its simulator
        store = await Store.filter(merchant_id=merchant.id, platform=platform).order_by("id").first()
        if store is None:
            store = await Store.create(
                merchant=merchant,
                platform=platform,
                domain=info.domain_or_url,
                name=info.name,
                currency=info.currency,
                public_key=f"pk_{secrets.token_hex(12)}",
                install_state=InstallState.INSTALLED,
            )
        stores[platform] = store
    return merchant, stores


async def _load(
    data: sandbox.SandboxData | ScaledData,
    parts: Callable[
        [sandbox.Platform],
        tuple[Iterable[sandbox.Product], Iterable[sandbox.Customer], Iterable[sandbox.Order]],
    ],
) -> dict[str, int]:
    """Write each store's products, customers and orders in pages, in that order; orders written per platform."""
    _, stores = await sandbox_merchant(data)
    written: dict[str, int] = {}
    for platform, store in stores.items():
        products, customers, orders = parts(platform)
        site = data.stores[platform].domain_or_url
        for product_page in stream_pages(products):
            await upsert_products(store, [product_record(p, site) for p in product_page])
        for customer_page in stream_pages(customers):
            await upsert_customers(store, [customer_record(c) for c in customer_page])
        written[platform] = 0
        for order_page in stream_pages(orders):
            written[platform] += len(await upsert_orders(store, [order_record(o) for o in order_page]))
    return written


async def seed(data: sandbox.SandboxData) -> dict[str, int]:
    """Load every store of the sandbox merchant; returns orders written per platform."""

    def parts(
        platform: sandbox.Platform,
    ) -> tuple[Iterable[sandbox.Product], Iterable[sandbox.Customer], Iterable[sandbox.Order]]:
        part = data.by_store(platform)
        return part.products, part.customers, part.orders

    return await _load(data, parts)


async def seed_stream(data: ScaledData) -> dict[str, int]:
    """``seed`` for a scaled merchant: pages are written as the streams make them, so a
    million orders never sit in memory at once. Same order of writes as ``seed`` (products,
    customers, orders, store by store), so ``scale=1`` gives the very rows ``seed`` gives."""
    return await _load(
        data, lambda platform: (data.products(platform), data.customers(platform), data.orders(platform))
    )
