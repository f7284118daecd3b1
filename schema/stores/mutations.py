"""Store linking (a code one merchant creates and another store redeems) and storefront origins."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry
from tortoise.transactions import in_transaction

from schema.core.context import AdminInfo
from schema.core.ids import pk_of
from schema.stores.errors import (
    StorefrontOriginErrorCode,
    StorefrontOriginUserError,
    StoreLinkErrorCode,
    StoreLinkUserError,
)
from schema.stores.origins import normalize_origin
from schema.stores.types import StoreNode
from store.linking import LinkError, create_link_code, redeem_link_code
from store.models import StorefrontOrigin

MAX_ORIGINS = 20


@strawberry.input
class StoreLinkCodeCreateInput:
    ttl_hours: int | None = strawberry.field(
        default=None, description="how long the code lives, 1 to 72 hours (24 by default)"
    )


@strawberry.type
class StoreLinkCodeCreatePayload:
    code: str | None = strawberry.field(description="one-time code the other store redeems; shown once")
    expires_at: datetime | None
    user_errors: list[StoreLinkUserError]


@strawberry.input
class StoreLinkCodeRedeemInput:
    code: str
    store_id: strawberry.ID | None = strawberry.field(
        default=None, description="the store that joins; defaults to the session token's store"
    )


@strawberry.type
class StoreLinkCodeRedeemPayload:
    store: StoreNode | None
    user_errors: list[StoreLinkUserError]


@strawberry.input
class StorefrontOriginsSetInput:
    store_id: strawberry.ID
    origins: list[str] = strawberry.field(
        description="origins besides the store's own domain, e.g. https://shop.example"
    )


@strawberry.type
class StorefrontOriginsSetPayload:
    store: StoreNode | None
    origins: list[str]
    user_errors: list[StorefrontOriginUserError]


@strawberry.type
class StoreMutations:
    @strawberry.mutation(description="A one-time code that lets another store join this merchant")
    async def store_link_code_create(
        self, info: AdminInfo, input: StoreLinkCodeCreateInput
    ) -> StoreLinkCodeCreatePayload:
        hours = input.ttl_hours if input.ttl_hours is not None else 24
        if not 1 <= hours <= 72:
            return StoreLinkCodeCreatePayload(
                code=None,
                expires_at=None,
                user_errors=[
                    StoreLinkUserError(
                        field=["input", "ttlHours"],
                        message="ttlHours must be between 1 and 72",
                        code=StoreLinkErrorCode.INVALID_CODE,
                    )
                ],
            )
        code, expires_at = await create_link_code(info.context.viewer.merchant_id, ttl=timedelta(hours=hours))
        return StoreLinkCodeCreatePayload(code=code, expires_at=expires_at, user_errors=[])

    @strawberry.mutation(description="Move one of the caller's stores under the merchant that issued the code")
    async def store_link_code_redeem(
        self, info: AdminInfo, input: StoreLinkCodeRedeemInput
    ) -> StoreLinkCodeRedeemPayload:
        viewer = info.context.viewer
        store_pk = pk_of(input.store_id, "Store") if input.store_id is not None else viewer.store_id
        store = await info.context.loaders.scope.store(store_pk) if store_pk else None
        if store is None:
            return StoreLinkCodeRedeemPayload(
                store=None,
                user_errors=[
                    StoreLinkUserError(
                        field=["input", "storeId"],
                        message="no such store of this merchant",
                        code=StoreLinkErrorCode.NOT_FOUND,
                    )
                ],
            )
        try:
            moved = await redeem_link_code(input.code, store.id)
        except LinkError as exc:
            return StoreLinkCodeRedeemPayload(
                store=None,
                user_errors=[
                    StoreLinkUserError(
                        field=["input", "code"], message=str(exc), code=StoreLinkErrorCode[exc.failure.value]
                    )
                ],
            )
        return StoreLinkCodeRedeemPayload(store=StoreNode.of(moved), user_errors=[])

    @strawberry.mutation(description="Replace the extra browser origins allowed to call a store's storefront API")
    async def storefront_origins_set(
        self, info: AdminInfo, input: StorefrontOriginsSetInput
    ) -> StorefrontOriginsSetPayload:
        pk = pk_of(input.store_id, "Store")
        store = await info.context.loaders.scope.store(pk) if pk else None
        if store is None:
            return StorefrontOriginsSetPayload(
                store=None,
                origins=[],
                user_errors=[
                    StorefrontOriginUserError(
                        field=["input", "storeId"],
                        message="no such store of this merchant",
                        code=StorefrontOriginErrorCode.NOT_FOUND,
                    )
                ],
            )
        errors = [
            StorefrontOriginUserError(
                field=["input", "origins", str(i)],
                message=f"{value!r} is not an http(s) origin",
                code=StorefrontOriginErrorCode.INVALID,
            )
            for i, value in enumerate(input.origins)
            if normalize_origin(value) is None
        ]
        if len(input.origins) > MAX_ORIGINS:
            errors.append(
                StorefrontOriginUserError(
                    field=["input", "origins"],
                    message=f"at most {MAX_ORIGINS} origins",
                    code=StorefrontOriginErrorCode.INVALID,
                )
            )
        if errors:
            return StorefrontOriginsSetPayload(store=StoreNode.of(store), origins=[], user_errors=errors)
        origins = sorted({normalize_origin(value) for value in input.origins} - {None})
        async with in_transaction():
            await StorefrontOrigin.filter(store_id=store.id).delete()
            for origin in origins:
                await StorefrontOrigin.create(store_id=store.id, origin=origin)
        return StorefrontOriginsSetPayload(store=StoreNode.of(store), origins=origins, user_errors=[])
