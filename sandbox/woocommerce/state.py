"""The simulated site's mutable state, loaded from the sandbox data set.

``WooState.from_dataset("sample", 7)`` builds one WooCommerce site from
``build(source, seed).by_store("woocommerce")``: customers (WordPress users with role
``customer``), products (simple or variable, with variations), orders (guests have
``customer_id`` 0), the coupons the orders used, and an administrator user who owns API
keys and webhooks. The data set's ``person_id`` truth labels are dropped here and never
reach the wire.

Every read and write goes through ``state.lock`` (an ``RLock``) because the ASGI app runs
in uvicorn's thread while tests mutate the state from theirs.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.dataset import ID_BASES, StoreData, StoreInfo, build
from sandbox.dataset import Customer as DsCustomer
from sandbox.dataset import Order as DsOrder
from sandbox.dataset import Product as DsProduct

from .clock import SimClock, truncate_seconds
from .faults import Faults
from .records import (
    PAID_STATUSES,
    ZERO,
    Address,
    ApiKey,
    Coupon,
    CouponLine,
    LineItem,
    MetaItem,
    Order,
    Product,
    Refund,
    User,
    Variation,
    Webhook,
)

if TYPE_CHECKING:
    from starlette.requests import Request

    from .changes import Changes

ADMIN_USERNAME = "northwind-admin"
COUPON_TEMPLATES: dict[str, tuple[str, Decimal]] = {
    # The data set's codes: WELCOME10 takes 10% off, SAVE5 takes $5 off the cart.
    "welcome10": ("percent", Decimal("10.00")),
    "save5": ("fixed_cart", Decimal("5.00")),
}
PAYMENT_METHODS: tuple[tuple[str, str], ...] = (
    ("stripe", "Credit Card (Stripe)"),
    ("ppcp-gateway", "PayPal"),
    ("bacs", "Direct bank transfer"),
)
FIRST_CATEGORY_ID = 16  # 15 is "Uncategorized" on a fresh install


@dataclass
class PendingDelivery:
    """One queued webhook delivery (Action Scheduler job ``woocommerce_deliver_webhook_async``)."""

    webhook_id: int
    resource_id: int
    queued_at: datetime


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class StoreStream:
    """One store of a scaled data set as streams (``sandbox.dataset.scale``), each read once;
    ``last_ids`` (largest order and line id) lets the site number what it adds before the
    orders have all gone by."""

    store: StoreInfo
    customers: Iterable[DsCustomer]
    products: Iterable[DsProduct]
    orders: Iterable[DsOrder]
    last_ids: tuple[int, int]


@dataclass
class _CouponUses:
    """Who used one code, in order, and when and for how much it was first used."""

    first_at: datetime
    first_discount: Decimal
    by: list[str] = field(default_factory=list)


def _last_ids(orders: Iterable[DsOrder]) -> tuple[int, int]:
    orders = tuple(orders)
    last_order = max((o.platform_id for o in orders), default=ID_BASES["woocommerce"]["order"])
    return last_order, max((ln.platform_id for o in orders for ln in o.lines), default=0)


def rand_hash(rng: random.Random | None = None) -> str:
    """``wc_rand_hash()``: 40 hex characters."""
    if rng is None:
        return secrets.token_hex(20)
    return "".join(rng.choice("0123456789abcdef") for _ in range(40))


class WooState:
    """Everything the simulated WooCommerce site knows, plus the simulator's switches."""

    def __init__(
        self,
        store: StoreData | StoreStream,
        *,
        seed: int = 7,
        clock: SimClock | None = None,
        site_url: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.clock = clock or SimClock()
        self.currency = store.store.currency
        self.store_name = store.store.name
        self.site_url: str = (site_url or store.store.domain_or_url).rstrip("/")
        self.rng = random.Random(f"woo-sim:{seed}:state")
        self.faults = Faults(seed=seed)

        self.users: dict[int, User] = {}
        self.products: dict[int, Product] = {}
        self.variations: dict[int, Variation] = {}
        self.orders: dict[int, Order] = {}
        self.refunds: dict[int, Refund] = {}
        self.coupons: dict[int, Coupon] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.pending: dict[tuple[int, int], PendingDelivery] = {}
        self.deleted_user_ids: set[int] = set()
        self.delivery_log: list[dict[str, Any]] = []

        self._next_meta = 1
        self._load_products(store.products)
        self._load_users(store.customers)
        last_order, last_line = store.last_ids if isinstance(store, StoreStream) else _last_ids(store.orders)
        self._next_item = last_line + 1
        self._next_order = last_order + 1
        self._next_refund = ID_BASES["woocommerce"]["refund"] + 1
        post_ids = [p.id for p in self.products.values()] + list(self.variations)
        self._next_coupon = max(post_ids, default=0) + 1
        self._next_webhook = 1
        self._next_key = 1
        uses = self._load_orders(store.orders)
        self._load_coupons(uses)  # coupon ids come from their own counter: after the orders is the same shop
        self._changes: Changes | None = None

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_dataset(
        cls,
        source: str = "sample",
        seed: int = 7,
        *,
        ends: date | None = None,
        clock: SimClock | None = None,
        site_url: str | None = None,
    ) -> WooState:
        """The WooCommerce store of ``build(source, seed, ends)``."""
        return cls(
            build(source, seed, ends).by_store("woocommerce"),
            seed=seed,
            clock=clock,
            site_url=site_url,
        )

    @classmethod
    def from_scaled(
        cls,
        source: str = "sample",
        seed: int = 7,
        scale: int = 2,
        *,
        ends: date | None = None,
        clock: SimClock | None = None,
        site_url: str | None = None,
    ) -> WooState:
        """The WooCommerce store of ``build(source, seed, ends, scale=scale)``, loaded from its
        streams: the site holds its own records and no copy of the data set's."""
        from sandbox.dataset.scale import scaled

        data = scaled(source, seed, scale, ends)
        stream = StoreStream(
            store=data.stores["woocommerce"],
            customers=data.customers("woocommerce"),
            products=data.products("woocommerce"),
            orders=data.orders("woocommerce"),
            last_ids=data.last_ids("woocommerce"),
        )
        return cls(stream, seed=seed, clock=clock, site_url=site_url)

    def meta_id(self) -> int:
        with self.lock:
            self._next_meta += 1
            return self._next_meta - 1

    def item_id(self) -> int:
        """Next ``woocommerce_order_items`` id: line items, coupon lines and refund lines share it."""
        with self.lock:
            self._next_item += 1
            return self._next_item - 1

    def order_id(self) -> int:
        with self.lock:
            self._next_order += 1
            return self._next_order - 1

    def refund_id(self) -> int:
        with self.lock:
            self._next_refund += 1
            return self._next_refund - 1

    def coupon_id(self) -> int:
        with self.lock:
            self._next_coupon += 1
            return self._next_coupon - 1

    def user_id(self) -> int:
        with self.lock:
            uid = max([*self.users, *self.deleted_user_ids], default=0) + 1
            return uid

    def webhook_id(self) -> int:
        with self.lock:
            self._next_webhook += 1
            return self._next_webhook - 1

    def order_key(self) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "wc_order_" + "".join(self.rng.choice(alphabet) for _ in range(13))

    def unique_username(self, email: str, taken: set[str] | None = None) -> str:
        """``wc_create_new_username``: the e-mail's local part, made unique (against ``taken``
        when the caller keeps the set, as a bulk load of a big site must)."""
        base = re.sub(r"[^a-z0-9_.\-@]", "", email.strip().lower().split("@", 1)[0]) or "customer"
        if taken is None:
            taken = {u.username for u in self.users.values()}
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        return name

    def _load_products(self, products: Iterable[DsProduct]) -> None:
        products = tuple(products)  # the catalogue, which a scaled site shares across replicas
        categories = sorted({p.category for p in products})
        cat_ids = {name: FIRST_CATEGORY_ID + i for i, name in enumerate(categories)}
        for p in products:
            created = truncate_seconds(p.created_at)
            modified = truncate_seconds(p.updated_at)
            simple = len(p.variants) == 1
            product = Product(
                id=p.platform_id,
                name=p.title,
                slug=p.handle,
                sku=p.sku,
                type="simple" if simple else "variable",
                status="publish",
                regular_price=p.price,
                sale_price=None,
                in_stock=p.in_stock,
                category_id=cat_ids[p.category],
                category_name=p.category,
                category_slug=slugify(p.category),
                vendor=p.vendor,
                date_created=created,
                date_modified=modified,
            )
            if not simple:
                for order, v in enumerate(p.variants):
                    self.variations[v.platform_id] = Variation(
                        id=v.platform_id,
                        parent_id=p.platform_id,
                        sku=v.sku,
                        option=v.title,
                        regular_price=v.price,
                        sale_price=None,
                        in_stock=v.in_stock,
                        date_created=created,
                        date_modified=modified,
                        menu_order=order,
                    )
                    product.variation_ids.append(v.platform_id)
            self.products[product.id] = product

    def _load_users(self, customers: Iterable[DsCustomer]) -> None:
        taken: set[str] = set()
        for c in customers:
            addr = c.address
            username = self.unique_username(c.email, taken)
            taken.add(username)
            self.users[c.platform_id] = User(
                id=c.platform_id,
                username=username,
                email=c.email,
                first_name=c.first_name,
                last_name=c.last_name,
                role="customer",
                billing=Address(
                    first_name=c.first_name,
                    last_name=c.last_name,
                    address_1=addr["address1"],
                    city=addr["city"],
                    state=addr["province_code"],
                    postcode=addr["zip"],
                    country=addr["country_code"],
                    email=c.email,
                    phone=c.phone or "",
                ),
                shipping=Address(
                    first_name=c.first_name,
                    last_name=c.last_name,
                    address_1=addr["address1"],
                    city=addr["city"],
                    state=addr["province_code"],
                    postcode=addr["zip"],
                    country=addr["country_code"],
                ),
                date_created=truncate_seconds(c.created_at),
                date_modified=truncate_seconds(c.updated_at),
                is_paying_customer=True,
            )
        first = min((u.date_created for u in self.users.values()), default=datetime(1996, 7, 1, tzinfo=UTC))
        admin_id = max(self.users, default=0) + 1
        self.admin_user_id = admin_id
        self.users[admin_id] = User(
            id=admin_id,
            username=ADMIN_USERNAME,
            email="admin@shop.northwind.test",
            first_name="Nora",
            last_name="Westbrook",
            role="administrator",
            billing=Address(),
            shipping=Address(),
            date_created=first - timedelta(days=30),
            date_modified=first - timedelta(days=30),
        )

    def _load_coupons(self, uses: dict[str, _CouponUses]) -> None:
        for code in sorted(uses):
            used = uses[code]
            discount_type, amount = COUPON_TEMPLATES.get(code, ("fixed_cart", used.first_discount))
            created = truncate_seconds(used.first_at - timedelta(days=1))
            self.add_coupon(
                Coupon(
                    id=self.coupon_id(),
                    code=code,
                    amount=amount,
                    discount_type=discount_type,
                    description="",
                    date_created=created,
                    date_modified=created,
                    usage_count=len(used.by),
                    used_by=used.by,
                )
            )

    def _address(self, addr: Any, first: str, last: str, email: str | None, phone: str) -> Address:
        return Address(
            first_name=first,
            last_name=last,
            address_1=addr["address1"],
            city=addr["city"],
            state=addr["province_code"],
            postcode=addr["zip"],
            country=addr["country_code"],
            email=email or "",
            phone=phone,
        )

    def _load_orders(self, orders: Iterable[DsOrder]) -> dict[str, _CouponUses]:
        """Every order, in one pass (a scaled site's orders are a stream); returns who used each code."""
        rng = random.Random(f"woo-sim:{self.seed}:orders")
        uses: dict[str, _CouponUses] = {}
        for o in orders:
            for code in o.discount_codes:
                used = uses.setdefault(code.lower(), _CouponUses(o.created_at, o.total_discount))
                used.first_at = min(used.first_at, o.created_at)
                used.by.append(str(o.customer_platform_id) if o.customer_platform_id else o.email.strip())
            discounts = split_discount(o.total_discount, [ln.line_total for ln in o.lines])
            items = [
                self.line_item(
                    ln.platform_id,
                    ln.product_platform_id,
                    ln.variant_platform_id,
                    ln.quantity,
                    ln.line_total,
                    ln.line_total - d,
                )
                for ln, d in zip(o.lines, discounts, strict=True)
            ]
            coupon_lines = []
            for i, code in enumerate(o.discount_codes):
                share = o.total_discount if i == 0 else ZERO
                coupon_lines.append(CouponLine(id=self.item_id(), code=code.lower(), discount=share))
            method, title = rng.choice(PAYMENT_METHODS)
            created = truncate_seconds(o.created_at)
            modified = truncate_seconds(o.updated_at)
            status = "cancelled" if o.cancelled_at else "completed"
            order = Order(
                id=o.platform_id,
                number=str(o.platform_id),
                order_key=self.order_key(),
                status=status,
                currency=o.currency,
                customer_id=o.customer_platform_id or 0,
                billing=self._address(o.billing_address, o.first_name, o.last_name, o.email, o.phone or ""),
                shipping=self._address(o.shipping_address, o.first_name, o.last_name, None, ""),
                payment_method=method,
                payment_method_title=title,
                transaction_id=transaction_id(method, rng),
                date_created=created,
                date_modified=modified,
                date_paid=created,
                date_completed=modified if status == "completed" else None,
                line_items=items,
                coupon_lines=coupon_lines,
                discount_total=o.total_discount,
                shipping_total=o.shipping,
                total_tax=o.tax,
                total=o.total,
            )
            self.orders[order.id] = order
            for r in o.refunds:
                by_line = {li.id: li for li in items}
                refund = Refund(
                    id=self.refund_id(),
                    order_id=order.id,
                    date_created=truncate_seconds(r.created_at),
                    amount=r.amount,
                    reason=r.note,
                    refunded_by=self.admin_user_id,
                    refunded_payment=True,
                    line_items=[
                        self.refund_line(by_line[rl.line_platform_id], rl.quantity, rl.amount) for rl in r.lines
                    ],
                )
                self.refunds[refund.id] = refund
                order.refund_ids.append(refund.id)
            if order.refund_ids and self.refunded_amount(order) >= order.total and order.total > 0:
                order.status = "refunded"
        return uses

    # -- building blocks shared with changes and REST writes -------------------------

    def line_item(
        self,
        item_id: int,
        product_id: int,
        variant_id: int,
        quantity: int,
        subtotal: Decimal,
        total: Decimal,
    ) -> LineItem:
        """An order line for a product (``variant_id == product_id`` for simple products)."""
        product = self.products[product_id]
        if variant_id == product_id or variant_id == 0:
            return LineItem(
                id=item_id,
                name=product.name,
                product_id=product_id,
                variation_id=0,
                quantity=quantity,
                subtotal=subtotal,
                total=total,
                sku=product.sku,
            )
        variation = self.variations[variant_id]
        return LineItem(
            id=item_id,
            name=f"{product.name} - {variation.option}",
            product_id=product_id,
            variation_id=variant_id,
            quantity=quantity,
            subtotal=subtotal,
            total=total,
            sku=variation.sku,
            parent_name=product.name,
            meta=[MetaItem(self.meta_id(), "format", variation.option, "Format", variation.option)],
        )

    def refund_line(self, line: LineItem, quantity: int, amount: Decimal) -> LineItem:
        """The negative copy of ``line`` that ``wc_create_refund`` stores inside a refund."""
        meta = [MetaItem(self.meta_id(), m.key, m.value, m.display_key, m.display_value) for m in line.meta]
        refunded_id = str(line.id)
        meta.append(MetaItem(self.meta_id(), "_refunded_item_id", refunded_id, "_refunded_item_id", refunded_id))
        return LineItem(
            id=self.item_id(),
            name=line.name,
            product_id=line.product_id,
            variation_id=line.variation_id,
            quantity=-quantity,
            subtotal=-amount,
            total=-amount,
            sku=line.sku,
            parent_name=line.parent_name,
            meta=meta,
            refunded_item_id=line.id,
        )

    def add_coupon(self, coupon: Coupon) -> Coupon:
        with self.lock:
            self.coupons[coupon.id] = coupon
            return coupon

    def coupon_by_code(self, code: str) -> Coupon | None:
        code = code.strip().lower()
        with self.lock:
            return next((c for c in self.coupons.values() if c.code == code), None)

    # -- queries -----------------------------------------------------------------------

    def customers(self) -> list[User]:
        with self.lock:
            return [u for u in self.users.values() if u.role == "customer"]

    def refunded_amount(self, order: Order) -> Decimal:
        with self.lock:
            return sum((self.refunds[r].amount for r in order.refund_ids), ZERO)

    def refunded_quantity(self, order: Order, line_id: int) -> int:
        """Units of ``line_id`` already refunded (refund quantities are negative)."""
        with self.lock:
            return -sum(
                li.quantity
                for r in order.refund_ids
                for li in self.refunds[r].line_items
                if li.refunded_item_id == line_id
            )

    def refunded_line_amount(self, order: Order, line_id: int) -> Decimal:
        with self.lock:
            return -sum(
                (
                    li.total
                    for r in order.refund_ids
                    for li in self.refunds[r].line_items
                    if li.refunded_item_id == line_id
                ),
                ZERO,
            )

    # -- API keys ---------------------------------------------------------------------

    def create_api_key(
        self,
        permissions: str = "read_write",
        *,
        description: str = "Rapport",
        user_id: int | None = None,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
    ) -> ApiKey:
        """A key as WooCommerce > Settings > Advanced > REST API would create it."""
        if permissions not in ("read", "write", "read_write"):
            raise ValueError(f"bad permissions {permissions!r}")
        with self.lock:
            key = ApiKey(
                key_id=self._next_key,
                user_id=self.admin_user_id if user_id is None else user_id,
                description=description,
                permissions=permissions,
                consumer_key=consumer_key or "ck_" + rand_hash(),
                consumer_secret=consumer_secret or "cs_" + rand_hash(),
            )
            self._next_key += 1
            self.api_keys[key.consumer_key] = key
            return key

    def find_key(self, consumer_key: str) -> ApiKey | None:
        with self.lock:
            key = self.api_keys.get(consumer_key.strip())
            return key if key is not None and key.active else None

    def revoke_api_key(self, key: ApiKey) -> None:
        with self.lock:
            self.api_keys.pop(key.consumer_key, None)

    # -- webhooks queue ---------------------------------------------------------------

    def emit(self, resource: str, event: str, resource_id: int) -> None:
        """Queue deliveries for ``resource.event`` on every active webhook with that topic.

        The same webhook + resource is queued at most once while pending (Action
        Scheduler's unique job), so bursts collapse into one delivery that shows the state
        at delivery time.
        """
        topic = f"{resource}.{event}"
        with self.lock:
            now = self.clock.now()
            for hook in self.webhooks.values():
                if hook.status == "active" and hook.topic == topic:
                    self.pending.setdefault((hook.id, resource_id), PendingDelivery(hook.id, resource_id, now))

    async def deliver_pending(self, **options: Any) -> dict[str, Any]:
        """Send queued webhook deliveries; see :func:`sandbox.woocommerce.webhooks.deliver_pending`."""
        from .webhooks import deliver_pending

        return await deliver_pending(self, **options)

    # -- changes ----------------------------------------------------------------------

    @property
    def changes(self) -> Changes:
        """Seeded mutations over time (:class:`sandbox.woocommerce.changes.Changes`)."""
        if self._changes is None:
            from .changes import Changes

            self._changes = Changes(self, seed=self.seed)
        return self._changes

    # -- inspection -------------------------------------------------------------------

    def live_orders(self) -> list[Order]:
        """Orders ``GET /orders`` lists with its default ``status=any``: all but trashed."""
        with self.lock:
            return [o for o in self.orders.values() if o.status != "trash"]

    def counts(self) -> dict[str, int]:
        """Record counts, defined exactly as a full sync through the REST API would see them.

        * ``customers``: users with role ``customer`` (``GET /customers``, default role);
          the administrator is not counted.
        * ``orders``: orders not in the trash, every status, guests included
          (``GET /orders``, default ``status=any``); ``guest_orders`` those with
          ``customer_id`` 0.
        * ``lines``: ``line_items`` of those orders; ``coupon_lines`` likewise.
        * ``refunds`` / ``refund_lines``: refunds (and their line items) of those orders.
        * ``products`` / ``variations``: published products and their variations.
        * ``coupons``, ``webhooks``, ``pending_deliveries``.
        """
        with self.lock:
            orders = self.live_orders()
            refunds = [self.refunds[r] for o in orders for r in o.refund_ids]
            return {
                "customers": len(self.customers()),
                "orders": len(orders),
                "guest_orders": sum(o.is_guest for o in orders),
                "lines": sum(len(o.line_items) for o in orders),
                "coupon_lines": sum(len(o.coupon_lines) for o in orders),
                "refunds": len(refunds),
                "refund_lines": sum(len(r.line_items) for r in refunds),
                "products": sum(p.status == "publish" for p in self.products.values()),
                "variations": len(self.variations),
                "coupons": len(self.coupons),
                "webhooks": len(self.webhooks),
                "pending_deliveries": len(self.pending),
            }

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Money per currency over the orders :meth:`counts` counts (not trashed).

        * ``gross``: sum of order ``total`` over every status.
        * ``refunded``: sum of refund ``amount`` over those orders.
        * ``revenue``: sum of ``total - refunded`` over orders whose status is one of
          processing, completed, on-hold, refunded (``PAID_STATUSES``); cancelled,
          failed, pending and draft orders contribute nothing.
        * ``discounts``: sum of ``discount_total``.
        """
        gross: Counter[str] = Counter()
        refunded: Counter[str] = Counter()
        revenue: Counter[str] = Counter()
        discounts: Counter[str] = Counter()
        with self.lock:
            for o in self.live_orders():
                back = self.refunded_amount(o)
                gross[o.currency] += o.total
                refunded[o.currency] += back
                discounts[o.currency] += o.discount_total
                if o.status in PAID_STATUSES:
                    revenue[o.currency] += o.total - back
        currencies = sorted(set(gross) | {self.currency})

        def table(c: Counter[str]) -> dict[str, Decimal]:
            return {cur: Decimal(c.get(cur, ZERO)).quantize(Decimal("0.01")) for cur in currencies}

        return {
            "gross": table(gross),
            "refunded": table(refunded),
            "revenue": table(revenue),
            "discounts": table(discounts),
        }


def split_discount(discount: Decimal, line_totals: list[Decimal]) -> list[Decimal]:
    """Spread a cart discount over lines in proportion to their totals, exact to the cent.

    WooCommerce applies coupons per line (``WC_Discounts``), so each line's ``total`` is
    its ``subtotal`` minus its share; the shares add up to ``discount_total``.
    """
    cents = int(discount * 100)
    weights = [int(t * 100) for t in line_totals]
    whole = sum(weights)
    if cents == 0 or whole == 0:
        return [ZERO for _ in line_totals]
    cents = min(cents, whole)
    raw = [cents * w / whole for w in weights]
    shares = [int(x) for x in raw]
    rest = cents - sum(shares)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - shares[i], -i), reverse=True)
    for i in order[:rest]:
        shares[i] += 1
    return [Decimal(s).scaleb(-2).quantize(Decimal("0.01")) for s in shares]


def transaction_id(method: str, rng: random.Random) -> str:
    if method == "stripe":
        return "ch_" + "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(24)
        )
    if method == "ppcp-gateway":
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(17))
    return ""


def gravatar(email: str) -> str:
    digest = hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 (gravatar uses md5)
    return f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g"


def state_of(request: Request) -> WooState:
    """The simulated site the app serving this request was made for (``create_app`` keeps it on ``app.state.woo``)."""
    state: WooState = request.app.state.woo
    return state
