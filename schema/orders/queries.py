"""Admin queries over orders."""

from __future__ import annotations

import strawberry

from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate
from schema.orders.types import ORDERS, OrderNode


@strawberry.type
class OrderQueries:
    @strawberry.field(description="Orders of every store, newest first")
    async def orders(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        store_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
    ) -> Connection[OrderNode]:
        request = Window(first, after, last, before).request(ORDERS)
        queryset = info.context.loaders.scope.orders()
        if store_id is not None:
            queryset = queryset.filter(store_id=expect_pk(store_id, "Store", argument="storeId"))
        if customer_id is not None:
            queryset = queryset.filter(customer_id=expect_pk(customer_id, "Customer", argument="customerId"))
        return await paginate(queryset, ORDERS, request, OrderNode.of)

    @strawberry.field
    async def order(self, info: AdminInfo, id: strawberry.ID) -> OrderNode | None:
        row = await info.context.loaders.scope.order(expect_pk(id, "Order"))
        return OrderNode.of(row) if row is not None else None
