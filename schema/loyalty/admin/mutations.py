"""The owner's loyalty changes: point adjustments, program versions, rewards, referral reviews and
event endpoints.

Each change is made by ``loyalty`` itself (the code the CLI and the jobs use), with the caller
recorded as the actor; this module checks that every id belongs to the caller's merchant and
turns expected failures into ``userErrors`` at the input field they concern.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import strawberry

from loyalty import models as lm
from loyalty.actions import adjust
from loyalty.errors import InsufficientPoints, VersionOutOfOrder
from loyalty.events import register_endpoint
from loyalty.program import publish
from loyalty.referrals import decide, issue_friend_code
from loyalty.rules import Rules
from schema.core.context import AdminInfo
from schema.core.ids import pk_of, to_gid
from schema.loyalty.admin.eligibility import EligibilityDraft, eligibility_problems
from schema.loyalty.admin.endpoints import EVENT_KINDS, EventEndpointNode, url_problem
from schema.loyalty.admin.errors import LoyaltyErrorCode, LoyaltyUserError, invalid, not_found
from schema.loyalty.admin.inputs import (
    EventEndpointCreateInput,
    EventEndpointDeleteInput,
    PointsAdjustInput,
    ProgramPublishInput,
    ReferralDecideInput,
    RewardCreateInput,
    RewardUpdateInput,
)
from schema.loyalty.admin.members import AdminLedgerEntry, LoyaltyMemberNode
from schema.loyalty.admin.referrals import ReferralNode
from schema.loyalty.admin.rules import ProgramVersionNode, program_currency
from schema.loyalty.admin.validation import RewardDraft, given, reward_problems, rules_from_input
from schema.loyalty.types import Reward
from store.models import Store

MAX_ADJUSTMENT = 100_000_000
BALANCE_LIMIT = 2_000_000_000
"""Balances are 32-bit integers."""
REASON_LENGTH = 500
KEY_LENGTH = 100
NOTE_LENGTH = 2000
CLOCK_SLACK = timedelta(minutes=5)
"""An effectiveFrom this close to now counts as now (the caller's clock may be a little behind)."""
MAX_AHEAD = timedelta(days=3653)
MAX_ENDPOINTS = 20


@strawberry.type(description="The member after a manual adjustment, and its ledger entry")
class PointsAdjustPayload:
    member: LoyaltyMemberNode | None = strawberry.field(description="the member with the new balance")
    entry: AdminLedgerEntry | None = strawberry.field(
        description="the ledger entry made (or made before for the same requestKey)"
    )
    user_errors: list[LoyaltyUserError]


@strawberry.type(description="The version published, or why none was")
class ProgramPublishPayload:
    version: ProgramVersionNode | None = strawberry.field(
        description="the new version; null when nothing was published"
    )
    user_errors: list[LoyaltyUserError]


@strawberry.type(description="The reward as saved, or why it was not")
class RewardPayload:
    reward: Reward | None = strawberry.field(description="the reward as it is now")
    user_errors: list[LoyaltyUserError]


@strawberry.type(description="The referral after the decision, or why there was none")
class ReferralDecidePayload:
    referral: ReferralNode | None = strawberry.field(description="the referral as it is now")
    user_errors: list[LoyaltyUserError]


@strawberry.type(description="The endpoint registered, with its secret this once")
class EventEndpointCreatePayload:
    endpoint: EventEndpointNode | None = strawberry.field(description="the endpoint registered")
    secret: str | None = strawberry.field(
        description="signs every event (X-Rapport-Signature: sha256=<hex HMAC of the body>); shown this once only"
    )
    user_errors: list[LoyaltyUserError]


@strawberry.type(description="The id of the endpoint deleted, or why none was")
class EventEndpointDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="the id of the endpoint deleted")
    user_errors: list[LoyaltyUserError]


def _effective_from(
    value: datetime | None, latest: lm.ProgramVersion | None, now: datetime
) -> tuple[datetime, list[LoyaltyUserError]]:
    """When a new version takes effect: now or later, and not before the latest version.

    Orders already placed keep the rules they earned under; a version in the past would
    change history the ledger has already recorded.
    """
    if value is None:
        when = now
    else:
        try:
            when = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except (OverflowError, ValueError):
            return now, [invalid("effectiveFrom is out of range", "effectiveFrom")]
        if when < now - CLOCK_SLACK:
            return when, [
                invalid(
                    "effectiveFrom cannot be in the past: orders already placed keep the rules they "
                    "earned under; leave it out to publish now",
                    "effectiveFrom",
                )
            ]
        if when > now + MAX_AHEAD:
            return when, [invalid("effectiveFrom is more than ten years ahead", "effectiveFrom")]
    if latest is not None and when < latest.effective_from:
        return when, [
            invalid(
                f"version {latest.number} takes effect at {latest.effective_from.isoformat()}; a new "
                "version cannot take effect before it",
                "effectiveFrom",
            )
        ]
    return when, []


async def _own_reward(info: AdminInfo, value: str) -> lm.Reward | None:
    pk = pk_of(value, "Reward")
    return await lm.Reward.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id) if pk else None


async def _rules(info: AdminInfo) -> Rules | None:
    """The program as it stands now: a reward's tiers must be among its tiers."""
    return (await info.context.loaders.loyalty.program()).rules_now(datetime.now(UTC))


async def _reward(info: AdminInfo, row: lm.Reward) -> Reward:
    return Reward.of(row, await program_currency(info))


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(description="Credit or debit a member's points by hand, with a reason the shopper may read")
    async def points_adjust(self, info: AdminInfo, input: PointsAdjustInput) -> PointsAdjustPayload:
        def fail(error: LoyaltyUserError, member: lm.Member | None = None) -> PointsAdjustPayload:
            return PointsAdjustPayload(
                member=LoyaltyMemberNode.of(member) if member else None, entry=None, user_errors=[error]
            )

        pk = pk_of(input.member_id, "LoyaltyMember")
        member = await info.context.loaders.member.load(pk) if pk else None
        if member is None:
            return fail(not_found("no such member of this merchant", "memberId"))
        reason = input.reason.strip()
        if not reason:
            return fail(invalid("a reason is required: say why the points change", "reason"), member)
        if len(reason) > REASON_LENGTH:
            return fail(invalid(f"the reason takes at most {REASON_LENGTH} characters", "reason"), member)
        if input.points == 0 or abs(input.points) > MAX_ADJUSTMENT:
            return fail(invalid(f"points must be a credit or a debit of 1 to {MAX_ADJUSTMENT:,}", "points"), member)
        if (
            not -BALANCE_LIMIT <= member.available + input.points <= BALANCE_LIMIT
            or member.lifetime + max(input.points, 0) > BALANCE_LIMIT
        ):
            return fail(invalid(f"a balance stays within {BALANCE_LIMIT:,} points", "points"), member)
        request_key = (input.request_key or "").strip()
        if len(request_key) > KEY_LENGTH:
            return fail(invalid(f"requestKey takes at most {KEY_LENGTH} characters", "requestKey"), member)
        key = f"{member.profile_id}:{request_key or uuid.uuid4().hex}"
        try:
            await adjust(
                member.profile_id,
                input.points,
                reason=reason,
                actor=info.context.viewer.actor,
                key=key,
                allow_debt=bool(input.allow_debt),
            )
        except InsufficientPoints as exc:
            return fail(
                LoyaltyUserError(
                    field=["input", "points"],
                    code=LoyaltyErrorCode.INSUFFICIENT_POINTS,
                    message=f"{exc}; set allowDebt to take the balance below zero",
                ),
                member,
            )
        info.context.loaders.forget()
        entry = await lm.Entry.get(merchant_id=member.merchant_id, key=f"adjust:{key}")
        after = await lm.Member.get(profile_id=entry.profile_id)
        return PointsAdjustPayload(member=LoyaltyMemberNode.of(after), entry=AdminLedgerEntry.of(entry), user_errors=[])

    @strawberry.mutation(
        description="Publish a new version of the program's rules; fields left out keep the latest "
        "version's values. Orders placed from effectiveFrom on earn under it."
    )
    async def program_publish(self, info: AdminInfo, input: ProgramPublishInput) -> ProgramPublishPayload:
        merchant_id = info.context.viewer.merchant_id
        latest = await lm.ProgramVersion.filter(merchant_id=merchant_id).order_by("-number").first()
        base = Rules.from_json(latest.rules) if latest is not None else Rules()
        rules, errors = rules_from_input(base, input.rules)
        when, timing = _effective_from(input.effective_from, latest, datetime.now(UTC))
        errors += timing
        note = (input.note or "").strip()
        if len(note) > NOTE_LENGTH:
            errors.append(invalid(f"the note takes at most {NOTE_LENGTH} characters", "note"))
        if errors or rules is None:
            return ProgramPublishPayload(version=None, user_errors=errors)
        try:
            version = await publish(merchant_id, rules, when, actor=info.context.viewer.actor, note=note)
        except VersionOutOfOrder as exc:  # a version published meanwhile takes effect later
            return ProgramPublishPayload(version=None, user_errors=[invalid(str(exc), "effectiveFrom")])
        info.context.loaders.forget()
        row = await lm.ProgramVersion.get(id=version.id)
        return ProgramPublishPayload(version=ProgramVersionNode.of(row), user_errors=[])

    @strawberry.mutation(description="Add a reward to the catalog, active at once")
    async def reward_create(self, info: AdminInfo, input: RewardCreateInput) -> RewardPayload:
        kind = input.kind
        draft = RewardDraft(
            name=input.name,
            kind=kind,
            points_cost=input.points_cost or 0,
            value=(input.percent_off if kind == lm.RewardKind.PERCENTAGE else input.value) or Decimal(0),
            min_points=input.min_points or 0,
            max_points=input.max_points or 0,
            cash_per_point=input.cash_per_point or Decimal(0),
            minimum_subtotal=input.minimum_subtotal,
            valid_days=90 if input.valid_days is None else input.valid_days,
        )
        eligible = EligibilityDraft().apply(input)
        errors = reward_problems(draft, input) + eligibility_problems(eligible, await _rules(info))
        product = None
        if not errors and kind == lm.RewardKind.FREE_PRODUCT and input.product_id is not None:
            pk = pk_of(input.product_id, "Product")
            product = await info.context.loaders.scope.products().get_or_none(id=pk) if pk else None
            if product is None:
                errors = [not_found("no such product on the merchant's stores", "productId")]
        if errors:
            return RewardPayload(reward=None, user_errors=errors)
        draft.name = draft.name.strip()
        row = await lm.Reward.create(
            merchant_id=info.context.viewer.merchant_id,
            **draft.columns(),
            **eligible.columns(),
            product_platform_id=product.platform_id if product else None,
        )
        info.context.loaders.forget()
        return RewardPayload(reward=await _reward(info, row), user_errors=[])

    @strawberry.mutation(description="Change a reward, or turn it off (active: false) or on; issued codes keep theirs")
    async def reward_update(self, info: AdminInfo, input: RewardUpdateInput) -> RewardPayload:
        row = await _own_reward(info, input.id)
        if row is None:
            return RewardPayload(reward=None, user_errors=[not_found("no such reward of this merchant", "id")])
        kind = lm.RewardKind(row.kind)
        draft = RewardDraft(
            name=row.name,
            kind=kind,
            points_cost=row.points_cost,
            value=Decimal(row.value),
            min_points=row.min_points,
            max_points=row.max_points,
            cash_per_point=Decimal(row.cash_per_point),
            minimum_subtotal=Decimal(row.minimum_subtotal) if row.minimum_subtotal is not None else None,
            valid_days=row.valid_days,
        )
        for name in ("name", "points_cost", "value", "min_points", "max_points", "cash_per_point", "valid_days"):
            if given(value := getattr(input, name)):
                setattr(draft, name, value)
        if given(input.percent_off):
            draft.value = input.percent_off
        if input.minimum_subtotal is None or given(input.minimum_subtotal):
            draft.minimum_subtotal = input.minimum_subtotal
        eligible = EligibilityDraft.of(row).apply(input)
        errors = reward_problems(draft, input) + eligibility_problems(eligible, await _rules(info))
        if errors:
            return RewardPayload(reward=await _reward(info, row), user_errors=errors)
        draft.name = draft.name.strip()
        columns = draft.columns() | eligible.columns()
        del columns["kind"]
        row.update_from_dict({**columns, **({"active": input.active} if given(input.active) else {})})
        await row.save()
        info.context.loaders.forget()
        return RewardPayload(reward=await _reward(info, row), user_errors=[])

    @strawberry.mutation(description="Approve or reject a referral waiting in the review queue")
    async def referral_decide(self, info: AdminInfo, input: ReferralDecideInput) -> ReferralDecidePayload:
        pk = pk_of(input.referral_id, "Referral")
        row = await lm.Referral.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id) if pk else None
        if row is None:
            return ReferralDecidePayload(
                referral=None, user_errors=[not_found("no such referral of this merchant", "referralId")]
            )
        reason = (input.reason or "").strip()
        if len(reason) > 200:
            return ReferralDecidePayload(
                referral=ReferralNode.of(row),
                user_errors=[invalid("the reason takes at most 200 characters", "reason")],
            )

        def decided(referral: lm.Referral) -> ReferralDecidePayload:
            return ReferralDecidePayload(
                referral=ReferralNode.of(referral),
                user_errors=[
                    LoyaltyUserError(
                        field=["input", "referralId"],
                        code=LoyaltyErrorCode.ALREADY_DECIDED,
                        message=f"this referral is {lm.ReferralStatus(referral.status).value}, not waiting for review",
                    )
                ],
            )

        if row.status != lm.ReferralStatus.REVIEW:
            return decided(row)
        now = datetime.now(UTC)
        actor = info.context.viewer.actor
        after = await decide(row.id, approve=input.approve, actor=actor, reason=reason, now=now)
        if after.decided_by != actor or after.decided_at != now:  # decided by someone else meanwhile
            return decided(after)
        issuers = info.context.services.discounts
        if after.status == lm.ReferralStatus.PENDING and after.store_id is not None and issuers is not None:
            store = await Store.get(id=after.store_id)  # approved: the friend's welcome code is made now
            after = await issue_friend_code(after.id, issuers.issuer_for(store), now)
        info.context.loaders.forget()
        return ReferralDecidePayload(referral=ReferralNode.of(after), user_errors=[])

    @strawberry.mutation(description="Register a URL for the program's signed events; its secret is returned this once")
    async def event_endpoint_create(
        self, info: AdminInfo, input: EventEndpointCreateInput
    ) -> EventEndpointCreatePayload:
        def fail(error: LoyaltyUserError) -> EventEndpointCreatePayload:
            return EventEndpointCreatePayload(endpoint=None, secret=None, user_errors=[error])

        merchant_id = info.context.viewer.merchant_id
        url = input.url.strip()
        if (problem := url_problem(url, development=info.context.services.development)) is not None:
            return fail(invalid(problem, "url"))
        outgoing = info.context.services.outgoing
        if outgoing is not None and (problem := await outgoing(url)) is not None:
            return fail(invalid(problem, "url"))
        kinds: list[str] = []
        for i, kind in enumerate(input.kinds or ()):
            if kind not in EVENT_KINDS:
                return fail(invalid(f"{kind!r} is not an event kind; use {', '.join(EVENT_KINDS)}", "kinds", str(i)))
            if kind not in kinds:
                kinds.append(kind)
        if await lm.Endpoint.filter(merchant_id=merchant_id).count() >= MAX_ENDPOINTS:
            return fail(invalid(f"a merchant has at most {MAX_ENDPOINTS} endpoints; delete one first", "url"))
        secret = secrets.token_urlsafe(32)
        row = await register_endpoint(merchant_id, url, secret, kinds)
        return EventEndpointCreatePayload(endpoint=EventEndpointNode.of(row), secret=secret, user_errors=[])

    @strawberry.mutation(description="Stop sending events to an endpoint and forget it, with its pending deliveries")
    async def event_endpoint_delete(
        self, info: AdminInfo, input: EventEndpointDeleteInput
    ) -> EventEndpointDeletePayload:
        pk = pk_of(input.id, "EventEndpoint")
        deleted = await lm.Endpoint.filter(id=pk, merchant_id=info.context.viewer.merchant_id).delete() if pk else 0
        if not deleted:
            return EventEndpointDeletePayload(
                deleted_id=None, user_errors=[not_found("no such event endpoint of this merchant", "id")]
            )
        return EventEndpointDeletePayload(deleted_id=to_gid("EventEndpoint", pk), user_errors=[])
