"""The referral loop on the storefront: a first visit through ``?ref=CODE`` and the friend's claim.

``referralVisit`` is open to anonymous callers with the store key: a theme (or the widget)
calls it on a visit whose URL carries ``ref`` and keeps the code in the first-party cookie
``rapport_ref=<CODE>; path=/; max-age=2592000; SameSite=Lax`` (``Secure`` on https) with a
random visitor id in ``rapport_vid``, set by JavaScript on the store's own domain (Shopify's
app proxy strips ``Set-Cookie``). An unknown, malformed or foreign code answers ``valid: false``
without saying whose it could be. Once the shopper is signed in, ``referralClaim`` is called
with the cookie's code, once, and the cookie deleted on success or on a final error.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from loyalty.models import FriendCodeStatus, Member, Referral, ReferralStatus
from loyalty.referrals import ReferralRefusal, claim, record_visit
from loyalty.rules import Rules
from schema.core.context import StorefrontInfo
from schema.core.errors import UserError
from schema.core.money import Money
from schema.loyalty.friend_reward import FriendReward
from store.models import Customer, Store

MAX_INPUT = 200
"""Longer codes or visitor ids are refused before anything is read."""

ReferralErrorCode = strawberry.enum(ReferralRefusal, name="ReferralErrorCode")


@strawberry.enum(description="What became of a claim: REJECTED comes with a userError giving the reason")
class ReferralClaimStatus(Enum):
    PENDING = "PENDING"
    REVIEW = "REVIEW"
    REJECTED = "REJECTED"


@strawberry.type
class ReferralUserError(UserError):
    code: ReferralRefusal


@strawberry.type(description="What a referred friend gets")
class ReferralOffer:
    friend_reward: FriendReward = strawberry.field(description="the kind of welcome code (NONE: points only)")
    friend_value: Money | None = strawberry.field(description="money off, for FIXED_AMOUNT")
    friend_percent: Decimal | None = strawberry.field(description="percent off, for PERCENTAGE")
    friend_points: int = strawberry.field(description="points for the friend on their first order")
    minimum_subtotal: Money | None = strawberry.field(description="the order subtotal the code needs, if any")

    @classmethod
    def of(cls, rules: Rules, currency: str) -> ReferralOffer:
        kind = rules.referral_friend_reward
        value = Decimal(rules.referral_friend_value)
        minimum = rules.referral_friend_minimum
        return cls(
            friend_reward=kind,
            friend_value=Money.of(value, currency) if kind == FriendReward.FIXED_AMOUNT else None,
            friend_percent=value if kind == FriendReward.PERCENTAGE else None,
            friend_points=rules.referral_friend_points,
            minimum_subtotal=Money.of(Decimal(minimum), currency) if minimum is not None else None,
        )


@strawberry.type(description="A referred friend's welcome code, valid on the store where they claimed the referral")
class FriendCode:
    code: str = strawberry.field(description="enter it at checkout; it is bound to the friend's account")
    kind: FriendReward
    value: Money | None = strawberry.field(description="money off, for FIXED_AMOUNT")
    percent_off: Decimal | None = strawberry.field(description="for PERCENTAGE")
    expires_at: datetime | None
    store_name: str
    store_url: str

    @classmethod
    def of(cls, referral: Referral, store: Store) -> FriendCode | None:
        """The code once the platform holds it (issued or used); ``None`` before or when it failed."""
        if referral.friend_code is None or referral.friend_code_status not in (
            FriendCodeStatus.ISSUED,
            FriendCodeStatus.USED,
        ):
            return None
        from schema.loyalty.storefront.types import storefront_url

        kind = FriendReward(referral.friend_code_kind or FriendReward.NONE)
        value = Decimal(referral.friend_code_value or 0)
        return cls(
            code=referral.friend_code,
            kind=kind,
            value=Money.of(value, store.currency) if kind == FriendReward.FIXED_AMOUNT else None,
            percent_off=value if kind == FriendReward.PERCENTAGE else None,
            expires_at=referral.friend_code_expires_at,
            store_name=store.name,
            store_url=storefront_url(store),
        )


async def friend_code_of(member: Member) -> FriendCode | None:
    """The welcome code the member got as a referred friend, on the store they claimed on."""
    referral = await Referral.get_or_none(merchant_id=member.merchant_id, friend_id=member.profile_id)
    if referral is None or referral.store_id is None:
        return None
    store = await Store.get_or_none(id=referral.store_id)
    return FriendCode.of(referral, store) if store is not None else None


@strawberry.input
class ReferralVisitInput:
    code: str = strawberry.field(description="the ref parameter of the link, as the rapport_ref cookie keeps it")
    visitor_id: str = strawberry.field(
        description="the random id the widget keeps in the rapport_vid cookie (16-64 characters A-Z a-z 0-9 -)"
    )


@strawberry.type
class ReferralVisitPayload:
    valid: bool = strawberry.field(description="the code is a member's of this shop: keep it for the claim")
    offer: ReferralOffer | None = strawberry.field(description="what the friend gets, when valid")
    user_errors: list[ReferralUserError]


@strawberry.input
class ReferralClaimInput:
    code: str = strawberry.field(description="the referral code the rapport_ref cookie holds")


@strawberry.type
class ReferralClaimPayload:
    status: ReferralClaimStatus | None = strawberry.field(
        description="PENDING (the friend's code is ready when the program gives one), REVIEW (the owner "
        "decides first) or REJECTED (see userErrors)"
    )
    friend_code: FriendCode | None = strawberry.field(description="the friend's welcome code on this store")
    user_errors: list[ReferralUserError]


def network_of(info: StorefrontInfo) -> str | None:
    """The caller's network: the /24 of an IPv4 address, the /48 of an IPv6 one (only ever hashed)."""
    request = info.context.request
    client = getattr(request, "client", None)
    if client is None or not client.host:
        return None
    try:
        ip = ipaddress.ip_address(client.host)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if isinstance(ip, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _error(code: ReferralRefusal, message: str, field: str | None = "code") -> ReferralUserError:
    return ReferralUserError(field=["input", field] if field else None, message=message, code=code)


_CLAIM_STATUS = {
    ReferralStatus.PENDING: ReferralClaimStatus.PENDING,
    ReferralStatus.QUALIFIED: ReferralClaimStatus.PENDING,
    ReferralStatus.COMPLETED: ReferralClaimStatus.PENDING,
    ReferralStatus.REVIEW: ReferralClaimStatus.REVIEW,
    ReferralStatus.REJECTED: ReferralClaimStatus.REJECTED,
}


@strawberry.type
class ReferralMutations:
    @strawberry.mutation(
        description="Count a first visit through a member's referral link and tell what the friend gets; "
        "open to anonymous callers"
    )
    async def referral_visit(self, info: StorefrontInfo, input: ReferralVisitInput) -> ReferralVisitPayload:
        def refused(code: ReferralRefusal, message: str, field: str = "code") -> ReferralVisitPayload:
            return ReferralVisitPayload(valid=False, offer=None, user_errors=[_error(code, message, field)])

        unknown = "this referral link is not valid here"
        if len(input.code) > MAX_INPUT:
            return refused(ReferralRefusal.UNKNOWN_CODE, unknown)
        if len(input.visitor_id) > MAX_INPUT:
            return refused(ReferralRefusal.INVALID, "visitorId takes 16 to 64 characters", "visitorId")
        store = info.context.viewer.store
        rules = (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC))
        if rules is None:
            return refused(ReferralRefusal.NO_PROGRAM, "this shop has no loyalty program")
        outcome = await record_visit(store, input.code, input.visitor_id, network_of(info), datetime.now(UTC))
        if outcome.refusal == ReferralRefusal.UNKNOWN_CODE:
            return refused(ReferralRefusal.UNKNOWN_CODE, unknown)
        if outcome.refusal == ReferralRefusal.INVALID:
            return refused(
                ReferralRefusal.INVALID, "visitorId takes 16 to 64 characters A-Z, a-z, 0-9 and -", "visitorId"
            )
        if outcome.refusal == ReferralRefusal.RATE_LIMITED:
            return refused(ReferralRefusal.RATE_LIMITED, "too many referral visits from this network; try later")
        return ReferralVisitPayload(valid=True, offer=ReferralOffer.of(rules, store.currency), user_errors=[])

    @strawberry.mutation(
        description="The signed-in shopper claims the referral code their visit brought: the referral is "
        "recorded and, unless it waits for review, their welcome code is made on this store"
    )
    async def referral_claim(self, info: StorefrontInfo, input: ReferralClaimInput) -> ReferralClaimPayload:
        def refused(
            code: ReferralRefusal, message: str, field: str | None = "code", status: ReferralClaimStatus | None = None
        ) -> ReferralClaimPayload:
            return ReferralClaimPayload(status=status, friend_code=None, user_errors=[_error(code, message, field)])

        viewer = info.context.viewer
        customer = (
            await Customer.get_or_none(id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None)
            if viewer.customer_id is not None
            else None
        )
        if customer is None:
            return refused(ReferralRefusal.NOT_SIGNED_IN, "sign in as a shopper to claim a referral", None)
        if len(input.code) > MAX_INPUT:
            return refused(ReferralRefusal.UNKNOWN_CODE, "this referral code is not known here")
        member = await info.context.loaders.loyalty.member_by_customer.load(customer.id)
        if member is None:
            return refused(ReferralRefusal.NOT_SIGNED_IN, "sign in as a shopper to claim a referral", None)
        issuers = info.context.services.discounts
        outcome = await claim(
            customer,
            viewer.store,
            member.profile_id,
            input.code,
            issuers.issuer_for(viewer.store) if issuers is not None else None,
            datetime.now(UTC),
            network=network_of(info),
        )
        if outcome.refusal is not None:
            status = ReferralClaimStatus.REJECTED if outcome.refusal != ReferralRefusal.NO_PROGRAM else None
            return refused(outcome.refusal, outcome.message, status=status)
        assert outcome.referral is not None
        store = (
            viewer.store
            if outcome.referral.store_id in (None, viewer.store.id)
            else await Store.get(id=outcome.referral.store_id)
        )
        return ReferralClaimPayload(
            status=_CLAIM_STATUS[ReferralStatus(outcome.referral.status)],
            friend_code=FriendCode.of(outcome.referral, store),
            user_errors=[],
        )
