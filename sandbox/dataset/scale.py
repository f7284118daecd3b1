"""The sandbox merchant made N times bigger, generated as a stream (issue 23's scaled sandbox).

``scaled(source, seed, scale)`` multiplies the base data set (``build(source, seed)``) into
``scale`` replicas of its people. Replica 0 is the base, record for record. Replica k (1..N-1)
is the base with:

* every customer, order, line and refund id, and every order number, moved by
  ``k * ID_STRIDE`` (WooCommerce's order id stays its number), and every person id by
  ``k * PERSON_STRIDE``: no id of one replica is another's;
* new people: names and addresses from Faker seeded by ``(seed, k)``, emails that embed the
  moved person id, phones ``+1 AAA 555-BBLL`` from line block ``BB`` of the replica (the base
  keeps block 01, 555-0100..0199; block 12, holding 555-1212, is never used), so emails and
  phones are unique across replicas; each store writes them as it wrote the base person's (the
  same mailbox spelling variation, the same phone format, order by order); gift orders ship to
  new addresses;
* every timestamp moved by ``replica_days(seed, k)`` whole days, 1..27 (distinct for k <= 27),
  so the latest order is at most 27 days after the base's last day;
* the same people on both stores, the same guests and accounts, the same baskets (lines,
  quantities, prices, discounts and totals are the base order's).

The products are the base catalogue, shared by every replica: a bigger merchant has more
customers, not more products. The base is held once (it is ``build``'s cached value); each
replica holds only its people's identities (one short string each) and gift addresses; orders,
customers and people are made as they are iterated, and ``orders()`` merges the replicas'
sorted streams, so nothing is held per order. Everything in replica k depends on ``(source,
seed, k)`` only, so ``scale=3`` and ``scale=15`` agree on their first three replicas.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from faker import Faker

from .model import (
    ID_BASES,
    PLATFORMS,
    Customer,
    Order,
    Person,
    Platform,
    Product,
    ReadOnlyDict,
    Refund,
    RefundLine,
    SandboxData,
)
from .people import (
    AREA_CODES,
    EMAIL_DOMAINS,
    EMAIL_STYLES,
    EXCHANGE,
    LINES_PER_AREA,
    PHONE_STYLES,
    format_email,
    format_phone,
    make_address,
    make_email,
)
from .shift import last_order_day

ID_STRIDE = 10_000_000  # > any base id minus its base (master: 75,882 lines on one store, ~36,000 orders)
PERSON_STRIDE = 100_000  # > the largest CDNOW id (23,570)
MAX_REPLICA_DAYS = 27
PHONE_BLOCKS: tuple[int, ...] = tuple(b for b in range(2, 100) if b != 12) + (0,)
MAX_SCALE = 1 + len(PHONE_BLOCKS)  # 99
_SEP = "\x1f"  # joins one identity's fields: one string per person takes 215 bytes, a Person 858

R = TypeVar("R")


def replica_days(seed: int, k: int) -> int:
    """Whole days replica ``k`` is moved forward: 0 for the base, then a fixed permutation of
    1..27 (so the first 27 replicas never order at the same instant as each other or the base)."""
    if k == 0:
        return 0
    days = random.Random(f"rapport-sandbox:{seed}:replica-days").sample(range(1, MAX_REPLICA_DAYS + 1), 27)
    return days[(k - 1) % len(days)]


def _copy(record: R, **changes: Any) -> R:
    """``record`` with ``changes``, without running ``__init__``: ``dataclasses.replace`` costs
    4x as much and a million orders with their lines would spend 20 s in it (the records are
    plain frozen dataclasses with no ``__post_init__``)."""
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


def _style_of(written: str, canonical: str, styles: tuple[str, ...], fmt: Callable[[str, str], str]) -> str:
    for style in styles:
        if fmt(canonical, style) == written:
            return style
    raise ValueError(f"{written!r} is not a known spelling of {canonical!r}")


@dataclass(frozen=True)
class _Identity:
    first: str
    last: str
    email: str
    phone: str
    address: ReadOnlyDict
    birthday: date | None
    accepts_marketing: bool

    @classmethod
    def unpack(cls, packed: str) -> _Identity:
        first, last, email, phone, a1, city, state, zip_, born, mkt = packed.split(_SEP)
        address = ReadOnlyDict(address1=a1, city=city, province_code=state, zip=zip_, country_code="US")
        return cls(first, last, email, phone, address, date.fromisoformat(born) if born else None, mkt == "1")


def _pack_address(a: ReadOnlyDict) -> str:
    return _SEP.join((a["address1"], a["city"], a["province_code"], a["zip"]))


def _unpack_address(packed: str) -> ReadOnlyDict:
    a1, city, state, zip_ = packed.split(_SEP)
    return ReadOnlyDict(address1=a1, city=city, province_code=state, zip=zip_, country_code="US")


class _Replica:
    """What replica ``k`` needs beyond the base: its people's identities and gift addresses."""

    def __init__(self, scaled: ScaledData, k: int):
        base = scaled.base
        # weighted name draws cost 5x: a million orders' people would spend a minute in Faker
        fake = Faker("en_US", use_weighting=False)
        fake.seed_instance(f"rapport-sandbox:{scaled.seed}:replica:{k}")
        rng = random.Random(f"rapport-sandbox:{scaled.seed}:replica:{k}:people")
        block = PHONE_BLOCKS[k - 1]
        slots = rng.sample(range(len(AREA_CODES) * LINES_PER_AREA), len(base.people))
        self.identities: list[str] = []
        for person, slot in zip(base.people, slots, strict=True):
            first, last = fake.first_name(), fake.last_name()
            address = make_address(fake)
            area, line = divmod(slot, LINES_PER_AREA)
            phone = f"+1{AREA_CODES[area]}{EXCHANGE}{block * LINES_PER_AREA + line:04d}"
            born = ""
            if rng.random() < 0.65:
                born = (date(rng.randint(1925, 1979), 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
            email = make_email(first, last, k * PERSON_STRIDE + person.person_id, rng.choice(EMAIL_DOMAINS))
            marketing = "1" if rng.random() < 0.45 else "0"
            self.identities.append(_SEP.join((first, last, email, phone, _pack_address(address), born, marketing)))
        self.gifts = {i: _pack_address(make_address(fake)) for i in scaled._gift_orders}


class ScaledData:
    """The scaled merchant as streams. Unlike :class:`SandboxData` it holds no tuple of
    records: ``people()``, ``customers()``, ``products()`` and ``orders()`` return fresh
    iterators, sorted as ``SandboxData``'s tuples are (people by id, customers and products by
    store and id, orders by ``(created_at, store, number)``)."""

    def __init__(self, base: SandboxData, scale: int, days_shifted: int = 0):
        self.base = base
        self.scale = scale
        self.days_shifted = days_shifted
        self.source = base.source
        self.seed = base.seed
        self.merchant_name = base.merchant_name
        self.stores: ReadOnlyDict = ReadOnlyDict(base.stores)
        self._replicas: dict[int, _Replica] = {}

    # -- what the base tells every replica --------------------------------------------

    @cached_property
    def _person_index(self) -> dict[int, int]:
        return {p.person_id: i for i, p in enumerate(self.base.people)}

    @cached_property
    def _email_styles(self) -> dict[tuple[Platform, int], str]:
        """How each store spells each of its buyers' mailbox (every order of theirs there does)."""
        out: dict[tuple[Platform, int], str] = {}
        people = self.base.people_by_id
        for o in self.base.orders:
            key = (o.store, o.person_id)
            if key not in out:
                out[key] = _style_of(o.email, people[o.person_id].email, ("canonical", *EMAIL_STYLES), format_email)
        return out

    @cached_property
    def _order_phone_styles(self) -> list[str | None]:
        people = self.base.people_by_id
        return [
            None if o.phone is None else _style_of(o.phone, people[o.person_id].phone, PHONE_STYLES, format_phone)
            for o in self.base.orders
        ]

    @cached_property
    def _gift_orders(self) -> list[int]:
        return [i for i, o in enumerate(self.base.orders) if o.shipping_address != o.billing_address]

    def _replica(self, k: int) -> _Replica:
        if k not in self._replicas:
            self._replicas[k] = _Replica(self, k)
        return self._replicas[k]

    def last_ids(self, store: Platform) -> tuple[int, int]:
        """The largest order and line platform ids of ``store`` over every replica, from the base
        alone (replica k moves them by ``k * ID_STRIDE``): what a simulator loading the streams
        needs before the orders have gone by, to number the records it adds after them."""
        orders = [o for o in self.base.orders if o.store == store]
        if not orders:
            return ID_BASES[store]["order"], ID_BASES[store]["line"]
        move = (self.scale - 1) * ID_STRIDE
        last_line = max((line.platform_id for o in orders for line in o.lines), default=ID_BASES[store]["line"])
        return max(o.platform_id for o in orders) + move, last_line + move

    def delta(self, k: int) -> timedelta:
        """How far replica ``k``'s timestamps are from the recorded history."""
        return timedelta(days=self.days_shifted + replica_days(self.seed, k))

    # -- streams -----------------------------------------------------------------------

    def people(self) -> Iterator[Person]:
        yield from self.replica_people(0)
        for k in range(1, self.scale):
            yield from self.replica_people(k)

    def customers(self, store: Platform | None = None) -> Iterator[Customer]:
        for platform in PLATFORMS if store is None else (store,):
            for k in range(self.scale):
                yield from self.replica_customers(k, platform)

    def products(self, store: Platform | None = None) -> Iterator[Product]:
        """The catalogue, once (shared by every replica), moved by ``days_shifted`` only."""
        for p in self.base.products:
            if store is None or p.store == store:
                yield p if not self.days_shifted else _shifted_product(p, timedelta(days=self.days_shifted))

    def orders(self, store: Platform | None = None) -> Iterator[Order]:
        """Every replica's orders, merged by ``(created_at, store, number)`` as they are made."""
        rank = {s: i for i, s in enumerate(PLATFORMS)}
        streams = [self.replica_orders(k, store) for k in range(self.scale)]
        return heapq.merge(*streams, key=lambda o: (o.created_at, rank[o.store], o.number))

    # -- one replica ---------------------------------------------------------------------

    def replica_people(self, k: int) -> Iterator[Person]:
        if k == 0:
            yield from self.base.people
            return
        identities = self._replica(k).identities
        for person, packed in zip(self.base.people, identities, strict=True):
            who = _Identity.unpack(packed)
            yield Person(
                person_id=k * PERSON_STRIDE + person.person_id,
                first_name=who.first,
                last_name=who.last,
                email=who.email,
                phone=who.phone,
                address=who.address,
                birthday=who.birthday,
                accepts_marketing=who.accepts_marketing,
            )

    def replica_customers(self, k: int, store: Platform) -> Iterator[Customer]:
        """Replica ``k``'s accounts on ``store``, by platform id."""
        delta = self.delta(k)
        base_customers = (c for c in self.base.customers if c.store == store)
        if k == 0 and not delta:
            yield from base_customers
            return
        people = self.base.people_by_id
        for c in base_customers:
            changes: dict[str, Any] = {"created_at": c.created_at + delta, "updated_at": c.updated_at + delta}
            if k:
                who = self._identity(k, c.person_id)
                canonical = people[c.person_id]
                phone = None
                if c.phone is not None:
                    phone = format_phone(who.phone, _style_of(c.phone, canonical.phone, PHONE_STYLES, format_phone))
                changes.update(
                    platform_id=c.platform_id + k * ID_STRIDE,
                    person_id=k * PERSON_STRIDE + c.person_id,
                    first_name=who.first,
                    last_name=who.last,
                    email=format_email(who.email, self._email_styles[(store, c.person_id)]),
                    phone=phone,
                    address=who.address,
                    accepts_marketing=who.accepts_marketing,
                )
            yield _copy(c, **changes)

    def replica_orders(self, k: int, store: Platform | None = None) -> Iterator[Order]:
        """Replica ``k``'s orders (of ``store``, or both), by ``(created_at, store, number)``."""
        delta = self.delta(k)
        if k == 0 and not delta:
            yield from (o for o in self.base.orders if store is None or o.store == store)
            return
        replica = self._replica(k) if k else None
        phone_styles = self._order_phone_styles
        for i, o in enumerate(self.base.orders):
            if store is not None and o.store != store:
                continue
            changes: dict[str, Any] = {
                "created_at": o.created_at + delta,
                "updated_at": o.updated_at + delta,
                "cancelled_at": o.cancelled_at + delta if o.cancelled_at is not None else None,
            }
            if replica is not None:
                move = k * ID_STRIDE
                who = self._identity(k, o.person_id)
                style = phone_styles[i]
                gift = replica.gifts.get(i)
                number = o.number + move
                changes.update(
                    platform_id=o.platform_id + move,
                    number=number,
                    name=f"#{number}",
                    person_id=k * PERSON_STRIDE + o.person_id,
                    customer_platform_id=None if o.customer_platform_id is None else o.customer_platform_id + move,
                    email=format_email(who.email, self._email_styles[(o.store, o.person_id)]),
                    phone=None if style is None else format_phone(who.phone, style),
                    first_name=who.first,
                    last_name=who.last,
                    billing_address=who.address,
                    shipping_address=who.address if gift is None else _unpack_address(gift),
                    lines=tuple(_copy(line, platform_id=line.platform_id + move) for line in o.lines),
                )
            else:
                move = 0
            if o.refunds:
                changes["refunds"] = tuple(_moved_refund(r, move, delta) for r in o.refunds)
            yield _copy(o, **changes)

    def _identity(self, k: int, person_id: int) -> _Identity:
        return _Identity.unpack(self._replica(k).identities[self._person_index[person_id]])

    # -- whole-set views -----------------------------------------------------------------

    def digest(self) -> str:
        """SHA-256 of a canonical dump, streamed (``build.digest``'s recipe, on the streams)."""
        h = hashlib.sha256()
        h.update(repr((self.source, self.seed, self.scale, self.merchant_name, sorted(self.stores.items()))).encode())
        for group in (self.people(), self.customers(), self.products(), self.orders()):
            h.update(b"\x00")
            for record in group:
                h.update(repr(record).encode())
                h.update(b"\n")
        return h.hexdigest()

    def counts(self) -> dict[str, dict[str, Any]]:
        """Per-store counts and revenue, and people overall, by streaming every record once."""
        out: dict[str, dict[str, Any]] = {
            s: {"customers": 0, "orders": 0, "guest_orders": 0, "lines": 0, "revenue": Decimal("0.00")}
            for s in PLATFORMS
        }
        for c in self.customers():
            out[c.store]["customers"] += 1
        for o in self.orders():
            row = out[o.store]
            row["orders"] += 1
            row["guest_orders"] += o.customer_platform_id is None
            row["lines"] += len(o.lines)
            row["revenue"] += o.total
        people = sum(1 for _ in self.people())
        out["all"] = {
            "people": people,
            "products": sum(1 for _ in self.products()),
            "orders": sum(out[s]["orders"] for s in PLATFORMS),
            "revenue": sum((out[s]["revenue"] for s in PLATFORMS), Decimal("0.00")),
        }
        return out


def _shifted_product(p: Product, delta: timedelta) -> Product:
    return _copy(p, created_at=p.created_at + delta, updated_at=p.updated_at + delta)


def _moved_refund(r: Refund, move: int, delta: timedelta) -> Refund:
    lines = tuple(RefundLine(x.line_platform_id + move, x.quantity, x.amount) for x in r.lines)
    return _copy(r, platform_id=r.platform_id + move, created_at=r.created_at + delta, lines=lines)


def _check_fits(base: SandboxData) -> None:
    """Refuse a base whose ids would reach into the next replica's range."""
    for o in base.orders:
        bases = ID_BASES[o.store]
        spans = [o.platform_id - bases["order"], o.number]
        spans += [line.platform_id - bases["line"] for line in o.lines]
        spans += [r.platform_id - bases["refund"] for r in o.refunds]
        if max(spans) >= ID_STRIDE // 2:  # half: WooCommerce refunds start 100,000 in
            raise ValueError(f"order {o.store} {o.number}: ids too far from their bases for a stride of {ID_STRIDE}")
    if base.people and base.people[-1].person_id >= PERSON_STRIDE:
        raise ValueError(f"person ids reach {base.people[-1].person_id}, past the stride of {PERSON_STRIDE}")


def scaled(source: str = "sample", seed: int = 7, scale: int = 2, ends: date | None = None) -> ScaledData:
    """The base data set times ``scale`` (1..99) as streams; see the module docstring.

    With ``ends``, every timestamp moves forward by the same whole days so the latest order of
    all replicas falls on that day (the base's own latest order then falls up to 27 days before).
    """
    from .build import build  # build.py imports this module for build(scale=...)

    if isinstance(scale, bool) or not isinstance(scale, int):
        raise TypeError(f"scale must be a whole number, not {type(scale).__name__}")
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be 1..{MAX_SCALE}, got {scale}")
    base = build(source, seed)
    _check_fits(base)
    days = 0
    if ends is not None:
        if isinstance(ends, datetime) or not isinstance(ends, date):
            raise TypeError(f"ends must be a date (a day, not a date-time), not {type(ends).__name__}")
        latest = last_order_day(base) + timedelta(days=max(replica_days(seed, k) for k in range(scale)))
        days = (ends - latest).days
        if days < 0:
            raise ValueError(f"ends {ends} is before the scaled history's own last day {latest}")
    return ScaledData(base, scale, days)
