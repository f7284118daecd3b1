"""Changes over time: what a live shop does between two syncs, with its webhook events.

Every change takes the shop lock, stamps the touched record with ``state.stamp()``
(whole seconds, strictly increasing), and triggers the topics Shopify fires for it:

==================  ==============================================================
change              topics
==================  ==============================================================
edit_orders         orders/updated
add_orders          customers/create (new buyer), orders/create, orders/paid
                    (when paid), customers/update (existing buyer)
capture_orders      orders/paid, orders/updated
refund_orders       refunds/create, orders/updated
cancel_orders       orders/cancelled, refunds/create (paid orders), orders/updated
add_customers       customers/create
update_customers    customers/update
delete_customers    customers/delete (only customers without orders)
add_products        products/create
update_products     products/update
delete_products     products/delete (only products no order line refers to)
uninstall           app/uninstalled, then tokens are revoked and API subscriptions go
==================  ==============================================================

Randomness comes from one seeded generator, so a run is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from faker import Faker

from sandbox.dataset.people import make_address

from .importer import address as make_record_address
from .records import (
    ZERO,
    AppliedCode,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLineItem,
    Variant,
    allocate,
)

if TYPE_CHECKING:
    from .state import ShopState

ORDER_TAGS = ("gift", "vip", "wholesale", "priority", "repeat-buyer")
CUSTOMER_TAGS = ("newsletter", "vip", "collector", "local", "wholesale")
NOTES = ("Gift wrap please", "Leave at the back door", "Called about delivery", "Repeat buyer")
CANCEL_REASONS = ("CUSTOMER", "INVENTORY", "FRAUD", "DECLINED", "OTHER")
AREA_CODES = ("212", "312", "415", "617", "206", "303", "512", "808")


class Changes:
    """Seeded change generator bound to one shop (``state.changes``)."""

    def __init__(self, state: ShopState, seed: int = 0) -> None:
        self.state = state
        self.rng = random.Random(f"shopify-sim:{seed}:changes")
        self.fake = Faker("en_US")
        self.fake.seed_instance(f"shopify-sim:{seed}:people")
        self.log: list[tuple[str, list[int]]] = []

    @property
    def kinds(self) -> dict[str, Callable[..., list[int]]]:
        return {
            "edit_orders": self.edit_orders,
            "add_orders": self.add_orders,
            "capture_orders": self.capture_orders,
            "refund_orders": self.refund_orders,
            "cancel_orders": self.cancel_orders,
            "add_customers": self.add_customers,
            "update_customers": self.update_customers,
            "delete_customers": self.delete_customers,
            "add_products": self.add_products,
            "update_products": self.update_products,
            "delete_products": self.delete_products,
            "uninstall": self.uninstall,
        }

    def apply(self, kind: str, **options: Any) -> list[int]:
        """Run one change by name (the ``/_sim/changes`` entry point)."""
        try:
            change = self.kinds[kind]
        except KeyError:
            raise ValueError(f"unknown change {kind!r}; known: {sorted(self.kinds)}") from None
        return change(**options)

    # -- helpers ----------------------------------------------------------------------------------

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        self.state.webhooks.trigger(topic, payload)

    @property
    def _rest(self) -> Any:
        return self.state.webhooks.rest

    def _pick(self, pool: list[Any], n: int) -> list[Any]:
        return self.rng.sample(pool, min(n, len(pool)))

    def _done(self, kind: str, ids: list[int]) -> list[int]:
        self.state.touch()
        self.log.append((kind, ids))
        return ids

    def _phone(self) -> str:
        return f"+1{self.rng.choice(AREA_CODES)}5550{self.rng.randrange(100, 200)}"

    # -- orders -------------------------------------------------------------------------------------

    def edit_orders(self, fraction: float = 0.05) -> list[int]:
        """Edit contact details, tags or note of a fraction of all orders."""
        with self.state.lock:
            pool = sorted(self.state.orders)
            k = round(fraction * len(pool)) if fraction < 1 else len(pool)
            if fraction > 0:
                k = max(1, k)
            ids = sorted(self._pick(pool, k))
            for oid in ids:
                o = self.state.orders[oid]
                what = self.rng.choice(("email", "phone", "tags", "note"))
                if what == "email" and o.email:
                    local, _, domain = o.email.strip().partition("@")
                    o.email = f"{local.capitalize()}@{domain}" if local.islower() else o.email.lower()
                elif what == "phone":
                    o.phone = self._phone() if o.phone is None else None
                elif what == "tags":
                    tag = self.rng.choice(ORDER_TAGS)
                    o.tags = sorted({*o.tags, tag})
                else:
                    o.note = self.rng.choice(NOTES)
                o.updated_at = self.state.stamp()
                self._emit("orders/updated", self._rest.order(o))
            return self._done("edit_orders", ids)

    def _new_customer(self) -> Customer:
        first, last = self.fake.first_name(), self.fake.last_name()
        cid = self.state.next_id("customer")
        phone = self._phone() if self.rng.random() < 0.85 else None
        raw = make_address(self.fake)
        stamp = self.state.stamp()
        marketing = self.rng.random() < 0.4
        customer = Customer(
            id=cid,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}.{cid % 100000:05d}@example.com".lower(),
            phone=phone,
            address=make_record_address(raw, first, last, phone),
            created_at=stamp,
            updated_at=stamp,
            accepts_marketing=marketing,
            state="ENABLED" if self.rng.random() < 0.5 else "DISABLED",
            consent_updated_at=stamp if marketing else None,
        )
        self.state.customers[cid] = customer
        self._emit("customers/create", self._rest.customer(customer))
        return customer

    def _lines(self, order_id: int) -> list[LineItem]:
        products = [p for p in self.state.products.values() if p.status == "ACTIVE"]
        lines = []
        for product in self._pick(products, self.rng.randint(1, 3)):
            stocked = [v for v in product.variants if v.inventory_quantity > 0] or product.variants
            variant = self.rng.choice(stocked)
            quantity = 1 if self.rng.random() < 0.8 else 2
            variant.inventory_quantity = max(0, variant.inventory_quantity - quantity)
            lines.append(
                LineItem(
                    id=self.state.next_id("line"),
                    order_id=order_id,
                    product_id=product.id,
                    variant_id=variant.id,
                    title=product.title,
                    variant_title=variant.title,
                    sku=variant.sku,
                    vendor=product.vendor,
                    quantity=quantity,
                    unit_price=variant.price,
                )
            )
        return lines

    def add_orders(
        self,
        n: int = 1,
        *,
        guest_rate: float = 0.15,
        new_customer_rate: float = 0.25,
        discount_rate: float = 0.3,
        authorized_rate: float = 0.1,
        discount_code: str | None = None,
        customer_id: int | None = None,
    ) -> list[int]:
        """New orders by existing and new customers and guests, some using discount codes.

        ``discount_code`` forces that code on every order (``ValueError`` if it does not
        apply); otherwise a ``discount_rate`` share of orders uses one of the codes the buyer
        is eligible for, preferring codes created through the API.
        """
        ids = []
        with self.state.lock:
            for _ in range(n):
                ids.append(
                    self._add_order(
                        guest_rate,
                        new_customer_rate,
                        discount_rate,
                        authorized_rate,
                        discount_code,
                        customer_id,
                    )
                )
            return self._done("add_orders", ids)

    def _add_order(
        self,
        guest_rate: float,
        new_customer_rate: float,
        discount_rate: float,
        authorized_rate: float,
        discount_code: str | None,
        customer_id: int | None,
    ) -> int:
        state = self.state
        roll = self.rng.random()
        customer: Customer | None
        new_buyer = False
        if customer_id is not None:
            customer = state.customers[customer_id]
        elif roll < guest_rate:
            customer = None
        elif roll < guest_rate + new_customer_rate:
            customer, new_buyer = self._new_customer(), True
        else:
            customer = state.customers[self.rng.choice(sorted(state.customers))]
        if customer is not None:
            email, phone, first, last = (
                customer.email,
                customer.phone,
                customer.first_name,
                customer.last_name,
            )
            raw_address = customer.address
        else:
            first, last = self.fake.first_name(), self.fake.last_name()
            email = f"{first}.{last}@example.net".lower()
            phone = self._phone() if self.rng.random() < 0.5 else None
            raw_address = make_record_address(make_address(self.fake), first, last, phone)
        oid = state.next_id("order")
        lines = self._lines(oid)
        gross = sum((li.original_total for li in lines), ZERO)
        units = sum(li.quantity for li in lines)
        stamp = state.stamp()
        buyer_id = customer.id if customer else None
        country = raw_address.country_code if raw_address else None
        discount = None
        if discount_code is not None:
            discount = state.discount_by_code(discount_code)
            if discount is None or not discount.eligible(stamp, buyer_id, gross, units, country):
                raise ValueError(f"discount code {discount_code!r} does not apply to this order")
        elif self.rng.random() < discount_rate:
            usable = [d for d in state.discounts.values() if d.eligible(stamp, buyer_id, gross, units, country)]
            created = [d for d in usable if d.code not in ("WELCOME10", "SAVE5")]
            if created or usable:
                discount = self.rng.choice(created or usable)
        codes: list[AppliedCode] = []
        total_discount = ZERO
        if discount is not None:
            total_discount = discount.amount_for(gross, units)
            for li, share in zip(lines, allocate(total_discount, [li.original_total for li in lines]), strict=True):
                li.discount = share
            codes = [
                AppliedCode(discount.code, total_discount, "shipping" if discount.free_shipping else discount.kind)
            ]
            discount.usage_count += 1
            discount.used_by.append(buyer_id)
        authorized = self.rng.random() < authorized_rate
        order = Order(
            id=oid,
            number=state.next_id("order_number"),
            email=email,
            phone=phone,
            customer_id=buyer_id,
            billing_address=raw_address,
            shipping_address=raw_address,
            created_at=stamp,
            updated_at=stamp,
            processed_at=stamp,
            currency=state.currency,
            lines=lines,
            total_discount=total_discount,
            shipping=ZERO,
            tax=ZERO,
            codes=codes,
            financial_status="AUTHORIZED" if authorized else "PAID",
            fulfillment_status="UNFULFILLED",
            buyer_accepts_marketing=bool(customer and customer.accepts_marketing),
        )
        state.add_order(order)
        self._emit("orders/create", self._rest.order(order))
        if not authorized:
            self._emit("orders/paid", self._rest.order(order))
        if customer is not None and not new_buyer:
            customer.updated_at = state.stamp()
            self._emit("customers/update", self._rest.customer(customer))
        return oid

    def capture_orders(self, n: int = 1) -> list[int]:
        """Capture payment of authorized orders: AUTHORIZED -> PAID."""
        with self.state.lock:
            pool = sorted(
                o.id
                for o in self.state.orders.values()
                if o.financial_status == "AUTHORIZED" and o.cancelled_at is None
            )
            ids = sorted(self._pick(pool, n))
            for oid in ids:
                o = self.state.orders[oid]
                o.financial_status = "PAID"
                o.updated_at = self.state.stamp()
                self._emit("orders/paid", self._rest.order(o))
                self._emit("orders/updated", self._rest.order(o))
            return self._done("capture_orders", ids)

    def _refund(self, order: Order, quantities: dict[int, int], note: str, restock: bool) -> Refund:
        stamp = self.state.stamp()
        lines = []
        for li in order.lines:
            qty = quantities.get(li.id, 0)
            if qty <= 0:
                continue
            amount = li.refund_amount(qty)
            li.refunded_quantity += qty
            li.refunded_amount += amount
            lines.append(
                RefundLineItem(
                    self.state.next_id("refund_line"),
                    li.id,
                    qty,
                    amount,
                    "RETURN" if restock else "NO_RESTOCK",
                )
            )
        refund = Refund(
            id=self.state.next_id("refund"),
            order_id=order.id,
            created_at=stamp,
            note=note,
            lines=lines,
            amount=sum((rl.subtotal for rl in lines), ZERO),
            transaction_id=self.state.next_id("transaction"),
            restock=restock,
        )
        order.refunds.append(refund)
        order.financial_status = "REFUNDED" if order.total_refunded >= order.received else "PARTIALLY_REFUNDED"
        order.updated_at = stamp
        return refund

    def refund_orders(self, n: int = 1, partial: bool = True) -> list[int]:
        """Refund lines of paid orders: one unit of one line (partial) or everything left."""
        with self.state.lock:
            pool = sorted(
                o.id
                for o in self.state.orders.values()
                if o.cancelled_at is None
                and o.financial_status in ("PAID", "PARTIALLY_REFUNDED")
                and any(li.current_quantity > 0 for li in o.lines)
                and (not partial or sum(li.current_quantity for li in o.lines) > 1)
            )
            ids = sorted(self._pick(pool, n))
            for oid in ids:
                o = self.state.orders[oid]
                open_lines = [li for li in o.lines if li.current_quantity > 0]
                if partial:
                    quantities = {self.rng.choice(open_lines).id: 1}
                else:
                    quantities = {li.id: li.current_quantity for li in open_lines}
                refund = self._refund(o, quantities, self.rng.choice(("Damaged", "Changed mind", "Wrong item")), True)
                self._emit("refunds/create", self._rest.refund(refund))
                self._emit("orders/updated", self._rest.order(o))
            return self._done("refund_orders", ids)

    def cancel_orders(self, n: int = 1, reason: str | None = None) -> list[int]:
        """Cancel orders: authorized ones become VOIDED, paid ones are refunded in full."""
        with self.state.lock:
            pool = sorted(o.id for o in self.state.orders.values() if o.cancelled_at is None)
            ids = sorted(self._pick(pool, n))
            for oid in ids:
                o = self.state.orders[oid]
                refund = None
                if o.financial_status in ("AUTHORIZED", "PENDING"):
                    o.financial_status = "VOIDED"
                    stamp = self.state.stamp()
                else:
                    left = {li.id: li.current_quantity for li in o.lines if li.current_quantity > 0}
                    if left:
                        refund = self._refund(o, left, "Order cancelled", True)
                        stamp = refund.created_at
                    else:
                        stamp = self.state.stamp()
                o.cancelled_at = o.closed_at = o.updated_at = stamp
                o.cancel_reason = reason or self.rng.choice(CANCEL_REASONS)
                self._emit("orders/cancelled", self._rest.order(o))
                if refund is not None:
                    self._emit("refunds/create", self._rest.refund(refund))
                self._emit("orders/updated", self._rest.order(o))
            return self._done("cancel_orders", ids)

    # -- customers ------------------------------------------------------------------------------------

    def add_customers(self, n: int = 1) -> list[int]:
        """New accounts without orders (newsletter sign-ups, accounts made ahead of buying)."""
        with self.state.lock:
            ids = [self._new_customer().id for _ in range(n)]
            return self._done("add_customers", ids)

    def update_customers(self, n: int = 1) -> list[int]:
        """Edit tags, note, phone, marketing consent or last name of some customers."""
        with self.state.lock:
            ids = sorted(self._pick(sorted(self.state.customers), n))
            for cid in ids:
                c = self.state.customers[cid]
                what = self.rng.choice(("tags", "note", "phone", "marketing", "last_name"))
                stamp = self.state.stamp()
                if what == "tags":
                    c.tags = sorted({*c.tags, self.rng.choice(CUSTOMER_TAGS)})
                elif what == "note":
                    c.note = self.rng.choice(NOTES)
                elif what == "phone":
                    c.phone = self._phone()
                elif what == "marketing":
                    c.accepts_marketing = not c.accepts_marketing
                    c.consent_updated_at = stamp
                else:
                    c.last_name = self.fake.last_name()
                c.updated_at = stamp
                self._emit("customers/update", self._rest.customer(c))
            return self._done("update_customers", ids)

    def delete_customers(self, n: int = 1) -> list[int]:
        """Delete customers that have no orders (Shopify refuses the others); may do fewer."""
        with self.state.lock:
            pool = sorted(cid for cid in self.state.customers if not self.state.customer_orders(cid))
            ids = sorted(self._pick(pool, n))
            for cid in ids:
                del self.state.customers[cid]
                self.state.deleted["customers"].append(cid)
                self.state.stamp()
                self._emit("customers/delete", self._rest.customer_deleted(cid))
            return self._done("delete_customers", ids)

    # -- products -------------------------------------------------------------------------------------

    def add_products(self, n: int = 1) -> list[int]:
        with self.state.lock:
            ids = []
            for _ in range(n):
                pid = self.state.next_id("product")
                stamp = self.state.stamp()
                title = f"{self.fake.color_name()} {self.fake.word().capitalize()}"
                price = Decimal(self.rng.choice(("9.99", "12.99", "14.99", "19.99")))
                variants = [
                    Variant(
                        self.state.next_id("variant"),
                        pid,
                        fmt,
                        f"NEW-{pid % 10**6:06d}{suffix}",
                        price + delta,
                        None,
                        self.rng.randrange(1, 40),
                        i,
                        stamp,
                        stamp,
                    )
                    for i, (fmt, suffix, delta) in enumerate(
                        (("CD", "", ZERO), ("Vinyl LP", "-LP", Decimal("8.00")))[: self.rng.randint(1, 2)],
                        start=1,
                    )
                ]
                product = Product(
                    pid,
                    title,
                    f"{title.lower().replace(' ', '-')}-{pid % 10**6}",
                    self.rng.choice(sorted({p.vendor for p in self.state.products.values()})),
                    "Rock",
                    "ACTIVE",
                    ["new"],
                    stamp,
                    stamp,
                    stamp,
                    variants,
                    f"<p>{title}.</p>",
                )
                self.state.products[pid] = product
                for v in variants:
                    self.state.variants[v.id] = v
                self._emit("products/create", self._rest.product(product))
                ids.append(pid)
            return self._done("add_products", ids)

    def update_products(self, n: int = 1) -> list[int]:
        """Change a price, a title or the tags of some products."""
        with self.state.lock:
            ids = sorted(self._pick(sorted(self.state.products), n))
            for pid in ids:
                p = self.state.products[pid]
                stamp = self.state.stamp()
                what = self.rng.choice(("price", "title", "tags"))
                if what == "price":
                    v = self.rng.choice(p.variants)
                    v.compare_at_price = v.price
                    v.price = max(
                        Decimal("1.00"),
                        v.price + self.rng.choice((Decimal("-2.00"), Decimal("1.00"), Decimal("3.00"))),
                    )
                    v.updated_at = stamp
                elif what == "title":
                    p.title = p.title.removesuffix(" (Remastered)") + " (Remastered)"
                else:
                    p.tags = sorted({*p.tags, self.rng.choice(("staff-pick", "sale", "limited"))})
                p.updated_at = stamp
                self._emit("products/update", self._rest.product(p))
            return self._done("update_products", ids)

    def delete_products(self, n: int = 1) -> list[int]:
        """Delete products no order line refers to; may do fewer than ``n``."""
        with self.state.lock:
            used = {li.product_id for li in self.state.lines.values()}
            pool = sorted(pid for pid in self.state.products if pid not in used)
            ids = sorted(self._pick(pool, n))
            for pid in ids:
                product = self.state.products.pop(pid)
                for v in product.variants:
                    self.state.variants.pop(v.id, None)
                self.state.deleted["products"].append(pid)
                self.state.stamp()
                self._emit("products/delete", self._rest.product_deleted(pid))
            return self._done("delete_products", ids)

    # -- app ---------------------------------------------------------------------------------------------

    def uninstall(self) -> list[int]:
        """The merchant uninstalls the app: app/uninstalled, tokens revoked, API subscriptions gone."""
        with self.state.lock:
            self._emit("app/uninstalled", self._rest.shop())
            self.state.tokens.revoke_all()
            for sub in list(self.state.webhooks.subscriptions.values()):
                if sub.source == "api":
                    self.state.webhooks.unsubscribe(sub.id, reason="app uninstalled")
            self.state.installed = False
            return self._done("uninstall", [])
