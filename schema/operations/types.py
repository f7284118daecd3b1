"""Admin types of webhook deliveries and failed jobs."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Ordering
from store.models import DeliveryStatus, Job, WebhookEvent

if TYPE_CHECKING:
    from schema.stores.types import StoreNode

_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*): (.*)$")
SUMMARY_CHARS = 300

DELIVERIES = Ordering("received_at")
JOBS = Ordering("created_at")

DeliveryStatusEnum = strawberry.enum(DeliveryStatus, name="DeliveryStatus")


@strawberry.type(name="WebhookDelivery", description="A verified webhook as received, kept for replay")
class WebhookDeliveryNode(Node):
    row: strawberry.Private[WebhookEvent]
    platform: str
    delivery_id: str
    topic: str
    source: str = strawberry.field(description="shop domain or site URL")
    status: DeliveryStatus
    attempts: int
    error: str | None
    received_at: datetime
    processed_at: datetime | None

    @strawberry.field
    async def store(self, info: AdminInfo) -> Annotated[StoreNode, strawberry.lazy("schema.stores.types")] | None:
        from schema.stores.types import StoreNode

        if self.row.store_id is None:
            return None
        row = await info.context.loaders.store.load(self.row.store_id)
        return StoreNode.of(row) if row is not None else None

    @classmethod
    def of(cls, row: WebhookEvent) -> WebhookDeliveryNode:
        return cls(
            id=to_gid("WebhookDelivery", row.id),
            row=row,
            platform=row.platform,
            delivery_id=row.delivery_id,
            topic=row.topic,
            source=row.source,
            status=row.status,
            attempts=row.attempts,
            error=row.error,
            received_at=row.received_at,
            processed_at=row.processed_at,
        )


def error_summary(error: str | None) -> str | None:
    """What a merchant is shown of a failure: the exception's class and message, never the traceback."""
    lines = [line for line in (error or "").strip().splitlines() if line.strip()]
    if not lines:
        return None
    found = next((m for line in reversed(lines) if (m := _EXCEPTION_LINE.match(line))), None)
    text = f"{found.group(1).rsplit('.', 1)[-1]}: {found.group(2)}" if found else lines[-1].strip()
    return text[:SUMMARY_CHARS]


@strawberry.type(name="FailedJob", description="A background job of the merchant that used up its tries")
class FailedJobNode(Node):
    function: str
    arguments: str = strawberry.field(description="the job's arguments as JSON")
    tries: int
    max_tries: int
    backend: str
    last_error: str | None = strawberry.field(
        description="the last error's class and message (the traceback is kept for the operator only)"
    )
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Job) -> FailedJobNode:
        return cls(
            id=to_gid("FailedJob", row.id),
            function=row.function,
            arguments=json.dumps(row.args),
            tries=row.tries,
            max_tries=row.max_tries,
            backend=row.backend,
            last_error=error_summary(row.last_error),
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
