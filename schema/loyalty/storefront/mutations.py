"""Storefront mutations of loyalty: redeeming a reward on this store, recording a consented action.

Both act only for the signed-in shopper, on their own member; an id of another merchant's
reward is simply not found. A redemption's ``requestKey`` is kept per shopper, so a retry
returns the same code with one debit and one shopper's key can never reach another's code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import strawberry

from campaigns.birthdays import BirthdaySource, record_birthday
from campaigns.errors import BirthdayLocked, InvalidBirthday
from campaigns.transactional import queue_reward_issued
from loyalty.actions import ActionStatus, VerifiedAction, record_action
from loyalty.errors import (
    InsufficientPoints,
    InvalidRedemption,
    LimitReached,
    OutOfStock,
    RedemptionFailed,
    RewardLocked,
    UnknownAction,
)
from loyalty.models import Member, RewardKind
from loyalty.rewards import redeem
from schema.core.context import StorefrontInfo
from schema.core.ids import pk_of
from schema.loyalty.storefront.errors import (
    ActionErrorCode,
    ActionUserError,
    RedeemErrorCode,
    RedeemUserError,
)
from schema.loyalty.storefront.types import rules_now
from schema.loyalty.types import IssuedCode, PointsBalance
from schema.shopper.birthday import GIFT_ON, ShopperBirthday
from store.models import Customer

MAX_KEY = 100
EARNED_BY_ORDERS = {"first_order": "first_order is earned by placing a first order"}
"""Actions the program pays from synced orders; a shopper cannot claim them."""
VERIFIED = {action.value: action for action in VerifiedAction}
"""Actions the store vouches for (``loyalty.actions``); a shopper's word is not enough."""
NOT_CLAIMABLE = {*EARNED_BY_ORDERS, *VERIFIED}


@strawberry.input
class RewardRedeemInput:
    reward_id: strawberry.ID = strawberry.field(description="a Reward id of this shop's program")
    points: int | None = strawberry.field(default=None, description="points to spend on a POINTS_TO_CASH reward")
    request_key: str | None = strawberry.field(
        default=None, description="retry with the same key to get the same code, debited once"
    )


@strawberry.type
class RewardRedeemPayload:
    code: IssuedCode | None = strawberry.field(description="the discount code, usable on this store")
    balance: PointsBalance | None = strawberry.field(description="the shopper's points after the attempt")
    user_errors: list[RedeemUserError] = strawberry.field(description="why no code was issued, if none was")


@strawberry.input
class ActionRecordInput:
    action: str = strawberry.field(
        description='an action the program rewards, e.g. "birthday" or a custom event (signup, newsletter and '
        "review come from the store itself: VERIFIED_ONLY)"
    )
    consent: bool = strawberry.field(description="must be true: the shopper agreed to share it")
    birthday: date | None = strawberry.field(
        default=None,
        description='required for "birthday": kept as the shopper\'s birthday (as birthdaySet keeps it: once, '
        "the store changes it), paid on the day by the birthday campaign, not now",
    )
    key: str | None = strawberry.field(
        default=None, description="idempotency key for other actions; the action's name when left out"
    )


strawberry.enum(ActionStatus, name="ActionStatus")


@strawberry.type
class ActionRecordPayload:
    status: ActionStatus | None = strawberry.field(
        description="AWARDED, DUPLICATE (seen before), CAPPED (over its limit) or SCHEDULED "
        "(a birthday: kept, its gift comes on the day)"
    )
    points: int = strawberry.field(description="points awarded by this call (0 for a birthday: they come on the day)")
    balance: PointsBalance | None = strawberry.field(description="the shopper's points after the call")
    gift_on: date | None = strawberry.field(default=None, description=f"for a birthday, {GIFT_ON}")
    user_errors: list[ActionUserError] = strawberry.field(description="why nothing was recorded, if it was not")


async def _member(info: StorefrontInfo) -> Member | None:
    """The signed-in shopper's member (enrolled if new), or ``None`` for anonymous callers."""
    viewer = info.context.viewer
    if viewer.customer_id is None:
        return None
    if not await Customer.filter(id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None).exists():
        return None
    return await info.context.loaders.loyalty.member_by_customer.load(viewer.customer_id)


async def _balance(info: StorefrontInfo, member: Member) -> PointsBalance:
    """Read again after a write: the loaders' rows are from before it."""
    info.context.loaders.loyalty.forget()
    return PointsBalance.of(await Member.get_or_none(profile_id=member.profile_id, merchant_id=member.merchant_id))


def _key(raw: str | None) -> str | None:
    return None if raw is None else raw.strip()


@strawberry.type
class LoyaltyMutations:
    @strawberry.mutation(description="Spend points on a reward and get its discount code for this store")
    async def reward_redeem(self, info: StorefrontInfo, input: RewardRedeemInput) -> RewardRedeemPayload:
        def fail(
            code: RedeemErrorCode, message: str, field: list[str] | None = None, balance: PointsBalance | None = None
        ) -> RewardRedeemPayload:
            return RewardRedeemPayload(
                code=None, balance=balance, user_errors=[RedeemUserError(field=field, message=message, code=code)]
            )

        member = await _member(info)
        if member is None:
            return fail(RedeemErrorCode.NOT_SIGNED_IN, "sign in as a shopper to redeem rewards")
        loaders, store = info.context.loaders.loyalty, info.context.viewer.store
        pk = pk_of(input.reward_id, "Reward")
        reward = await loaders.reward.load(pk) if pk is not None else None
        if reward is None:
            return fail(
                RedeemErrorCode.NOT_FOUND,
                f"no reward {input.reward_id!r} in this shop's program",
                ["input", "rewardId"],
                PointsBalance.of(member),
            )
        key = _key(input.request_key)
        if key is not None and not 1 <= len(key) <= MAX_KEY:
            return fail(
                RedeemErrorCode.INVALID,
                f"requestKey must be 1 to {MAX_KEY} characters",
                ["input", "requestKey"],
                PointsBalance.of(member),
            )
        issuers = info.context.services.discounts
        if issuers is None:
            return fail(
                RedeemErrorCode.ISSUE_FAILED,
                "this store cannot issue discount codes; no points were spent",
                None,
                PointsBalance.of(member),
            )
        try:
            redemption = await redeem(
                member.profile_id,
                reward.id,
                store.id,
                issuers.issuer_for(store),
                points=input.points,
                request_key=f"storefront:{member.profile_id}:{key}" if key else None,
                value_tier=await loaders.value_tier.load(member.profile_id),
            )
        except InsufficientPoints as exc:
            field = ["input", "points"] if reward.kind == RewardKind.POINTS_TO_CASH else ["input", "rewardId"]
            return fail(RedeemErrorCode.INSUFFICIENT_POINTS, str(exc), field, await _balance(info, member))
        except InvalidRedemption as exc:
            field = ["input", "points"] if reward.kind == RewardKind.POINTS_TO_CASH else ["input", "rewardId"]
            return fail(RedeemErrorCode.INVALID, str(exc), field, await _balance(info, member))
        except RewardLocked as exc:
            return fail(RedeemErrorCode.LOCKED, str(exc), ["input", "rewardId"], await _balance(info, member))
        except LimitReached as exc:
            return fail(RedeemErrorCode.LIMIT_REACHED, str(exc), ["input", "rewardId"], await _balance(info, member))
        except OutOfStock as exc:
            return fail(RedeemErrorCode.OUT_OF_STOCK, str(exc), ["input", "rewardId"], await _balance(info, member))
        except RedemptionFailed as exc:
            return fail(RedeemErrorCode.ISSUE_FAILED, str(exc), None, await _balance(info, member))
        await queue_reward_issued(redemption.id, datetime.now(UTC))
        return RewardRedeemPayload(code=IssuedCode.of(redemption), balance=await _balance(info, member), user_errors=[])

    @strawberry.mutation(
        description="Record an action the shopper took and agreed to share. A birthday is kept as "
        "birthdaySet keeps it and earns nothing now: the birthday campaign pays on the day (giftOn)"
    )
    async def action_record(self, info: StorefrontInfo, input: ActionRecordInput) -> ActionRecordPayload:
        def fail(
            code: ActionErrorCode, message: str, field: list[str] | None = None, balance: PointsBalance | None = None
        ) -> ActionRecordPayload:
            return ActionRecordPayload(
                status=None,
                points=0,
                balance=balance,
                user_errors=[ActionUserError(field=field, message=message, code=code)],
            )

        member = await _member(info)
        if member is None:
            return fail(ActionErrorCode.NOT_SIGNED_IN, "sign in as a shopper to record actions")
        balance = PointsBalance.of(member)
        if not input.consent:
            return fail(
                ActionErrorCode.CONSENT_REQUIRED,
                "consent must be true: the shopper has to agree to share this",
                ["input", "consent"],
                balance,
            )
        name = input.action.strip()
        if (verified := VERIFIED.get(name)) is not None:
            return fail(
                ActionErrorCode.VERIFIED_ONLY,
                f"{verified.source}, not recorded from the storefront",
                ["input", "action"],
                balance,
            )
        rules = rules_now(await info.context.loaders.loyalty.program())
        if rules is None or name not in rules.actions:
            known = ", ".join(n for n in (rules.actions if rules else {}) if n not in NOT_CLAIMABLE) or "none"
            return fail(
                ActionErrorCode.UNKNOWN_ACTION,
                f"the program has no action {name!r} (it has: {known})",
                ["input", "action"],
                balance,
            )
        if name in EARNED_BY_ORDERS:
            return fail(ActionErrorCode.INVALID, EARNED_BY_ORDERS[name], ["input", "action"], balance)
        now = datetime.now(UTC)
        if name == "birthday":
            born = input.birthday
            if born is None:
                return fail(
                    ActionErrorCode.INVALID,
                    "birthday is required for the birthday action",
                    ["input", "birthday"],
                    balance,
                )
            try:
                row = await record_birthday(
                    member.profile_id, born.month, born.day, born.year, source=BirthdaySource.WIDGET, now=now
                )
            except InvalidBirthday as exc:
                return fail(ActionErrorCode.INVALID, str(exc), ["input", "birthday"], balance)
            except BirthdayLocked as exc:
                return fail(ActionErrorCode.LOCKED, str(exc), ["input", "birthday"], balance)
            return ActionRecordPayload(
                status=ActionStatus.SCHEDULED if row.recorded_at == now else ActionStatus.DUPLICATE,
                points=0,
                balance=balance,
                gift_on=ShopperBirthday.of(row, info.context.viewer.store, now).next_gift_on,
                user_errors=[],
            )
        key = _key(input.key) or name
        if len(key) > MAX_KEY:
            return fail(ActionErrorCode.INVALID, f"key must be at most {MAX_KEY} characters", ["input", "key"], balance)
        try:
            result = await record_action(member.profile_id, name, key, now=now)
        except UnknownAction as exc:
            return fail(ActionErrorCode.UNKNOWN_ACTION, str(exc), ["input", "action"], balance)
        return ActionRecordPayload(
            status=result.status,
            points=result.points,
            balance=await _balance(info, member),
            user_errors=[],
        )
