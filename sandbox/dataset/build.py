"""Assembly of the sandbox data set from CDNOW purchases and retail baskets.

Guarantees (checked by ``tests/sandbox/test_dataset.py``):

* every CDNOW purchase row is exactly one order (``Order.source_row``), on the
  recorded date (time of day drawn from the seed, UTC), with ``total`` equal to the
  recorded dollar value and the total quantity equal to the recorded number of CDs;
* money is exact to the cent: for every line ``quantity * unit_price == line_total``;
  ``sum(line_total) == subtotal``; ``subtotal - total_discount + shipping + tax ==
  total`` with ``shipping == tax == 0``; ``total_discount > 0`` only on orders that
  carry a discount code;
* the lines of an order are distinct items of one retail basket, at most one variant
  per item, except that an order whose value cannot be spread evenly in cents over
  the units of its last line ends with that line split in two (same variant,
  quantities ``q - 1`` and ``1``);
* about 20% of the people (all with two or more purchases) buy on both stores and
  have an account on each; the others buy on one store, split about evenly;
* emails and phones are unique per person; a person's two accounts share the mailbox,
  written differently (case, whitespace) on one store for about 40% of them;
  Shopify phones are E.164, WooCommerce phones are free text in mixed formats;
* about 10% of each store's buyers never open an account there (guest orders only),
  and account holders occasionally check out as guests with the same email;
* same ``(source, seed)`` gives identical data, in any process; ``ends`` only moves every
  timestamp by the same whole number of days.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, overload

from faker import Faker

from .baskets import read_baskets
from .catalog import item_spec, make_products
from .cdnow import Purchase, read_purchases
from .model import (
    FIRST_ORDER_NUMBER,
    ID_BASES,
    PLATFORMS,
    Customer,
    Order,
    OrderLine,
    Person,
    Platform,
    Product,
    ReadOnlyDict,
    SandboxData,
    StoreInfo,
)
from .people import PHONE_STYLES, format_email, format_phone, make_address, make_people
from .shift import days_to_end_on, shifted

if TYPE_CHECKING:
    from .scale import ScaledData

MERCHANT_NAME = "Northwind Records"
STORES: ReadOnlyDict = ReadOnlyDict(
    shopify=StoreInfo("shopify", "northwind.myshopify.com", "USD", "Northwind Records"),
    woocommerce=StoreInfo("woocommerce", "https://shop.northwind.test", "USD", "Northwind Records Online"),
)

BOTH_STORE_SHARE = 0.20  # of all people, drawn among those with >= 2 purchases
HOME_STORE_SHARE = 0.6  # a both-store person's orders go to their home store this often
GUEST_ONLY_SHARE = 0.10  # of each store's buyers, drawn among single-store people
GUEST_CHECKOUT_RATE = 0.05  # account holders' later orders placed as guest
EMAIL_NOISE_SHARE = 0.40  # both-store people whose email is written differently on one store
SHOPIFY_NO_PHONE_RATE = 0.15
WOO_PHONE_STYLE_WEIGHTS = (30, 30, 15, 15, 10)  # over people.PHONE_STYLES
WOO_ORDER_RESTYLE_RATE = 0.10  # Woo orders whose phone is typed in another style
WELCOME_RATE = 0.15  # first orders on a store using WELCOME10 (10% off)
SAVE5_RATE = 0.02  # other orders of $25+ using SAVE5 ($5 off)
GIFT_RATE = 0.03  # orders shipped to another address


def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"rapport-sandbox:{seed}:{purpose}")


@lru_cache(maxsize=4096)
def _money(cents: int) -> Decimal:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return Decimal(f"{sign}{c // 100}.{c % 100:02d}")


def _cents(value: Decimal) -> int:
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} is not a whole number of cents")
    return int(cents)


# -- lines -----------------------------------------------------------------------------


def plan_items(rng: random.Random, basket: tuple[int, ...], quantity: int) -> list[list[int]]:
    """``[item, variant index, quantity]`` rows: distinct basket items, quantities
    summing to ``quantity``. Extra quantity (basket shorter than ``quantity``) goes to
    the items before the last, so the last row has quantity 1 whenever there are two
    or more rows."""
    k = min(quantity, len(basket))
    items = rng.sample(basket, k)
    qty = [1] * k
    extra = quantity - k
    if extra:
        if k == 1:
            qty[0] += extra
        else:
            for _ in range(extra):
                qty[rng.randrange(k - 1)] += 1
    rows = []
    for item, q in zip(items, qty, strict=True):
        n_formats = len(item_spec(item).formats)
        v = rng.randrange(1, n_formats) if n_formats > 1 and rng.random() < 0.35 else 0
        rows.append([item, v, q])
    return rows


def split_value(rows: list[list[int]], cents: int) -> list[tuple[int, int, int, int]]:
    """Spread ``cents`` over ``rows`` in proportion to list price x quantity.

    Returns ``(item, variant index, quantity, unit cents)`` with
    ``sum(quantity * unit) == cents`` exactly. Unit prices of all rows but the last are
    floored; the last row takes the remainder, split into ``q - 1`` and ``1`` units
    if it cannot be spread evenly over its ``q`` units.
    """
    prices = [item_spec(item).formats[v][2] for item, v, _ in rows]
    weight = sum(p * q for p, (_, _, q) in zip(prices, rows, strict=True))
    out: list[tuple[int, int, int, int]] = []
    acc = 0
    for p, (item, v, q) in zip(prices[:-1], rows[:-1], strict=True):
        unit = cents * p // weight
        out.append((item, v, q, unit))
        acc += unit * q
    item, v, q = rows[-1]
    rest = cents - acc
    unit, remainder = divmod(rest, q)
    if remainder == 0:
        out.append((item, v, q, unit))
    else:
        out.append((item, v, q - 1, unit))
        out.append((item, v, 1, unit + remainder))
    return out


# -- drafts ----------------------------------------------------------------------------


@dataclass
class _Draft:
    purchase: Purchase
    store: Platform
    guest: bool
    created_at: datetime
    updated_at: datetime
    lines: list[tuple[int, int, int, int]]
    discount_cents: int
    codes: tuple[str, ...]
    phone_style: str | None = None
    gift_address: ReadOnlyDict | None = None


@dataclass
class _Profile:
    """How one store has one person."""

    email: str
    phone: str | None
    phone_style: str | None
    account: bool


def _assign_stores(by_person: dict[int, list[Purchase]], seed: int) -> tuple[dict[int, list[Platform]], set[int]]:
    rng = _rng(seed, "stores")
    ids = sorted(by_person)
    n_both = round(BOTH_STORE_SHARE * len(ids))
    candidates = [p for p in ids if len(by_person[p]) >= 2]
    both = set(rng.sample(candidates, min(n_both, len(candidates))))
    rest = [p for p in ids if p not in both]
    rng.shuffle(rest)
    half = (len(rest) + rng.randrange(2)) // 2
    home: dict[int, Platform] = {p: "shopify" for p in rest[:half]}
    home.update({p: "woocommerce" for p in rest[half:]})
    stores: dict[int, list[Platform]] = {}
    for pid in ids:
        n = len(by_person[pid])
        if pid not in both:
            stores[pid] = [home[pid]] * n
            continue
        first, second = PLATFORMS if rng.random() < 0.5 else PLATFORMS[::-1]
        chosen = [first if rng.random() < HOME_STORE_SHARE else second for _ in range(n)]
        if len(set(chosen)) == 1:
            missing = second if chosen[0] == first else first
            chosen[rng.randrange(n)] = missing
        stores[pid] = chosen
    return stores, both


def _profiles(
    people: Iterable[Person],
    buyers: dict[Platform, set[int]],
    both: set[int],
    seed: int,
) -> dict[tuple[Platform, int], _Profile]:
    rng = _rng(seed, "profiles")
    guest_only: dict[Platform, set[int]] = {}
    for store in PLATFORMS:
        single = sorted(p for p in buyers[store] if p not in both)
        n = min(len(single), round(GUEST_ONLY_SHARE * len(buyers[store])))
        guest_only[store] = set(rng.sample(single, n))
    out: dict[tuple[Platform, int], _Profile] = {}
    for person in people:
        pid = person.person_id
        noisy_store = None
        noisy_style = "canonical"
        if pid in both and rng.random() < EMAIL_NOISE_SHARE:
            noisy_store = rng.choice(PLATFORMS)
            noisy_style = rng.choice(("upper", "capitalized", "spaces", "mixed_spaces"))
        for store in PLATFORMS:
            if pid not in buyers[store]:
                continue
            email = format_email(person.email, noisy_style if store == noisy_store else "canonical")
            if store == "shopify":
                style = None if rng.random() < SHOPIFY_NO_PHONE_RATE else "e164"
            else:
                style = rng.choices(PHONE_STYLES, WOO_PHONE_STYLE_WEIGHTS)[0]
            out[(store, pid)] = _Profile(
                email=email,
                phone=format_phone(person.phone, style) if style else None,
                phone_style=style,
                account=pid not in guest_only[store],
            )
    return out


def _drafts(
    purchases: tuple[Purchase, ...],
    order_stores: dict[int, list[Platform]],
    by_person: dict[int, list[Purchase]],
    profiles: dict[tuple[Platform, int], _Profile],
    seed: int,
) -> list[_Draft]:
    store_of: dict[int, Platform] = {}
    for pid, rows in by_person.items():
        for purchase, store in zip(rows, order_stores[pid], strict=True):
            store_of[purchase.row] = store
    baskets = read_baskets()
    basket_rng = _rng(seed, "baskets")
    time_rng = _rng(seed, "times")
    checkout_rng = _rng(seed, "checkout")
    fake = Faker("en_US")
    fake.seed_instance(f"rapport-sandbox:{seed}:gifts")
    seen: set[tuple[Platform, int]] = set()
    drafts: list[_Draft] = []
    # chronological per person so that "first order on a store" is well defined
    for purchase in sorted(purchases, key=lambda p: (p.person_id, p.day, p.row)):
        pid = purchase.person_id
        store = store_of[purchase.row]
        profile = profiles[(store, pid)]
        first_here = (store, pid) not in seen
        seen.add((store, pid))
        created = datetime.combine(purchase.day, time(), tzinfo=UTC) + timedelta(
            seconds=time_rng.randrange(6 * 3600, 24 * 3600)
        )
        updated = created + timedelta(minutes=time_rng.randrange(10, 240))
        guest = not profile.account or (not first_here and checkout_rng.random() < GUEST_CHECKOUT_RATE)
        total = _cents(purchase.value)
        discount, codes = 0, ()
        roll = checkout_rng.random()
        if total > 0 and first_here and roll < WELCOME_RATE:
            discount, codes = max(1, round(total / 9)), ("WELCOME10",)
        elif total >= 2500 and not first_here and roll < SAVE5_RATE:
            discount, codes = 500, ("SAVE5",)
        phone_style = profile.phone_style
        if store == "woocommerce" and checkout_rng.random() < WOO_ORDER_RESTYLE_RATE:
            phone_style = checkout_rng.choice(PHONE_STYLES)
        gift = make_address(fake) if checkout_rng.random() < GIFT_RATE else None
        basket = baskets[basket_rng.randrange(len(baskets))]
        rows = plan_items(basket_rng, basket, purchase.quantity)
        drafts.append(
            _Draft(
                purchase=purchase,
                store=store,
                guest=guest,
                created_at=created,
                updated_at=updated,
                lines=split_value(rows, total + discount),
                discount_cents=discount,
                codes=codes,
                phone_style=phone_style,
                gift_address=gift,
            )
        )
    return drafts


# -- assembly --------------------------------------------------------------------------


def _customers(
    people: dict[int, Person],
    drafts: list[_Draft],
    profiles: dict[tuple[Platform, int], _Profile],
    seed: int,
) -> dict[tuple[Platform, int], Customer]:
    rng = _rng(seed, "customers")
    span: dict[tuple[Platform, int], list[datetime]] = {}
    for d in drafts:
        if d.guest:
            continue
        key = (d.store, d.purchase.person_id)
        times = span.setdefault(key, [d.created_at, d.updated_at])
        times[0] = min(times[0], d.created_at)
        times[1] = max(times[1], d.updated_at)
    out: dict[tuple[Platform, int], Customer] = {}
    for store in PLATFORMS:
        keys = sorted((k for k in span if k[0] == store), key=lambda k: (span[k][0], k[1]))
        for n, key in enumerate(keys, start=1):
            person = people[key[1]]
            profile = profiles[key]
            first, last = span[key]
            out[key] = Customer(
                store=store,
                platform_id=ID_BASES[store]["customer"] + n,
                person_id=person.person_id,
                first_name=person.first_name,
                last_name=person.last_name,
                email=profile.email,
                phone=profile.phone,
                address=person.address,
                created_at=first - timedelta(minutes=rng.randrange(1, 30)),
                updated_at=last + timedelta(minutes=rng.randrange(1, 5)),
                accepts_marketing=person.accepts_marketing,
            )
    return out


def _orders(
    store: Platform,
    drafts: list[_Draft],
    people: dict[int, Person],
    profiles: dict[tuple[Platform, int], _Profile],
    customers: dict[tuple[Platform, int], Customer],
    products: dict[int, Product],
) -> list[Order]:
    bases = ID_BASES[store]
    currency = STORES[store].currency
    zero = _money(0)
    line_id = bases["line"]
    out: list[Order] = []
    mine = sorted((d for d in drafts if d.store == store), key=lambda d: (d.created_at, d.purchase.row))
    for i, d in enumerate(mine):
        pid = d.purchase.person_id
        person = people[pid]
        profile = profiles[(store, pid)]
        lines = []
        for item, v, q, unit in d.lines:
            product = products[item]
            variant = product.variants[v]
            line_id += 1
            lines.append(
                OrderLine(
                    platform_id=line_id,
                    product_platform_id=product.platform_id,
                    variant_platform_id=variant.platform_id,
                    item_id=item,
                    sku=variant.sku,
                    title=product.title,
                    variant_title=variant.title,
                    quantity=q,
                    unit_price=_money(unit),
                    line_total=_money(unit * q),
                )
            )
        number = FIRST_ORDER_NUMBER + i
        customer = None if d.guest else customers[(store, pid)]
        phone = format_phone(person.phone, d.phone_style) if d.phone_style else None
        subtotal = d.purchase.value + _money(d.discount_cents)
        out.append(
            Order(
                store=store,
                platform_id=bases["order"] + i + 1,
                number=number,
                name=f"#{number}",
                person_id=pid,
                customer_platform_id=customer.platform_id if customer else None,
                email=profile.email,
                phone=phone,
                first_name=person.first_name,
                last_name=person.last_name,
                billing_address=person.address,
                shipping_address=d.gift_address or person.address,
                created_at=d.created_at,
                updated_at=d.updated_at,
                currency=currency,
                lines=tuple(lines),
                subtotal=subtotal,
                total_discount=_money(d.discount_cents),
                shipping=zero,
                tax=zero,
                total=d.purchase.value,
                discount_codes=d.codes,
                source_row=d.purchase.row,
            )
        )
    return out


def build_uncached(source: str = "sample", seed: int = 7) -> SandboxData:
    """Build the data set from scratch (see :func:`build` for the cached entry)."""
    purchases = read_purchases(source)
    by_person: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        by_person[p.person_id].append(p)
    for rows in by_person.values():
        rows.sort(key=lambda p: (p.day, p.row))
    people = make_people(by_person, seed)
    people_by_id = {p.person_id: p for p in people}
    order_stores, both = _assign_stores(by_person, seed)
    buyers: dict[Platform, set[int]] = {s: set() for s in PLATFORMS}
    for pid, stores in order_stores.items():
        for s in stores:
            buyers[s].add(pid)
    profiles = _profiles(people, buyers, both, seed)
    drafts = _drafts(purchases, order_stores, by_person, profiles, seed)
    customers = _customers(people_by_id, drafts, profiles, seed)
    items = {item for d in drafts for item, *_ in d.lines}
    all_products: list[Product] = []
    all_orders: list[Order] = []
    for store in PLATFORMS:
        products = make_products(store, items)
        all_products.extend(products)
        index = {p.item_id: p for p in products}
        all_orders.extend(_orders(store, drafts, people_by_id, profiles, customers, index))
    store_rank = {s: i for i, s in enumerate(PLATFORMS)}
    all_orders.sort(key=lambda o: (o.created_at, store_rank[o.store], o.number))
    return SandboxData(
        source=source,
        seed=seed,
        merchant_name=MERCHANT_NAME,
        stores=STORES,
        people=people,
        customers=tuple(sorted(customers.values(), key=lambda c: (store_rank[c.store], c.platform_id))),
        products=tuple(all_products),
        orders=tuple(all_orders),
    )


@lru_cache(maxsize=8)
def _build_cached(source: str, seed: int) -> SandboxData:
    return build_uncached(source, seed)


@lru_cache(maxsize=4)
def _ending_cached(source: str, seed: int, ends: date) -> SandboxData:
    data = _build_cached(source, seed)
    return shifted(data, days_to_end_on(data, ends))


@overload
def build(source: str = "sample", seed: int = 7, ends: date | None = None, scale: Literal[1] = 1) -> SandboxData: ...
@overload
def build(source: str, seed: int, ends: date | None, scale: int) -> SandboxData | ScaledData: ...
@overload
def build(
    source: str = "sample", seed: int = 7, ends: date | None = None, *, scale: int
) -> SandboxData | ScaledData: ...
def build(source: str = "sample", seed: int = 7, ends: date | None = None, scale: int = 1) -> SandboxData | ScaledData:
    """The sandbox data set for a CDNOW ``source`` ("sample" or "master") and ``seed``.

    With ``ends`` (a day), the recorded history moved forward by whole days so its latest order
    falls on that day (see ``shift.py``); without, the dates as recorded (1997-01-01 to
    1998-06-30), which the CLV paper checks rely on. Cached per ``(source, seed, ends)``: the
    result is immutable and shared, do not mutate it.

    ``scale=1`` is all of the above. ``scale=N`` (2..99) is a different kind of value: a
    :class:`~.scale.ScaledData`, the merchant with N times the people and orders, whose
    ``people()``, ``customers()``, ``products()`` and ``orders()`` are iterators made on demand
    (nothing held per order, not cached; see ``scale.py``); ``ends`` then puts the latest order
    of all replicas on that day.
    """
    if isinstance(ends, datetime) or (ends is not None and not isinstance(ends, date)):
        raise TypeError(f"ends must be a date (a day, not a date-time), not {type(ends).__name__}")
    if isinstance(scale, bool) or not isinstance(scale, int) or scale != 1:
        from .scale import scaled

        return scaled(str(source), int(seed), scale, ends)
    if ends is None:
        return _build_cached(str(source), int(seed))
    return _ending_cached(str(source), int(seed), ends)


def _clear_caches() -> None:
    _ending_cached.cache_clear()
    _build_cached.cache_clear()


build.cache_clear = _clear_caches  # type: ignore[attr-defined]


def digest(data: SandboxData) -> str:
    """SHA-256 of a canonical dump of ``data`` (stable across processes)."""
    h = hashlib.sha256()
    h.update(repr((data.source, data.seed, data.merchant_name, sorted(data.stores.items()))).encode())
    for group in (data.people, data.customers, data.products, data.orders):
        h.update(b"\x00")
        for record in group:
            h.update(repr(record).encode())
            h.update(b"\n")
    return h.hexdigest()


def summary(data: SandboxData) -> dict[str, dict[str, int]]:
    """Per-store counts (customers, guest-only people, products, orders, lines...)."""
    out: dict[str, dict[str, int]] = {}
    for store in PLATFORMS:
        view = data.by_store(store)
        out[store] = {
            "buyers": len({o.person_id for o in view.orders}),
            "customers": len(view.customers),
            "guest_only_people": len(data.guest_only_person_ids[store]),
            "products": len(view.products),
            "variants": sum(len(p.variants) for p in view.products),
            "orders": len(view.orders),
            "guest_orders": sum(o.is_guest for o in view.orders),
            "discounted_orders": sum(bool(o.discount_codes) for o in view.orders),
            "lines": sum(len(o.lines) for o in view.orders),
            "units": sum(o.quantity for o in view.orders),
        }
    out["all"] = {
        "people": len(data.people),
        "both_store_people": len(data.both_store_person_ids),
        "orders": len(data.orders),
    }
    return out
