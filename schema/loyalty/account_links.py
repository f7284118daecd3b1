"""Storefront mutations that let a shopper join the balances of two of their accounts: a code
issued signed in on one store, redeemed signed in on the other (``loyalty.account_links``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from loyalty.account_links import CODE_TTL, LinkError, issue_code, redeem_code
from loyalty.models import Member
from schema.core.context import StorefrontInfo
from schema.loyalty.storefront.errors import AccountLinkErrorCode, AccountLinkUserError
from schema.loyalty.types import PointsBalance
from store.models import Customer

MAX_TTL_MINUTES = int(CODE_TTL / timedelta(minutes=1))


@strawberry.input
class AccountLinkCodeCreateInput:
    ttl_minutes: int | None = strawberry.field(
        default=None, description=f"how long the code works, 1 to {MAX_TTL_MINUTES} minutes (the default)"
    )


@strawberry.type
class AccountLinkCodeCreatePayload:
    code: str | None = strawberry.field(description="enter it signed in on your other account, once, before it expires")
    expires_at: datetime | None
    user_errors: list[AccountLinkUserError]


@strawberry.input
class AccountLinkCodeRedeemInput:
    code: str = strawberry.field(description="the code your other account issued")


@strawberry.type
class AccountLinkCodeRedeemPayload:
    linked: bool = strawberry.field(description="true when both accounts now share one balance")
    balance: PointsBalance | None = strawberry.field(description="the shared balance after linking")
    user_errors: list[AccountLinkUserError]


async def _signed_in(info: StorefrontInfo) -> int | None:
    """The signed-in shopper's account on this store, when it still exists."""
    viewer = info.context.viewer
    if viewer.customer_id is None:
        return None
    exists = await Customer.filter(
        id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None, is_guest=False
    ).exists()
    return viewer.customer_id if exists else None


@strawberry.type
class AccountLinkMutations:
    @strawberry.mutation(
        description="A one-time code that links this account's points with your account on "
        "another of the merchant's stores"
    )
    async def account_link_code_create(
        self, info: StorefrontInfo, input: AccountLinkCodeCreateInput
    ) -> AccountLinkCodeCreatePayload:
        def fail(
            code: AccountLinkErrorCode, message: str, field: list[str] | None = None
        ) -> AccountLinkCodeCreatePayload:
            return AccountLinkCodeCreatePayload(
                code=None, expires_at=None, user_errors=[AccountLinkUserError(field=field, message=message, code=code)]
            )

        customer_id = await _signed_in(info)
        if customer_id is None:
            return fail(AccountLinkErrorCode.NOT_SIGNED_IN, "sign in as a shopper to link accounts")
        if input.ttl_minutes is not None and not 1 <= input.ttl_minutes <= MAX_TTL_MINUTES:
            return fail(
                AccountLinkErrorCode.INVALID,
                f"ttlMinutes must be between 1 and {MAX_TTL_MINUTES}",
                ["input", "ttlMinutes"],
            )
        try:
            code, expires_at = await issue_code(
                customer_id, ttl=timedelta(minutes=input.ttl_minutes or MAX_TTL_MINUTES)
            )
        except LinkError as exc:
            return fail(AccountLinkErrorCode(exc.failure.value), str(exc))
        return AccountLinkCodeCreatePayload(code=code, expires_at=expires_at, user_errors=[])

    @strawberry.mutation(
        description="Redeem a code from your other account: both accounts then share one points balance"
    )
    async def account_link_code_redeem(
        self, info: StorefrontInfo, input: AccountLinkCodeRedeemInput
    ) -> AccountLinkCodeRedeemPayload:
        def fail(
            code: AccountLinkErrorCode, message: str, field: list[str] | None = None
        ) -> AccountLinkCodeRedeemPayload:
            return AccountLinkCodeRedeemPayload(
                linked=False, balance=None, user_errors=[AccountLinkUserError(field=field, message=message, code=code)]
            )

        customer_id = await _signed_in(info)
        if customer_id is None:
            return fail(AccountLinkErrorCode.NOT_SIGNED_IN, "sign in as a shopper to link accounts")
        try:
            await redeem_code(input.code.strip(), customer_id)
        except LinkError as exc:
            return fail(AccountLinkErrorCode(exc.failure.value), str(exc), ["input", "code"])
        loaders = info.context.loaders.loyalty
        loaders.forget()
        member = await loaders.member_by_customer.load(customer_id)
        fresh = await Member.get_or_none(profile_id=member.profile_id) if member is not None else None
        return AccountLinkCodeRedeemPayload(
            linked=True, balance=PointsBalance.of(fresh) if fresh else None, user_errors=[]
        )
