"""The site changing over time: seeded mutations with their webhooks.

Every change operation takes **one** tick of the simulator clock (a fresh second, later
than any before) and stamps it as ``date_modified`` on everything it touches. So:

* within one operation several resources can share the same ``date_modified_gmt``
  second, as happens on a busy real site; ``modified_after`` is a strict ``>`` at second
  precision, so an incremental sync must re-read its last second (query with
  ``modified_after = watermark - 1s``, or keep the watermark and de-duplicate) or it
  can miss changes that landed in the same second as its watermark;
* across operations the stamps strictly increase, so "later change, later stamp" holds.

Webhooks are queued (coalesced) through ``state.emit``; nothing is sent until
:func:`sandbox.woocommerce.webhooks.deliver_pending` runs.

Choices worth knowing:

* ``add_orders`` creates ``processing`` orders and queues **both** ``order.created`` and
  ``order.updated`` (a checkout saves the order again after payment, and WooCommerce
  fires both topics); an existing customer's checkout also bumps the customer and queues
  ``customer.updated``; a new account queues ``customer.created``.
* ``delete_orders`` trashes: status ``trash``, ``order.deleted`` with ``{"id": n}``. A
  trashed order disappears from ``GET /orders`` (``status=any`` excludes trash, as in
  WooCommerce), is listed with ``status=trash``, and ``GET /orders/{id}`` still returns it.
  Its refunds stay in ``GET /refunds`` (WooCommerce trashes only the order post).
* ``delete_customers`` deletes the WordPress user for good (``customer.deleted`` with
  ``{"id": n}``; ``GET /customers/{id}`` is 404 afterwards) and, like
  ``wc_reset_order_customer_id_on_deleted_user`` with HPOS, sets ``customer_id`` to 0 on
  that customer's orders and bumps their ``date_modified`` **without** an order webhook.
* ``cancel_orders`` gives coupon uses back (usage_count - 1), as WooCommerce does.
* refunds fire ``order.updated`` (no refund topic exists); an order whose refunds reach
  its total becomes ``refunded``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from faker import Faker

from .clock import SITE_TIMEZONE, parse_rest_date
from .records import (
    ZERO,
    Address,
    Coupon,
    CouponLine,
    LineItem,
    Order,
    Refund,
    User,
)
from .state import PAYMENT_METHODS, split_discount, transaction_id
from .wire import WPError

if TYPE_CHECKING:
    from .state import WooState

CENT = Decimal("0.01")
NOTES = (
    "Please leave the parcel with the neighbour.",
    "Gift - no invoice in the box, please.",
    "Call before delivery.",
    "",
)
REASONS = ("Customer changed their mind", "Damaged in transit", "Wrong item shipped", "")
COUPON_TYPES = ("percent", "fixed_cart", "fixed_product")


@dataclass
class RefundPart:
    """One order line being refunded: units and money (both positive)."""

    line: LineItem
    quantity: int
    amount: Decimal


# -- shared by changes and REST writes -----------------------------------------------------


def create_refund(
    state: WooState,
    order: Order,
    parts: list[RefundPart],
    *,
    amount: Decimal | None = None,
    reason: str = "",
    refunded_payment: bool = True,
    when: datetime | None = None,
) -> Refund:
    """``wc_create_refund``: store the refund, update the order, queue ``order.updated``."""
    with state.lock:
        stamp = when or state.clock.tick()
        total = amount if amount is not None else sum((p.amount for p in parts), ZERO)
        refund = Refund(
            id=state.refund_id(),
            order_id=order.id,
            date_created=stamp,
            amount=total.quantize(CENT),
            reason=reason,
            refunded_by=state.admin_user_id,
            refunded_payment=refunded_payment,
            line_items=[state.refund_line(p.line, p.quantity, p.amount) for p in parts],
        )
        state.refunds[refund.id] = refund
        order.refund_ids.append(refund.id)
        order.date_modified = stamp
        if state.refunded_amount(order) >= order.total:
            order.status = "refunded"
        state.emit("order", "updated", order.id)
        return refund


def create_coupon(state: WooState, data: dict[str, Any], *, when: datetime | None = None) -> Coupon:
    """``POST /coupons`` semantics: validation, lower-cased unique code, ``coupon.created``."""
    code = str(data.get("code") or "").strip()
    if not code:
        raise WPError("woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.", 400)
    code = code.lower()
    discount_type = str(data.get("discount_type") or "fixed_cart")
    if discount_type not in COUPON_TYPES:
        msg = "discount_type is not one of percent, fixed_cart, and fixed_product."
        raise WPError(
            "rest_invalid_param",
            "Invalid parameter(s): discount_type",
            400,
            extra={
                "params": {"discount_type": msg},
                "details": {"discount_type": {"code": "rest_not_in_enum", "message": msg, "data": None}},
            },
        )

    def decimal(name: str) -> Decimal:
        raw = data.get(name)
        if raw in (None, ""):
            return ZERO
        try:
            return Decimal(str(raw)).quantize(CENT)
        except ArithmeticError:
            return ZERO

    def opt_int(name: str) -> int | None:
        raw = data.get(name)
        try:
            return int(raw) if raw not in (None, "", 0, "0") else None
        except (TypeError, ValueError):
            return None

    expires = None
    if data.get("date_expires_gmt"):
        parsed = parse_rest_date(str(data["date_expires_gmt"]))
        if parsed is not None:
            expires = parsed.replace(tzinfo=UTC)
    elif data.get("date_expires"):
        parsed = parse_rest_date(str(data["date_expires"]))
        if parsed is not None:
            expires = parsed.replace(tzinfo=SITE_TIMEZONE)
    with state.lock:
        if state.coupon_by_code(code) is not None:
            raise WPError("woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400)
        stamp = when or state.clock.tick()
        coupon = Coupon(
            id=state.coupon_id(),
            code=code,
            amount=decimal("amount"),
            discount_type=discount_type,
            description=str(data.get("description") or ""),
            date_created=stamp,
            date_modified=stamp,
            date_expires=None if expires is None else expires.astimezone(UTC).replace(microsecond=0),
            individual_use=bool(data.get("individual_use", False)),
            product_ids=[int(x) for x in data.get("product_ids") or []],
            excluded_product_ids=[int(x) for x in data.get("excluded_product_ids") or []],
            usage_limit=opt_int("usage_limit"),
            usage_limit_per_user=opt_int("usage_limit_per_user"),
            limit_usage_to_x_items=opt_int("limit_usage_to_x_items"),
            free_shipping=bool(data.get("free_shipping", False)),
            product_categories=[int(x) for x in data.get("product_categories") or []],
            excluded_product_categories=[int(x) for x in data.get("excluded_product_categories") or []],
            exclude_sale_items=bool(data.get("exclude_sale_items", False)),
            minimum_amount=decimal("minimum_amount"),
            maximum_amount=decimal("maximum_amount"),
            email_restrictions=[str(e).strip().lower() for e in data.get("email_restrictions") or []],
            status=str(data.get("status") or "publish"),
        )
        state.add_coupon(coupon)
        state.emit("coupon", "created", coupon.id)
        return coupon


def coupon_discount(coupon: Coupon, lines: list[tuple[int, int, Decimal]]) -> Decimal:
    """Discount of ``coupon`` on lines ``(product_id, quantity, line subtotal)``, in cents."""
    eligible = [
        (pid, qty, sub)
        for pid, qty, sub in lines
        if (not coupon.product_ids or pid in coupon.product_ids) and pid not in coupon.excluded_product_ids
    ]
    base = sum((sub for _, _, sub in eligible), ZERO)
    if coupon.discount_type == "percent":
        discount = (base * coupon.amount / 100).quantize(CENT, ROUND_HALF_UP)
    elif coupon.discount_type == "fixed_product":
        discount = sum((min(sub, coupon.amount * qty) for _, qty, sub in eligible), ZERO)
    else:
        discount = coupon.amount if eligible else ZERO
    return min(discount, base).quantize(CENT)


class Changes:
    """Seeded mutations of a :class:`WooState`; each method returns the ids it touched."""

    def __init__(self, state: WooState, seed: int = 7) -> None:
        self.state = state
        self.rng = random.Random(f"woo-sim:{seed}:changes")
        self.fake = Faker("en_US")
        self.fake.seed_instance(f"woo-sim:{seed}:people")
        self._person = 90_000

    # -- helpers -------------------------------------------------------------------------

    def _sample(self, items: list[Any], k: int) -> list[Any]:
        return self.rng.sample(items, min(max(k, 0), len(items)))

    def _new_person(self) -> tuple[str, str, str, str, Address]:
        """First, last, email, phone, address of someone the data set does not know."""
        s = self.state
        used_phones = {u.billing.phone for u in s.users.values()} | {o.billing.phone for o in s.orders.values()}
        first, last = self.fake.first_name(), self.fake.last_name()
        self._person += 1
        email = f"{first.lower()}.{last.lower()}.{self._person}@example.net".replace(" ", "")
        while True:
            phone = f"({self.rng.randint(201, 989)}) 555-01{self.rng.randint(0, 99):02d}"
            if phone not in used_phones:
                break
        state_abbr = self.fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        address = Address(
            first_name=first,
            last_name=last,
            address_1=self.fake.street_address(),
            city=self.fake.city(),
            state=state_abbr,
            postcode=self.fake.zipcode_in_state(state_abbr),
            country="US",
            email=email,
            phone=phone,
        )
        return first, last, email, phone, address

    def _pick_lines(self) -> list[tuple[int, int, int, Decimal]]:
        """1-3 distinct in-stock products: (product id, variant id, quantity, unit price)."""
        s = self.state
        products = [p for p in s.products.values() if p.status == "publish"]
        rows = []
        for product in self._sample(products, self.rng.randint(1, 3)):
            qty = self.rng.choice((1, 1, 1, 2))
            if product.type == "variable":
                options = [s.variations[v] for v in product.variation_ids if s.variations[v].in_stock]
                if not options:
                    continue
                variation = self.rng.choice(options)
                rows.append((product.id, variation.id, qty, variation.price))
            elif product.in_stock:
                rows.append((product.id, product.id, qty, product.price))
        if not rows:
            product = next(p for p in products if p.type == "simple")
            rows.append((product.id, product.id, 1, product.price))
        return rows

    def _usable_coupons(self, email: str, customer_id: int, subtotal: Decimal) -> list[Coupon]:
        s = self.state
        now = s.clock.now()
        out = []
        for c in s.coupons.values():
            if c.status != "publish":
                continue
            if c.date_expires is not None and c.date_expires <= now:
                continue
            if c.usage_limit and c.usage_count >= c.usage_limit:
                continue
            who = str(customer_id) if customer_id else email.strip()
            if c.usage_limit_per_user and c.used_by.count(who) >= c.usage_limit_per_user:
                continue
            if c.email_restrictions and email.strip().lower() not in c.email_restrictions:
                continue
            if c.minimum_amount and subtotal < c.minimum_amount:
                continue
            if c.maximum_amount and subtotal > c.maximum_amount:
                continue
            out.append(c)
        return out

    # -- operations ----------------------------------------------------------------------

    def add_orders(
        self,
        n: int,
        *,
        guest_rate: float = 0.2,
        new_customer_rate: float = 0.2,
        coupon_rate: float = 0.3,
        prefer_coupons: list[str] | None = None,
        customer_id: int | None = None,
        coupon: str | None = None,
    ) -> list[int]:
        """``n`` new paid (``processing``) orders from existing customers, new customers and
        guests (``customer_id`` 0; half of them are account holders checking out as guest).
        A share uses a usable coupon; codes in ``prefer_coupons`` are tried first.

        ``customer_id`` places every order as that customer; ``coupon`` makes each order use
        that code, as a shopper typing it at checkout: ``ValueError`` when WooCommerce would
        refuse it (unknown, trashed, used up, another e-mail, below its minimum). A
        free-shipping coupon is kept on the order though it takes nothing off the lines."""
        s = self.state
        created: list[int] = []
        with s.lock:
            chosen = s.users.get(customer_id) if customer_id is not None else None
            if customer_id is not None and (chosen is None or chosen.role != "customer"):
                raise ValueError(f"no customer {customer_id}")
            stamp = s.clock.tick()
            for _ in range(n):
                roll = self.rng.random()
                customers = s.customers()
                customer: User | None = None
                if chosen is not None:
                    customer = chosen
                    first, last, email = customer.first_name, customer.last_name, customer.email
                    billing = Address(**{**customer.billing.__dict__})
                    customer.date_modified = stamp
                    customer.is_paying_customer = True
                    s.emit("customer", "updated", customer.id)
                elif roll < guest_rate or not customers:
                    if customers and self.rng.random() < 0.5:
                        holder = self.rng.choice(customers)
                        first, last, email = holder.first_name, holder.last_name, holder.email
                        billing = Address(**{**holder.billing.__dict__, "email": holder.email})
                    else:
                        first, last, email, _phone, billing = self._new_person()
                elif roll < guest_rate + new_customer_rate:
                    first, last, email, _phone, billing = self._new_person()
                    customer = User(
                        id=s.user_id(),
                        username=s.unique_username(email),
                        email=email,
                        first_name=first,
                        last_name=last,
                        role="customer",
                        billing=billing,
                        shipping=Address(**{**billing.__dict__, "email": "", "phone": ""}),
                        date_created=stamp,
                        date_modified=stamp,
                        is_paying_customer=True,
                    )
                    s.users[customer.id] = customer
                    s.emit("customer", "created", customer.id)
                else:
                    customer = self.rng.choice(customers)
                    first, last, email = customer.first_name, customer.last_name, customer.email
                    billing = Address(**{**customer.billing.__dict__})
                    customer.date_modified = stamp
                    customer.is_paying_customer = True
                    s.emit("customer", "updated", customer.id)
                buyer_id = customer.id if customer else 0
                rows = self._pick_lines()
                subtotals = [(unit * qty).quantize(CENT) for _, _, qty, unit in rows]
                subtotal = sum(subtotals, ZERO)
                used = None
                if coupon is not None:
                    wanted = coupon.strip().lower()
                    usable = self._usable_coupons(email, buyer_id, subtotal)
                    used = next((c for c in usable if c.code == wanted), None)
                    if used is None:
                        raise ValueError(f"coupon {coupon!r} does not apply to this order")
                elif self.rng.random() < coupon_rate:
                    usable = self._usable_coupons(email, buyer_id, subtotal)
                    preferred = [c for c in usable if prefer_coupons and c.code in {p.lower() for p in prefer_coupons}]
                    pool = preferred or usable
                    used = self.rng.choice(pool) if pool else None
                discount = ZERO
                if used is not None:
                    discount = coupon_discount(
                        used,
                        [(pid, qty, sub) for (pid, _, qty, _), sub in zip(rows, subtotals, strict=True)],
                    )
                    if discount <= 0 and not (coupon is not None and used.free_shipping):
                        used = None
                        discount = ZERO
                shares = split_discount(discount, subtotals)
                items = [
                    s.line_item(s.item_id(), pid, vid, qty, sub, sub - share)
                    for (pid, vid, qty, _), sub, share in zip(rows, subtotals, shares, strict=True)
                ]
                coupon_lines = []
                if used is not None:
                    coupon_lines.append(CouponLine(id=s.item_id(), code=used.code, discount=discount))
                    used.usage_count += 1
                    used.used_by.append(str(buyer_id) if buyer_id else email.strip())
                method, title = self.rng.choice(PAYMENT_METHODS)
                order_id = s.order_id()
                order = Order(
                    id=order_id,
                    number=str(order_id),
                    order_key=s.order_key(),
                    status="processing",
                    currency=s.currency,
                    customer_id=buyer_id,
                    billing=Address(
                        **{
                            **billing.__dict__,
                            "first_name": first,
                            "last_name": last,
                            "email": email,
                        }
                    ),
                    shipping=Address(
                        **{
                            **billing.__dict__,
                            "first_name": first,
                            "last_name": last,
                            "email": "",
                            "phone": "",
                        }
                    ),
                    payment_method=method,
                    payment_method_title=title,
                    transaction_id=transaction_id(method, self.rng),
                    date_created=stamp,
                    date_modified=stamp,
                    date_paid=stamp,
                    date_completed=None,
                    line_items=items,
                    coupon_lines=coupon_lines,
                    discount_total=discount,
                    shipping_total=ZERO,
                    total_tax=ZERO,
                    total=subtotal - discount,
                )
                s.orders[order.id] = order
                s.emit("order", "created", order.id)
                s.emit("order", "updated", order.id)
                created.append(order.id)
        return created

    def _pick(self, pool: list[Any], k: int, ids: list[int] | None) -> list[Any]:
        """``k`` seeded picks from ``pool``, or exactly the records whose id is in ``ids``."""
        if ids is not None:
            wanted = set(ids)
            return [r for r in pool if r.id in wanted]
        return self._sample(pool, k)

    def edit_orders(self, fraction: float = 0.0, *, ids: list[int] | None = None) -> list[int]:
        """Edit ``fraction`` of the live orders, or the orders ``ids``
        (note, phone, or processing -> completed)."""
        s = self.state
        with s.lock:
            live = sorted(s.live_orders(), key=lambda o: o.id)
            chosen = self._pick(live, round(fraction * len(live)), ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for order in chosen:
                kind = self.rng.random()
                if order.status == "processing" and kind < 0.5:
                    order.status = "completed"
                    order.date_completed = stamp
                elif kind < 0.75:
                    order.customer_note = self.rng.choice(NOTES)
                else:
                    order.billing.phone = f"{order.billing.phone} ext. {self.rng.randint(1, 99)}".strip()
                order.date_modified = stamp
                s.emit("order", "updated", order.id)
            return sorted(o.id for o in chosen)

    def refund_orders(self, n: int = 0, partial: bool = True, *, ids: list[int] | None = None) -> list[int]:
        """Refund ``n`` paid orders; returns the new refund ids.

        ``partial=True`` refunds some units of one line (amount = that share of the line's
        discounted total, the remainder on the last unit); ``partial=False`` refunds all
        that is left, which makes the order ``refunded``."""
        s = self.state
        refunds: list[int] = []
        with s.lock:
            candidates = [
                o
                for o in sorted(s.live_orders(), key=lambda o: o.id)
                if o.status in ("processing", "completed", "on-hold") and s.refunded_amount(o) < o.total
            ]
            chosen = self._pick(candidates, n, ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for order in chosen:
                parts = []
                for line in order.line_items:
                    left_qty = line.quantity - s.refunded_quantity(order, line.id)
                    left_amount = line.total - s.refunded_line_amount(order, line.id)
                    if left_qty > 0 and left_amount > 0:
                        parts.append(RefundPart(line, left_qty, left_amount))
                if not parts:
                    continue
                if partial:
                    part = self.rng.choice(parts)
                    qty = self.rng.randint(1, part.quantity)
                    if qty < part.quantity:
                        share = (part.line.total * qty / part.line.quantity).quantize(CENT, ROUND_HALF_UP)
                        part = RefundPart(part.line, qty, min(share, part.amount))
                    parts = [part]
                method = order.payment_method
                refund = create_refund(
                    s,
                    order,
                    parts,
                    reason=self.rng.choice(REASONS),
                    refunded_payment=method != "bacs",
                    when=stamp,
                )
                refunds.append(refund.id)
        return refunds

    def cancel_orders(self, n: int = 0, *, ids: list[int] | None = None) -> list[int]:
        """Cancel ``n`` orders (processing/on-hold/pending first, then unrefunded completed)."""
        s = self.state
        with s.lock:
            live = sorted(s.live_orders(), key=lambda o: o.id)
            open_ = [o for o in live if o.status in ("processing", "on-hold", "pending")]
            done = [o for o in live if o.status == "completed" and not o.refund_ids]
            if ids is not None:
                chosen = self._pick([o for o in live if o.status != "cancelled"], 0, ids)
            else:
                chosen = self._sample(open_, n)
                chosen += self._sample(done, n - len(chosen))
            if not chosen:
                return []
            stamp = s.clock.tick()
            for order in chosen:
                order.status = "cancelled"
                order.date_modified = stamp
                for line in order.coupon_lines:
                    coupon = s.coupon_by_code(line.code)
                    if coupon is not None and coupon.usage_count > 0:
                        coupon.usage_count -= 1
                        who = str(order.customer_id) if order.customer_id else order.billing.email.strip()
                        if who in coupon.used_by:
                            coupon.used_by.remove(who)
                s.emit("order", "updated", order.id)
            return sorted(o.id for o in chosen)

    def delete_orders(self, n: int = 0, *, ids: list[int] | None = None) -> list[int]:
        """Trash ``n`` live orders, or the orders ``ids`` (``order.deleted``)."""
        s = self.state
        with s.lock:
            chosen = self._pick(sorted(s.live_orders(), key=lambda o: o.id), n, ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for order in chosen:
                order.status_before_trash = order.status
                order.status = "trash"
                order.date_modified = stamp
                s.emit("order", "deleted", order.id)
            return sorted(o.id for o in chosen)

    def restore_orders(self, order_ids: list[int]) -> list[int]:
        """Untrash orders (``order.restored``)."""
        s = self.state
        with s.lock:
            chosen = [s.orders[i] for i in order_ids if i in s.orders and s.orders[i].status == "trash"]
            if not chosen:
                return []
            stamp = s.clock.tick()
            for order in chosen:
                order.status = order.status_before_trash or "processing"
                order.status_before_trash = None
                order.date_modified = stamp
                s.emit("order", "restored", order.id)
            return [o.id for o in chosen]

    def update_customers(self, n: int = 0, *, ids: list[int] | None = None) -> list[int]:
        """Edit ``n`` customers, or the customers ``ids`` (phone, address, last name or e-mail)."""
        s = self.state
        with s.lock:
            chosen = self._pick(sorted(s.customers(), key=lambda u: u.id), n, ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for user in chosen:
                kind = self.rng.random()
                if kind < 0.3:
                    user.billing.phone = f"+1 {self.rng.randint(201, 989)}-555-01{self.rng.randint(0, 99):02d}"
                elif kind < 0.6:
                    user.billing.address_1 = self.fake.street_address()
                    user.shipping.address_1 = user.billing.address_1
                elif kind < 0.85:
                    user.last_name = self.fake.last_name()
                    user.billing.last_name = user.shipping.last_name = user.last_name
                else:
                    local, _, domain = user.email.strip().partition("@")
                    user.email = f"{local}.new@{domain}"
                    user.billing.email = user.email
                user.date_modified = stamp
                s.emit("customer", "updated", user.id)
            return sorted(u.id for u in chosen)

    def delete_customers(self, n: int = 0, *, ids: list[int] | None = None) -> list[int]:
        """Delete ``n`` customers (or ``ids``) for good (``customer.deleted``); their orders
        become guest orders."""
        s = self.state
        with s.lock:
            chosen = self._pick(sorted(s.customers(), key=lambda u: u.id), n, ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for user in chosen:
                del s.users[user.id]
                s.deleted_user_ids.add(user.id)
                for order in s.orders.values():
                    if order.customer_id == user.id:
                        order.customer_id = 0
                        order.date_modified = stamp
                s.emit("customer", "deleted", user.id)
            return sorted(u.id for u in chosen)

    def update_products(self, n: int = 0, *, ids: list[int] | None = None) -> list[int]:
        """Change price (sale on/off) or stock of ``n`` products, or of ``ids`` (``product.updated``)."""
        s = self.state
        with s.lock:
            products = sorted((p for p in s.products.values() if p.status == "publish"), key=lambda p: p.id)
            chosen = self._pick(products, n, ids)
            if not chosen:
                return []
            stamp = s.clock.tick()
            for product in chosen:
                target: Any = product
                if product.type == "variable":
                    target = s.variations[self.rng.choice(product.variation_ids)]
                    target.date_modified = stamp
                if self.rng.random() < 0.7:
                    if target.sale_price is None:
                        target.sale_price = (target.regular_price * Decimal("0.85")).quantize(CENT)
                    else:
                        target.sale_price = None
                else:
                    target.in_stock = not target.in_stock
                product.date_modified = stamp
                s.emit("product", "updated", product.id)
            return sorted(p.id for p in chosen)

    def add_customer(
        self, email: str, first_name: str = "", last_name: str = "", billing: dict[str, str] | None = None
    ) -> list[int]:
        """A shopper signs up (``customer.created``): an account with this e-mail, name and billing
        address; ``ValueError`` when the e-mail is taken, as WooCommerce refuses it."""
        s = self.state
        with s.lock:
            wanted = email.strip().lower()
            if any(u.email.strip().lower() == wanted for u in s.users.values()):
                raise ValueError(f"an account is already registered with {email!r}")
            stamp = s.clock.tick()
            address = Address(**{"first_name": first_name, "last_name": last_name, **(billing or {}), "email": email})
            customer = User(
                id=s.user_id(),
                username=s.unique_username(email),
                email=email,
                first_name=first_name,
                last_name=last_name,
                role="customer",
                billing=address,
                shipping=Address(**{**address.__dict__, "email": "", "phone": ""}),
                date_created=stamp,
                date_modified=stamp,
            )
            s.users[customer.id] = customer
            s.emit("customer", "created", customer.id)
            return [customer.id]

    def add_coupon(self, code: str, discount_type: str = "percent", amount: str = "10", **fields: Any) -> int:
        """Create a coupon as ``POST /coupons`` would; returns its id."""
        return create_coupon(self.state, {"code": code, "discount_type": discount_type, "amount": amount, **fields}).id

    def apply(self, op: str, **kwargs: Any) -> list[int]:
        """Run an operation by name (used by ``POST /_sim/changes``)."""
        allowed = {
            "edit_orders",
            "add_orders",
            "add_customer",
            "refund_orders",
            "cancel_orders",
            "delete_orders",
            "restore_orders",
            "update_customers",
            "delete_customers",
            "update_products",
        }
        if op not in allowed:
            raise KeyError(op)
        return getattr(self, op)(**kwargs)
