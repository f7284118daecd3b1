"""The simulated shop: records, clock, tokens, buckets, faults, webhooks and changes in one place.

``ShopState`` is the simulator's truth. The HTTP app reads and writes it under ``lock``
(uvicorn runs in another thread than the test that drives changes), and tests inspect it
directly: ``counts()`` and ``totals()`` are what an end-to-end sync must reproduce.

Clock: ``now()`` is ``clock()`` plus whatever ``advance()`` added; tests replace ``clock``
to freeze time. Change stamps come from ``stamp()``: whole seconds (the precision GraphQL
``DateTime`` shows), strictly increasing across the whole shop, never earlier than
``now()`` and never earlier than any timestamp already in the data. A burst of N changes
therefore runs the stamp clock up to N seconds ahead of the wall clock.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.dataset import ID_BASES, StoreInfo, build

from . import importer
from .bulk import BulkOperations
from .changes import Changes
from .cost import BucketStats, LeakyBucket
from .faults import Faults
from .oauth import AccessToken, TokenStore
from .records import (
    EXTRA_ID_BASES,
    ZERO,
    Customer,
    Discount,
    LineItem,
    Order,
    Product,
    Variant,
)
from .settings import SimSettings
from .webhooks import Webhooks


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _settings(store: StoreInfo, settings: SimSettings | None, overrides: dict[str, Any]) -> SimSettings:
    """The shop's settings: its domain and name from the data set unless ``overrides`` say otherwise."""
    settings = settings or SimSettings()
    settings.shop_domain = overrides.pop("shop_domain", store.domain_or_url)
    settings.shop_name = overrides.pop("shop_name", store.name)
    for key, value in overrides.items():
        if not hasattr(settings, key):
            raise TypeError(f"unknown setting {key!r}")
        setattr(settings, key, value)
    return settings


class ShopState:
    """One shop. Build it with :meth:`from_dataset` (or pass records for a hand-made shop)."""

    def __init__(
        self,
        *,
        customers: list[Customer],
        products: list[Product],
        orders: list[Order],
        settings: SimSettings | None = None,
        currency: str = "USD",
        seed: int = 0,
    ) -> None:
        self.settings = settings or SimSettings()
        self.currency = currency
        self.seed = seed
        self.lock = threading.RLock()
        self.clock: Callable[[], datetime] = _utc_now
        self._offset = timedelta(0)
        self.rng = random.Random(f"shopify-sim:{seed}:ids")
        self.revision = 0
        self.customers: dict[int, Customer] = {c.id: c for c in customers}
        self.products: dict[int, Product] = {p.id: p for p in products}
        self.variants: dict[int, Variant] = {v.id: v for p in products for v in p.variants}
        self.orders: dict[int, Order] = {o.id: o for o in orders}
        self.lines: dict[int, LineItem] = {li.id: li for o in orders for li in o.lines}
        self.orders_by_customer: dict[int, list[Order]] = {}
        for o in sorted(orders, key=lambda o: o.id):
            if o.customer_id is not None:
                self.orders_by_customer.setdefault(o.customer_id, []).append(o)
        self.deleted: dict[str, list[int]] = {"customers": [], "products": []}
        self.discounts: dict[int, Discount] = {}
        self._sorted: dict[tuple[str, str], tuple[int, list[Any], list[Any]]] = {}
        stamps = [r.updated_at for r in (*customers, *products, *orders)]
        stamps += [r.created_at for o in orders for r in o.refunds]
        self._last_stamp = max(stamps).replace(microsecond=0) if stamps else None
        self._next_ids: dict[str, int] = {}
        self._init_ids()
        self.tokens = TokenStore(self)
        self.buckets: dict[str, LeakyBucket] = {}
        self.token_stats: dict[str, BucketStats] = {}
        self.faults = Faults(seed=seed)
        self.webhooks = Webhooks(self)
        self.changes = Changes(self, seed=seed)
        self.bulk = BulkOperations(self)
        self.requests: Counter[str] = Counter()
        self.installed = True
        self.files_url = "http://127.0.0.1"
        """Where this simulator serves product images: the base URL of the latest request."""
        self._seed_discounts(orders)

    def image_url(self, product: Product) -> str:
        """The product's picture, served by the simulator as Shopify's CDN would serve it."""
        return f"{self.files_url}/cdn/shop/files/{product.handle}.svg"

    def online_store_url(self, product: Product) -> str | None:
        """Shopify answers null for a product not published to the online store."""
        if product.status != "ACTIVE" or product.published_at is None:
            return None
        return f"https://{self.settings.shop_domain}/products/{product.handle}"

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_dataset(
        cls,
        source: str = "sample",
        seed: int = 7,
        *,
        ends: date | None = None,
        settings: SimSettings | None = None,
        **overrides: Any,
    ) -> ShopState:
        """The Shopify store of the shared sandbox data set ``build(source, seed, ends)``.

        ``overrides`` set :class:`SimSettings` fields (``api_key=..., api_secret=...``).
        """
        data = build(source, seed, ends)
        store = data.by_store("shopify")
        customers, products, orders = importer.load(store)
        return cls(
            customers=customers,
            products=products,
            orders=orders,
            settings=_settings(store.store, settings, overrides),
            currency=store.store.currency,
            seed=seed,
        )

    @classmethod
    def from_scaled(
        cls,
        source: str = "sample",
        seed: int = 7,
        scale: int = 2,
        *,
        ends: date | None = None,
        settings: SimSettings | None = None,
        **overrides: Any,
    ) -> ShopState:
        """The Shopify store of ``build(source, seed, ends, scale=scale)``, made record by record
        from its streams: the shop holds its own records and no copy of the data set's (a
        million-order merchant's would double the simulator's memory)."""
        from sandbox.dataset.scale import scaled

        data = scaled(source, seed, scale, ends)
        info = data.stores["shopify"]
        products = [importer.product(p) for p in data.products("shopify")]
        vendors = {p.id: p.vendor for p in products}
        orders = []
        transaction = EXTRA_ID_BASES["transaction"] + 1  # numbered as importer.load numbers them
        for o in data.orders("shopify"):
            orders.append(importer.order(o, vendors, transaction))
            transaction += len(o.refunds)
        customers = [importer.customer(c) for c in data.customers("shopify")]
        return cls(
            customers=customers,
            products=products,
            orders=orders,
            settings=_settings(info, settings, overrides),
            currency=info.currency,
            seed=seed,
        )

    def _init_ids(self) -> None:
        existing = {
            "customer": list(self.customers),
            "product": list(self.products),
            "variant": list(self.variants),
            "order": list(self.orders),
            "line": list(self.lines),
            "refund": [r.id for o in self.orders.values() for r in o.refunds],
            "refund_line": [rl.id for o in self.orders.values() for r in o.refunds for rl in r.lines],
            "transaction": [r.transaction_id for o in self.orders.values() for r in o.refunds],
        }
        bases = {**ID_BASES["shopify"], **EXTRA_ID_BASES}
        for kind, base in bases.items():
            self._next_ids[kind] = max([base, *existing.get(kind, [])]) + 1
        numbers = [o.number for o in self.orders.values()]
        self._next_ids["order_number"] = max([1000, *numbers]) + 1

    def _seed_discounts(self, orders: list[Order]) -> None:
        """The data set's two codes exist in the shop, so creating them again is ``TAKEN``."""
        first = min((o.created_at for o in orders), default=self.now())
        for code, (kind, value) in importer.KNOWN_CODES.items():
            users = [o.customer_id for o in orders if code in o.discount_codes]
            discount = Discount(
                id=self.next_id("discount"),
                code_id=self.next_id("discount_code"),
                code=code,
                title="Welcome 10% off" if code == "WELCOME10" else "$5 off $25",
                starts_at=first - timedelta(days=30),
                ends_at=None,
                kind=kind,
                value=value,
                applies_on_each_item=False,
                customer_ids=None,
                min_subtotal=Decimal("25.00") if code == "SAVE5" else None,
                created_at=first - timedelta(days=30),
                updated_at=first - timedelta(days=30),
                usage_count=len(users),
                used_by=users,
            )
            self.discounts[discount.id] = discount

    # -- clock and ids -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the shop clock forward (token expiry, bucket refill, webhook retry due times)."""
        self._offset += timedelta(seconds=seconds)

    def stamp(self) -> datetime:
        """Next change timestamp: whole seconds, strictly increasing."""
        with self.lock:
            candidate = self.now().astimezone(UTC).replace(microsecond=0)
            if self._last_stamp is not None and candidate <= self._last_stamp:
                candidate = self._last_stamp + timedelta(seconds=1)
            self._last_stamp = candidate
            return candidate

    def next_id(self, kind: str) -> int:
        with self.lock:
            value = self._next_ids[kind]
            self._next_ids[kind] = value + 1
            return value

    def touch(self) -> None:
        """Record that something changed (drops the sorted-view caches)."""
        self.revision += 1

    def sorted_records(
        self, kind: str, sort: str, records: Callable[[], list[Any]], key: Callable[[Any], Any]
    ) -> tuple[list[Any], list[Any]]:
        """Records of ``kind`` sorted by ``(key, id)``, cached until the next ``touch()``."""
        cached = self._sorted.get((kind, sort))
        if cached and cached[0] == self.revision:
            return cached[1], cached[2]
        rows = sorted(((key(r), r.id), r) for r in records())
        keys = [k for k, _ in rows]
        items = [r for _, r in rows]
        self._sorted[(kind, sort)] = (self.revision, items, keys)
        return items, keys

    # -- derived customer facts --------------------------------------------------------------

    def customer_orders(self, customer_id: int) -> list[Order]:
        return self.orders_by_customer.get(customer_id, [])

    def amount_spent(self, customer_id: int) -> Decimal:
        """Money the customer actually paid: order totals less refunds, voided orders excluded."""
        return sum((o.received - o.total_refunded for o in self.customer_orders(customer_id)), ZERO)

    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        for li in order.lines:
            self.lines[li.id] = li
        if order.customer_id is not None:
            self.orders_by_customer.setdefault(order.customer_id, []).append(order)
        self.touch()

    def discount_by_code(self, code: str) -> Discount | None:
        wanted = code.strip().lower()
        return next((d for d in self.discounts.values() if d.code.lower() == wanted), None)

    # -- tokens and buckets -------------------------------------------------------------------

    def issue_token(self, scopes: str | list[str] | tuple[str, ...] | None = None, *, expiring: bool = False) -> str:
        """An offline access token for this app without the OAuth dance (tests, demo).

        ``scopes`` default to the app's declared scopes (``settings.app_scopes``).
        """
        if scopes is None:
            scopes = self.settings.app_scopes
        elif isinstance(scopes, str):
            scopes = [s for s in scopes.split(",") if s]
        return self.tokens.issue(self.settings.api_key, tuple(scopes), expiring=expiring)["access_token"]

    def bucket_params(self) -> tuple[float, float]:
        override = self.faults.throttle_bucket
        if override:
            return (
                float(override.get("maximum_available", self.settings.bucket_size)),
                float(override.get("restore_rate", self.settings.restore_rate)),
            )
        return self.settings.bucket_size, self.settings.restore_rate

    def bucket_key(self, token: AccessToken) -> str:
        return token.token if self.settings.bucket_scope == "token" else token.client_id

    def bucket_for(self, token: AccessToken) -> LeakyBucket:
        """The token's bucket: shared by the app's tokens (docs: app + store) unless
        ``settings.bucket_scope == "token"``, so rotating a token does not refill it."""
        maximum, rate = self.bucket_params()
        now = self.now().timestamp()
        key = self.bucket_key(token)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = LeakyBucket.full(maximum, rate, now)
        elif (bucket.maximum, bucket.restore_rate) != (maximum, rate):
            bucket.level(now)
            bucket.maximum, bucket.restore_rate = maximum, rate
            bucket.available = min(bucket.available, maximum)
        return bucket

    def rate_stats(self, token: str | None = None) -> dict[str, Any]:
        """Rate statistics of one access token, or of the app's bucket when ``token`` is None.

        ``throttled == 0`` means the client never asked for more than the bucket held;
        ``min_currently_available`` is the lowest ``currentlyAvailable`` it was shown and
        ``lowest_level`` the lowest level right after a draw.
        """
        if token is not None:
            return self.token_stats.get(token, BucketStats()).as_dict()
        bucket = self.buckets.get(self.settings.api_key)
        return (bucket.stats if bucket else BucketStats()).as_dict()

    # -- inspection ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Record counts. Orders include cancelled ones; customers exclude deleted ones."""
        with self.lock:
            orders = list(self.orders.values())
            return {
                "customers": len(self.customers),
                "customers_deleted": len(self.deleted["customers"]),
                "products": len(self.products),
                "products_deleted": len(self.deleted["products"]),
                "variants": len(self.variants),
                "orders": len(orders),
                "guest_orders": sum(o.customer_id is None for o in orders),
                "cancelled_orders": sum(o.cancelled_at is not None for o in orders),
                "lines": sum(len(o.lines) for o in orders),
                "units": sum(o.quantity for o in orders),
                "refunds": sum(len(o.refunds) for o in orders),
                "refund_lines": sum(len(r.lines) for o in orders for r in o.refunds),
                "discounts": len(self.discounts),
                "webhook_subscriptions": len(self.webhooks.subscriptions),
                "webhook_events": len(self.webhooks.events),
            }

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Money per currency over *every* order the shop holds, cancelled ones included.

        ``revenue`` = sum of ``totalPriceSet``; ``refunds`` = sum of every
        ``Refund.totalRefundedSet``; ``net`` = revenue - refunds; ``discounts`` = sum of
        ``totalDiscountsSet``; ``subtotal`` = sum of ``subtotalPriceSet`` (after discounts);
        ``voided`` = sum of ``totalPriceSet`` of VOIDED orders (authorized, never captured,
        still inside ``revenue``).
        """
        out: dict[str, dict[str, Decimal]] = {}
        with self.lock:
            for o in self.orders.values():
                row = out.setdefault(
                    o.currency,
                    {k: ZERO for k in ("revenue", "refunds", "net", "discounts", "subtotal", "voided")},
                )
                row["revenue"] += o.total
                row["refunds"] += o.total_refunded
                row["discounts"] += o.total_discount
                row["subtotal"] += o.subtotal
                if o.financial_status == "VOIDED":
                    row["voided"] += o.total
            for row in out.values():
                row["net"] = row["revenue"] - row["refunds"]
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-friendly counts and totals (for ``GET /_sim/state``)."""
        totals = {c: {k: str(v) for k, v in row.items()} for c, row in self.totals().items()}
        return {
            "shop": self.settings.shop_domain,
            "api_version": self.settings.api_version,
            "installed": self.installed,
            "counts": self.counts(),
            "totals": totals,
            "rate": self.rate_stats(),
            "faults": self.faults.as_dict(),
            "requests": dict(self.requests),
        }
