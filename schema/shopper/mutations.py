"""Storefront mutations: exchanging an app proxy signature for a shopper token."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.core.context import ShopperVia, StorefrontInfo
from schema.core.errors import UserError

MAX_TTL = 24 * 3600


@strawberry.enum
class ShopperSessionErrorCode(Enum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    PROXY_REQUIRED = "PROXY_REQUIRED"
    INVALID = "INVALID"


@strawberry.type
class ShopperSessionUserError(UserError):
    code: ShopperSessionErrorCode


@strawberry.input
class ShopperTokenCreateInput:
    ttl_seconds: int | None = strawberry.field(default=None, description="lifetime, at most a day")


@strawberry.type
class ShopperTokenCreatePayload:
    token: str | None = strawberry.field(description="send as X-Rapport-Shopper-Token on later calls")
    expires_at: datetime | None
    user_errors: list[ShopperSessionUserError]


@strawberry.type
class ShopperMutations:
    @strawberry.mutation(
        description="A shopper token for the shopper the app proxy signed in, so widgets can call directly"
    )
    async def shopper_token_create(
        self, info: StorefrontInfo, input: ShopperTokenCreateInput
    ) -> ShopperTokenCreatePayload:
        viewer = info.context.viewer

        def fail(
            message: str, code: ShopperSessionErrorCode, field: list[str] | None = None
        ) -> ShopperTokenCreatePayload:
            return ShopperTokenCreatePayload(
                token=None,
                expires_at=None,
                user_errors=[ShopperSessionUserError(field=field, message=message, code=code)],
            )

        if viewer.customer_id is None:
            return fail("no shopper is signed in", ShopperSessionErrorCode.NOT_SIGNED_IN)
        if viewer.via != ShopperVia.APP_PROXY:
            return fail("shopper tokens are minted through the app proxy", ShopperSessionErrorCode.PROXY_REQUIRED)
        if input.ttl_seconds is not None and not 60 <= input.ttl_seconds <= MAX_TTL:
            return fail(
                f"ttlSeconds must be between 60 and {MAX_TTL}", ShopperSessionErrorCode.INVALID, ["input", "ttlSeconds"]
            )
        token, expires_at = info.context.services.credentials.mint_shopper_token(
            viewer.store.id, viewer.customer_id, input.ttl_seconds
        )
        return ShopperTokenCreatePayload(token=token, expires_at=expires_at, user_errors=[])
