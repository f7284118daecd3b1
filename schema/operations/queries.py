"""Admin queries over webhook deliveries and failed jobs."""

from __future__ import annotations

import strawberry

from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.ids import expect_pk
from schema.core.pagination import Connection, paginate
from schema.operations.types import DELIVERIES, JOBS, FailedJobNode, WebhookDeliveryNode
from store.models import DeliveryStatus


@strawberry.type
class OperationsQueries:
    @strawberry.field(description="Webhook deliveries to the merchant's stores, newest first")
    async def webhook_deliveries(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: DeliveryStatus | None = None,
        store_id: strawberry.ID | None = None,
    ) -> Connection[WebhookDeliveryNode]:
        request = Window(first, after, last, before).request(DELIVERIES)
        queryset = info.context.loaders.scope.webhook_events()
        if status is not None:
            queryset = queryset.filter(status=status)
        if store_id is not None:
            queryset = queryset.filter(store_id=expect_pk(store_id, "Store", argument="storeId"))
        return await paginate(queryset, DELIVERIES, request, WebhookDeliveryNode.of)

    @strawberry.field(description="The merchant's jobs that used up their tries")
    async def failed_jobs(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FailedJobNode]:
        request = Window(first, after, last, before).request(JOBS)
        return await paginate(info.context.loaders.scope.failed_jobs(), JOBS, request, FailedJobNode.of)
