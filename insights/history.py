"""A merchant's purchase history as plain rows, read once per refresh and shared by every step.

Orders count when they are live, not test orders and not cancelled. An order belongs to a
profile through its customer; orders of erased customers (``deleted_at``) or without a
customer still count for the catalog (baskets, popularity) but for no person.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import cast, overload

import numpy as np

from store.models import Customer, Order, Product, Store, Variant
from store.sql.purchases import PAGE, order_pages
from store.sql.writes import CHUNK


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    store_id: int
    profile_id: int | None
    currency: str
    total: Decimal
    refunded: Decimal
    discounted: bool
    created_at: datetime

    @property
    def net(self) -> Decimal:
        return self.total - self.refunded


@dataclass(frozen=True, slots=True)
class LineRow:
    order_id: int
    product_id: int | None
    total: Decimal


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: int
    store_id: int
    handle: str
    category: str
    vendor: str
    buyable: bool
    """Active, not deleted, with a variant in stock."""

    @property
    def item(self) -> str:
        """One catalog item across the merchant's stores: the same handle is the same product."""
        return f"h:{self.handle}" if self.handle else f"p:{self.id}"


_NONE = -1
"""A missing profile or product id in a column (ids are positive)."""
_EPOCH = datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)


class _Shared:
    """Equal values stored once, numbered in order of first sight: a column holds the numbers."""

    def __init__(self) -> None:
        self.values: list[object] = []
        self._number: dict[object, int] = {}

    def number(self, value: object) -> int:
        n = self._number.get(value)
        if n is None:
            n = self._number[value] = len(self.values)
            self.values.append(value)
        return n


def _utc(zones: list[object]) -> bool:
    """One zone that is UTC all year: wall-clock microseconds then order times as instants do."""
    return len(zones) == 1 and zones[0] is not None and str(zones[0]) in ("UTC", "Etc/UTC", "UTC+00:00")


class OrderColumns(Sequence[OrderRow]):
    """The orders as columns of machine integers, an ``OrderRow`` made when one is read.

    A million orders as ``OrderRow`` objects (each with its own id, datetime and profile id
    objects) held 180-200 bytes apiece for the whole refresh; as columns they hold 45. Money,
    currency codes and time zones are numbers into lists of the distinct values, and a time is
    its wall-clock microseconds since 1970 with its zone, so each row reads back equal to the
    one read from the store."""

    def __init__(self) -> None:
        self.id, self.store_id, self.profile_id, self.created = array("q"), array("q"), array("q"), array("q")
        self.currency, self.total, self.refunded = array("I"), array("I"), array("I")
        self.zone, self.discounted = array("B"), array("B")
        self.codes, self.money, self.zones = _Shared(), _Shared(), _Shared()

    def append(
        self,
        oid: int,
        store_id: int,
        profile_id: int | None,
        currency: str,
        total: Decimal,
        refunded: Decimal,
        discounted: bool,
        created: datetime,
    ) -> None:
        self.id.append(oid)
        self.store_id.append(store_id)
        self.profile_id.append(_NONE if profile_id is None else profile_id)
        self.currency.append(self.codes.number(currency))
        self.total.append(self.money.number(total))
        self.refunded.append(self.money.number(refunded))
        self.discounted.append(discounted)
        self.zone.append(self.zones.number(created.tzinfo))
        self.created.append((created.replace(tzinfo=None) - _EPOCH) // _MICRO)

    def sort_by_time(self) -> None:
        """In time order, ties kept in the order appended (as ``list.sort``, stable, did)."""
        if _utc(self.zones.values):
            key = np.frombuffer(self.created, dtype=np.int64)
        else:  # times of other zones compare as instants: as datetimes they did
            key = np.array([(row.created_at - _EPOCH.replace(tzinfo=UTC)) // _MICRO for row in self])
        if len(key) < 2 or bool(np.all(key[:-1] <= key[1:])):
            return
        order = np.argsort(key, kind="stable")
        for name in ("id", "store_id", "profile_id", "created", "currency", "total", "refunded", "zone", "discounted"):
            column: array[int] = getattr(self, name)
            kept = np.frombuffer(column, dtype=np.dtype(column.typecode))[order]
            setattr(self, name, array(column.typecode, kept.tobytes()))

    def _row(self, i: int) -> OrderRow:
        profile_id = self.profile_id[i]
        created = _EPOCH + timedelta(microseconds=self.created[i])
        zone = cast(tzinfo | None, self.zones.values[self.zone[i]])
        return OrderRow(
            self.id[i],
            self.store_id[i],
            None if profile_id == _NONE else profile_id,
            cast(str, self.codes.values[self.currency[i]]),
            cast(Decimal, self.money.values[self.total[i]]),
            cast(Decimal, self.money.values[self.refunded[i]]),
            bool(self.discounted[i]),
            created if zone is None else created.replace(tzinfo=zone),
        )

    def __len__(self) -> int:
        return len(self.id)

    @overload
    def __getitem__(self, i: int) -> OrderRow: ...

    @overload
    def __getitem__(self, i: slice) -> list[OrderRow]: ...

    def __getitem__(self, i: int | slice) -> OrderRow | list[OrderRow]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._row(i)

    def __iter__(self) -> Iterator[OrderRow]:
        return map(self._row, range(len(self)))

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of equal rows in the same order (a list as the history was)."""
        if not isinstance(other, OrderColumns | list | tuple):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def by_profile(self) -> Iterator[tuple[int, list[OrderRow]]]:
        """Each person's orders in time order, by profile id, made one person at a time."""
        people = np.frombuffer(self.profile_id, dtype=np.int64)
        order = np.argsort(people, kind="stable")
        grouped = people[order]
        if not len(grouped):
            return
        bounds: list[int] = (np.flatnonzero(np.diff(grouped)) + 1).tolist() + [len(grouped)]
        start = 0
        for end in bounds:
            profile_id = int(grouped[start])
            if profile_id != _NONE:
                yield profile_id, [self._row(i) for i in order[start:end].tolist()]
            start = end


class LineColumns(Mapping[int, list[LineRow]]):
    """Each order's lines (order id -> its lines, in line id order) as columns, grouped by order.

    ``finish`` groups them once loading is done; a lookup finds its order's run of lines by
    bisection in the sorted order ids and makes the ``LineRow``s then."""

    def __init__(self) -> None:
        self.order_id, self.product_id, self.amount = array("q"), array("q"), array("I")
        self.money = _Shared()
        self._orders = array("q")
        """The distinct order ids, sorted; the lines of ``_orders[k]`` are ``_start[k]:_start[k + 1]``."""
        self._start = array("q", [0])

    def append(self, order_id: int, product_id: int | None, amount: Decimal) -> None:
        self.order_id.append(order_id)
        self.product_id.append(_NONE if product_id is None else product_id)
        self.amount.append(self.money.number(amount))

    def finish(self) -> None:
        """Group the lines by order (a stable sort, so each order's lines keep their order)."""
        ids = np.frombuffer(self.order_id, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        for name in ("order_id", "product_id", "amount"):
            column: array[int] = getattr(self, name)
            kept = np.frombuffer(column, dtype=np.dtype(column.typecode))[order]
            setattr(self, name, array(column.typecode, kept.tobytes()))
        grouped = np.frombuffer(self.order_id, dtype=np.int64)
        orders, starts = np.unique(grouped, return_index=True)
        self._orders = array("q", orders.astype(np.int64).tobytes())
        self._start = array("q", np.append(starts, len(grouped)).astype(np.int64).tobytes())

    def _find(self, order_id: object) -> int:
        if not isinstance(order_id, int):
            return -1
        k = bisect_left(self._orders, order_id)
        return k if k < len(self._orders) and self._orders[k] == order_id else -1

    def __getitem__(self, order_id: int) -> list[LineRow]:
        k = self._find(order_id)
        if k < 0:
            raise KeyError(order_id)
        money = self.money.values
        out = []
        for j in range(self._start[k], self._start[k + 1]):
            product_id = self.product_id[j]
            out.append(
                LineRow(order_id, None if product_id == _NONE else product_id, cast(Decimal, money[self.amount[j]]))
            )
        return out

    def __contains__(self, order_id: object) -> bool:
        return self._find(order_id) >= 0

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[int]:
        return iter(self._orders)


@dataclass
class MerchantHistory:
    merchant_id: int
    platforms: dict[int, str]
    orders: Sequence[OrderRow]
    """``OrderColumns`` when read by ``load_history``; a list in tests that build one by hand."""
    lines: Mapping[int, Sequence[LineRow]]
    products: dict[int, ProductRow]
    home_store: dict[int, int] = field(default_factory=dict)
    """Every live profile with a live customer, bought or not, and the store of its first customer."""
    profiles: frozenset[int] | None = None
    """None: the whole merchant (a full run). Else an incremental run: only these people's orders
    are here, and each step replaces exactly these people's rows (one without purchases any more
    loses its row) and leaves everyone else's alone."""

    def orders_by_profile(self) -> dict[int, list[OrderRow]]:
        out: dict[int, list[OrderRow]] = defaultdict(list)
        for order in self.orders:
            if order.profile_id is not None:
                out[order.profile_id].append(order)
        return out

    def each_profile(self) -> Iterator[tuple[int, list[OrderRow]]]:
        """``orders_by_profile`` by profile id, one person at a time, so only one person's rows
        are made at once (everyone's at once were a million ``OrderRow``s at a million orders)."""
        if isinstance(self.orders, OrderColumns):
            return self.orders.by_profile()
        return iter(sorted(self.orders_by_profile().items()))


async def load_history(
    merchant_id: int, *, page: int = PAGE, profiles: Collection[int] | None = None
) -> MerchantHistory:
    """Read page by page (``store.sql.purchases.order_pages``) into columns (``OrderColumns``,
    ``LineColumns``): a big merchant's history as objects was millions of small ones, held for
    the whole refresh.

    ``profiles``: only these people's orders (an incremental refresh); the catalog is whole, and
    orders without a person are left out (they count for the catalog, which only a full run learns)."""
    conn = Order._meta.db
    platforms = {
        s["id"]: str(s["platform"]) for s in await Store.filter(merchant_id=merchant_id).values("id", "platform")
    }
    profile_of: dict[int, int] = {}
    home_store: dict[int, int] = {}
    for cid, profile_id, store_id in await _people(merchant_id, profiles):
        profile_of[cid] = profile_id
        home_store.setdefault(profile_id, store_id)
    orders = OrderColumns()
    lines = LineColumns()
    lines.money = orders.money
    customers = None if profiles is None else profile_of.keys()
    async for order_rows, line_rows in order_pages(conn, merchant_id, page, customers=customers):
        for oid, store_id, customer_id, currency, total, refunded, discounted, created in order_rows:
            person = profile_of.get(customer_id) if customer_id is not None else None
            orders.append(oid, store_id, person, currency, total, refunded, discounted, created)
        for order_id, product_id, amount in line_rows:
            lines.append(order_id, product_id, amount)
    # The pages come by (created at, id); the stable sort only guarantees it (nothing to do when sorted).
    orders.sort_by_time()
    lines.finish()
    in_stock = set(
        await Variant.filter(product__merchant_id=merchant_id, in_stock=True)
        .distinct()
        .values_list("product_id", flat=True)
    )
    products: dict[int, ProductRow] = {}
    for pid, store_id, handle, category, vendor, status, deleted_at in await Product.filter(
        merchant_id=merchant_id
    ).values_list("id", "store_id", "handle", "category", "vendor", "status", "deleted_at"):
        buyable = status == "active" and deleted_at is None and pid in in_stock
        products[pid] = ProductRow(pid, store_id, handle, category, vendor, buyable)
    chosen = None if profiles is None else frozenset(profiles)
    return MerchantHistory(merchant_id, platforms, orders, lines, products, home_store, chosen)


async def _people(merchant_id: int, profiles: Collection[int] | None) -> list[tuple[int, int, int]]:
    """(customer id, profile id, store id) of live customers with a profile, by customer id: all of
    the merchant's, or those of ``profiles``, read ``CHUNK`` profiles at a time."""
    live = Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True)
    if profiles is None:
        return cast(list[tuple[int, int, int]], await live.order_by("id").values_list("id", "profile_id", "store_id"))
    wanted = sorted(profiles)
    rows: list[tuple[int, int, int]] = []
    for start in range(0, len(wanted), CHUNK):
        rows += await live.filter(profile_id__in=wanted[start : start + CHUNK]).values_list(
            "id", "profile_id", "store_id"
        )
    return sorted(rows)
