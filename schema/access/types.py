"""Admin types of merchant API keys."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Ordering
from store.models import ApiKey

API_KEYS = Ordering("created_at")


@strawberry.type(name="ApiKey", description="A merchant API key; its secret is shown once, at creation")
class ApiKeyNode(Node):
    name: str
    prefix: str = strawberry.field(description="the public start of the key, to tell keys apart")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyNode:
        return cls(
            id=to_gid("ApiKey", row.id),
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
