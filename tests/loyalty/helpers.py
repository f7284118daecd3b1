"""A small shop for loyalty tests: a merchant, its stores, customers and orders written through
the store's own ingest, plus recording and failing discount issuers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.program import publish
from loyalty.rules import Rules
from store.discounts import DiscountRequest, IssuedCode, IssueError, IssueFailed
from store.ingest import upsert_orders
from store.models import Customer, Merchant, Platform, Store
from store.people import ensure_profiles
from store.records import CustomerRecord, LineRecord, OrderRecord, RefundLineRecord, RefundRecord

T0 = datetime(2025, 1, 1, tzinfo=UTC)
_ids = itertools.count(1)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


class RecordingIssuer:
    """Issues every code it is asked for and remembers the requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, DiscountRequest]] = []
        self.revoked: list[tuple[int, str]] = []
        self.live: dict[str, tuple[int, DiscountRequest]] = {}
        """Codes on the platform now, by platform id (issued and not revoked)."""

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        self.requests.append((store.id, request))
        platform_id = f"gid://discount/{len(self.requests)}"
        self.live[platform_id] = (store.id, request)
        return IssuedCode(code=request.code, platform_id=platform_id)

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        self.revoked.append((store.id, platform_id))
        self.live.pop(platform_id, None)
        return None


class FailingIssuer:
    """A platform that refuses (or, with ``raises``, blows up)."""

    def __init__(self, raises: bool = False, error: IssueError = IssueError.UNAVAILABLE) -> None:
        self.raises = raises
        self.error = error
        self.calls = 0

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        self.calls += 1
        if self.raises:
            raise ConnectionError("store unreachable")
        return IssueFailed(self.error, "the platform answered 503")

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        self.calls += 1
        if self.raises:
            raise ConnectionError("store unreachable")
        return IssueFailed(self.error, "the platform answered 503")


@dataclass
class Shop:
    merchant: Merchant
    store: Store
    other: Store
    updated: dict[str, datetime] = field(default_factory=dict)

    async def program(self, rules: Rules, effective_from: datetime = T0 - timedelta(days=400)) -> int:
        return (await publish(self.merchant.id, rules, effective_from)).id

    async def customer(
        self,
        store: Store | None = None,
        *,
        email: str | None = None,
        phone: str | None = None,
        first: str = "Ann",
        last: str | None = None,
        address: dict | None = None,
        accepts_marketing: bool = True,
    ) -> tuple[str, int]:
        """A customer (platform id, profile id), written like a connector would."""
        store = store or self.store
        n = next(_ids)
        record = CustomerRecord(
            platform_id=f"c{n}",
            updated_at=T0,
            email=email or f"p{n}@example.org",
            phone=phone,
            first_name=first,
            last_name=last or f"Person{n}",
            address=address or {"address1": f"{n} Main St", "zip": f"{10000 + n}"},
            accepts_marketing=accepts_marketing,
        )
        from store.ingest import upsert_customers

        await upsert_customers(store, [record])
        customer = await Customer.get(store_id=store.id, platform_id=record.platform_id)
        profile = (await ensure_profiles([customer.id]))[customer.id]
        return record.platform_id, profile

    async def order(
        self,
        customer: str | None,
        lines: list[tuple[str, Decimal | int | str]],
        *,
        when: datetime = T0,
        platform_id: str | None = None,
        store: Store | None = None,
        refunds: tuple[RefundRecord, ...] = (),
        cancelled_at: datetime | None = None,
        codes: tuple[str, ...] = (),
        discount: Decimal = Decimal(0),
        shipping: Decimal = Decimal(0),
        gift_cards: tuple[str, ...] = (),
        fulfilled: bool = False,
        address: dict | None = None,
    ) -> int:
        """Write an order (new or a new state of it) and return its store id."""
        store = store or self.store
        platform_id = platform_id or f"o{next(_ids)}"
        stamp = self.updated.get(platform_id, when) + timedelta(seconds=1)
        self.updated[platform_id] = stamp
        line_records = tuple(
            LineRecord(
                platform_id=f"{platform_id}-{lid}",
                quantity=1,
                unit_price=Decimal(str(total)),
                total=Decimal(str(total)),
                product_platform_id=f"p-{lid}",
                is_gift_card=lid in gift_cards,
            )
            for lid, total in lines
        )
        subtotal = sum((line.total for line in line_records), Decimal(0))
        record = OrderRecord(
            platform_id=platform_id,
            currency=store.currency,
            created_at=when,
            updated_at=stamp,
            customer=CustomerRecord(platform_id=customer, updated_at=T0 - timedelta(days=1)) if customer else None,
            subtotal=subtotal,
            total_discount=discount,
            shipping=shipping,
            total=subtotal - discount + shipping,
            lines=line_records,
            refunds=refunds,
            cancelled_at=cancelled_at,
            discount_codes=codes,
            fulfillment_status="fulfilled" if fulfilled else None,
            shipping_address=address,
        )
        ids = await upsert_orders(store, [record])
        from store.models import Order

        return ids[0] if ids else (await Order.get(store_id=store.id, platform_id=platform_id)).id


def refund(
    refund_id: str,
    order_platform_id: str,
    when: datetime,
    lines: list[tuple[str, Decimal | int | str]] = (),
    amount: Decimal | int | str | None = None,
    store_credit: bool = False,
) -> RefundRecord:
    """A refund of the given (line id, amount) pairs, or of a bare amount."""
    refund_lines = tuple(
        RefundLineRecord(
            platform_id=f"{refund_id}-{lid}",
            line_platform_id=f"{order_platform_id}-{lid}",
            quantity=1,
            amount=Decimal(str(value)),
        )
        for lid, value in lines
    )
    total = Decimal(str(amount)) if amount is not None else sum((r.amount for r in refund_lines), Decimal(0))
    return RefundRecord(
        platform_id=refund_id, created_at=when, amount=total, store_credit=store_credit, lines=refund_lines
    )


async def make_shop(name: str = "Shop") -> Shop:
    merchant = await Merchant.create(name=f"{name} {next(_ids)}")
    n = next(_ids)
    store = await Store.create(
        merchant=merchant,
        platform=Platform.SHOPIFY,
        domain=f"s{n}.myshopify.com",
        currency="USD",
        public_key=f"pk_s{n}",
    )
    other = await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain=f"https://w{n}.test",
        currency="USD",
        public_key=f"pk_w{n}",
    )
    return Shop(merchant, store, other)
