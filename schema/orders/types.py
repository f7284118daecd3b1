"""Admin types of orders, lines and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.core.arguments import Window
from schema.core.batching import present
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.money import Money
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate_loaded
from store.models import Order, OrderLine, Refund, RefundLine

if TYPE_CHECKING:
    from schema.people.types import CustomerNode
    from schema.stores.types import StoreNode

ORDERS = Ordering("platform_created_at")
LINES = Ordering("id", descending=False, is_time=False)
REFUNDS = Ordering("platform_created_at")


@strawberry.type(name="RefundLine")
class RefundLineNode(Node):
    row: strawberry.Private[RefundLine]
    currency: strawberry.Private[str]
    line_platform_id: str
    quantity: int

    @strawberry.field
    def amount(self) -> Money:
        return Money.of(self.row.amount, self.currency)

    @classmethod
    def of(cls, row: RefundLine, currency: str) -> RefundLineNode:
        return cls(
            id=to_gid("RefundLine", row.id),
            row=row,
            currency=currency,
            line_platform_id=row.line_platform_id,
            quantity=row.quantity,
        )


@strawberry.type(name="Refund")
class RefundNode(Node):
    row: strawberry.Private[Refund]
    platform_id: str
    note: str
    store_credit: bool
    created_at: datetime

    @strawberry.field
    def amount(self) -> Money:
        return Money.of(self.row.amount, self.row.currency)

    @strawberry.field
    async def lines(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefundLineNode]:
        request = Window(first, after, last, before).request(LINES)
        rows = await info.context.loaders.refund_lines_by_refund.load(self.row.id)
        return paginate_loaded(rows, LINES, request, lambda r: RefundLineNode.of(r, self.row.currency))

    @classmethod
    def of(cls, row: Refund) -> RefundNode:
        return cls(
            id=to_gid("Refund", row.id),
            row=row,
            platform_id=row.platform_id,
            note=row.note,
            store_credit=row.store_credit,
            created_at=row.platform_created_at,
        )


@strawberry.type(name="OrderLine")
class OrderLineNode(Node):
    row: strawberry.Private[OrderLine]
    currency: strawberry.Private[str]
    platform_id: str
    title: str
    sku: str
    quantity: int
    product_platform_id: str | None
    variant_platform_id: str | None
    is_gift_card: bool

    @strawberry.field
    def unit_price(self) -> Money:
        return Money.of(self.row.unit_price, self.currency)

    @strawberry.field
    def total_discount(self) -> Money:
        return Money.of(self.row.total_discount, self.currency)

    @strawberry.field(description="after line discounts")
    def total(self) -> Money:
        return Money.of(self.row.total, self.currency)

    @classmethod
    def of(cls, row: OrderLine, currency: str) -> OrderLineNode:
        return cls(
            id=to_gid("OrderLine", row.id),
            row=row,
            currency=currency,
            platform_id=row.platform_id,
            title=row.title,
            sku=row.sku,
            quantity=row.quantity,
            product_platform_id=row.product_platform_id,
            variant_platform_id=row.variant_platform_id,
            is_gift_card=row.is_gift_card,
        )


@strawberry.type(name="Order")
class OrderNode(Node):
    row: strawberry.Private[Order]
    platform_id: str
    name: str
    email: str | None
    currency_code: str
    financial_status: str
    fulfillment_status: str | None
    cancelled_at: datetime | None
    discount_codes: list[str]
    test: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="line totals after line discounts")
    def subtotal(self) -> Money:
        return Money.of(self.row.subtotal, self.row.currency)

    @strawberry.field
    def total_discount(self) -> Money:
        return Money.of(self.row.total_discount, self.row.currency)

    @strawberry.field
    def shipping(self) -> Money:
        return Money.of(self.row.shipping, self.row.currency)

    @strawberry.field
    def tax(self) -> Money:
        return Money.of(self.row.tax, self.row.currency)

    @strawberry.field
    def total(self) -> Money:
        return Money.of(self.row.total, self.row.currency)

    @strawberry.field
    def total_refunded(self) -> Money:
        return Money.of(self.row.total_refunded, self.row.currency)

    @strawberry.field
    async def store(self, info: AdminInfo) -> Annotated[StoreNode, strawberry.lazy("schema.stores.types")]:
        from schema.stores.types import StoreNode

        return StoreNode.of(present(await info.context.loaders.store.load(self.row.store_id)))

    @strawberry.field
    async def customer(self, info: AdminInfo) -> Annotated[CustomerNode, strawberry.lazy("schema.people.types")] | None:
        from schema.people.types import CustomerNode

        if self.row.customer_id is None:
            return None
        row = await info.context.loaders.customer.load(self.row.customer_id)
        return CustomerNode.of(row) if row is not None else None

    @strawberry.field
    async def lines(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[OrderLineNode]:
        request = Window(first, after, last, before).request(LINES)
        rows = await info.context.loaders.lines_by_order.load(self.row.id)
        return paginate_loaded(rows, LINES, request, lambda r: OrderLineNode.of(r, self.row.currency))

    @strawberry.field
    async def refunds(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefundNode]:
        request = Window(first, after, last, before).request(REFUNDS)
        rows = await info.context.loaders.refunds_by_order.load(self.row.id)
        return paginate_loaded(rows, REFUNDS, request, RefundNode.of)

    @classmethod
    def of(cls, row: Order) -> OrderNode:
        return cls(
            id=to_gid("Order", row.id),
            row=row,
            platform_id=row.platform_id,
            name=row.name,
            email=row.email,
            currency_code=row.currency,
            financial_status=row.financial_status,
            fulfillment_status=row.fulfillment_status,
            cancelled_at=row.cancelled_at,
            discount_codes=[str(c) for c in row.discount_codes or []],
            test=row.test,
            created_at=row.platform_created_at,
            updated_at=row.platform_updated_at,
        )
