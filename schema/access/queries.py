"""Admin queries over API keys."""

from __future__ import annotations

import strawberry

from schema.access.types import API_KEYS, ApiKeyNode
from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.pagination import Connection, paginate
from store.models import ApiKey


@strawberry.type
class AccessQueries:
    @strawberry.field(description="The merchant's API keys, revoked ones included")
    async def api_keys(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiKeyNode]:
        request = Window(first, after, last, before).request(API_KEYS)
        queryset = ApiKey.filter(merchant_id=info.context.viewer.merchant_id)
        return await paginate(queryset, API_KEYS, request, ApiKeyNode.of)
