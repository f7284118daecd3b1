"""Creating and revoking API keys, and minting shopper tokens for a store's own backend."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from schema.access.errors import (
    ApiKeyErrorCode,
    ApiKeyUserError,
    ShopperTokenErrorCode,
    ShopperTokenUserError,
)
from schema.access.types import ApiKeyNode
from schema.core.context import AdminInfo
from schema.core.ids import pk_of
from store.models import ApiKey

MAX_TOKEN_TTL = 24 * 3600


@strawberry.input
class ApiKeyCreateInput:
    name: str


@strawberry.type
class ApiKeyCreatePayload:
    api_key: ApiKeyNode | None
    secret: str | None = strawberry.field(description="the full key; shown this once, never again")
    user_errors: list[ApiKeyUserError]


@strawberry.input
class ApiKeyRevokeInput:
    id: strawberry.ID


@strawberry.type
class ApiKeyRevokePayload:
    api_key: ApiKeyNode | None
    user_errors: list[ApiKeyUserError]


@strawberry.input
class ShopperTokenCreateInput:
    customer_id: strawberry.ID
    ttl_seconds: int | None = strawberry.field(default=None, description="lifetime, at most a day")


@strawberry.type
class ShopperTokenCreatePayload:
    token: str | None = strawberry.field(description="send as X-Rapport-Shopper-Token to the storefront API")
    expires_at: datetime | None
    user_errors: list[ShopperTokenUserError]


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="Create a merchant API key for the admin API")
    async def api_key_create(self, info: AdminInfo, input: ApiKeyCreateInput) -> ApiKeyCreatePayload:
        name = input.name.strip()
        if not 1 <= len(name) <= 200:
            return ApiKeyCreatePayload(
                api_key=None,
                secret=None,
                user_errors=[
                    ApiKeyUserError(
                        field=["input", "name"],
                        message="name must be 1 to 200 characters",
                        code=ApiKeyErrorCode.INVALID,
                    )
                ],
            )
        issued = await info.context.services.credentials.issue_api_key(info.context.viewer.merchant_id, name)
        return ApiKeyCreatePayload(api_key=ApiKeyNode.of(issued.key), secret=issued.secret, user_errors=[])

    @strawberry.mutation(description="Revoke an API key: requests with it fail from now on")
    async def api_key_revoke(self, info: AdminInfo, input: ApiKeyRevokeInput) -> ApiKeyRevokePayload:
        pk = pk_of(input.id, "ApiKey")
        key = await ApiKey.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id) if pk else None
        if key is None:
            return ApiKeyRevokePayload(
                api_key=None,
                user_errors=[
                    ApiKeyUserError(field=["input", "id"], message="no such API key", code=ApiKeyErrorCode.NOT_FOUND)
                ],
            )
        if key.revoked_at is not None:
            return ApiKeyRevokePayload(
                api_key=ApiKeyNode.of(key),
                user_errors=[
                    ApiKeyUserError(
                        field=["input", "id"],
                        message="this key is already revoked",
                        code=ApiKeyErrorCode.ALREADY_REVOKED,
                    )
                ],
            )
        key.revoked_at = datetime.now(UTC)
        await key.save(update_fields=["revoked_at"])
        return ApiKeyRevokePayload(api_key=ApiKeyNode.of(key), user_errors=[])

    @strawberry.mutation(description="A short-lived token that signs a shopper in to the storefront API")
    async def shopper_token_create(self, info: AdminInfo, input: ShopperTokenCreateInput) -> ShopperTokenCreatePayload:
        pk = pk_of(input.customer_id, "Customer")
        customer = await info.context.loaders.customer.load(pk) if pk else None
        if customer is None or customer.is_guest:
            return ShopperTokenCreatePayload(
                token=None,
                expires_at=None,
                user_errors=[
                    ShopperTokenUserError(
                        field=["input", "customerId"],
                        message="no such customer account",
                        code=ShopperTokenErrorCode.NOT_FOUND,
                    )
                ],
            )
        ttl = input.ttl_seconds
        if ttl is not None and not 60 <= ttl <= MAX_TOKEN_TTL:
            return ShopperTokenCreatePayload(
                token=None,
                expires_at=None,
                user_errors=[
                    ShopperTokenUserError(
                        field=["input", "ttlSeconds"],
                        message=f"ttlSeconds must be between 60 and {MAX_TOKEN_TTL}",
                        code=ShopperTokenErrorCode.INVALID,
                    )
                ],
            )
        token, expires_at = info.context.services.credentials.mint_shopper_token(customer.store_id, customer.id, ttl)
        return ShopperTokenCreatePayload(token=token, expires_at=expires_at, user_errors=[])
