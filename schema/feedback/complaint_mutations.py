"""Complaint mutations: the shopper's ``complaintCreate`` (storefront), and the merchant's
``complaintCreate``, ``complaintReply`` (mailed), ``complaintNote`` (internal) and
``complaintUpdate`` (admin).

The shopper files only for themselves: their account on this store, one of its orders, a
``requestKey`` that makes a double submit one complaint, and at most
``feedback.complaints.SHOPPER_DAILY_LIMIT`` a day. The merchant acts only on its own complaints
and profiles: another merchant's id is not found. Refusals are ``userErrors``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from campaigns.complaint_mail import reply_to_complaint
from campaigns.models import MessageStatus
from feedback import complaints as domain
from feedback.errors import FeedbackError, FeedbackNotFound, InvalidFeedback
from feedback.models import Complaint, FeedbackSource
from schema.campaigns.types import MessageNode
from schema.core.context import AdminInfo, StorefrontInfo
from schema.core.errors import UserError
from schema.core.ids import pk_of
from schema.feedback.complaints import ComplaintNode, ShopperComplaint
from schema.feedback.enums import ComplaintCategory, ComplaintKind, ComplaintStatus, FeedbackErrorCode
from store.models import Customer
from store.people import ensure_profiles


@strawberry.type(description="Why a complaint mutation did nothing")
class ComplaintUserError(UserError):
    code: FeedbackErrorCode = strawberry.field(
        description="NOT_FOUND, INVALID (a field, or too many requests today), WRONG_STATUS"
    )


def refusal(exc: FeedbackError) -> list[ComplaintUserError]:
    return [
        ComplaintUserError(
            field=["input", *exc.path] if exc.path else None, message=str(exc), code=FeedbackErrorCode(exc.code)
        )
    ]


def order_pk(order_id: strawberry.ID | None) -> int | None:
    if order_id is None:
        return None
    pk = pk_of(order_id, "Order")
    if pk is None:
        raise InvalidFeedback("orderId must be an Order id", ("orderId",))
    return pk


def complaint_pk(complaint_id: strawberry.ID) -> int:
    pk = pk_of(complaint_id, "Complaint")
    if pk is None:
        raise FeedbackNotFound("no such complaint", ("complaintId",))
    return pk


# -- storefront ---------------------------------------------------------------------------------


@strawberry.input(description="A complaint or request from the signed-in shopper")
class ComplaintCreateInput:
    category: ComplaintCategory = strawberry.field(description="what it is about")
    subject: str = strawberry.field(description=f"a line, at most {domain.MAX_SUBJECT} characters")
    body: str = strawberry.field(description=f"what happened or what they ask, at most {domain.MAX_BODY:,} characters")
    kind: ComplaintKind = strawberry.field(default=ComplaintKind.COMPLAINT, description="a complaint or a request")
    order_id: strawberry.ID | None = strawberry.field(
        default=None, description="one of the shopper's own orders on this store (me.orders), when it is about one"
    )
    request_key: str | None = strawberry.field(
        default=None,
        description=f"send the same key again (1-{domain.MAX_KEY} characters) to get the same complaint, not a second",
    )


@strawberry.type(description="The complaint filed, or why not")
class ComplaintCreatePayload:
    complaint: ShopperComplaint | None = strawberry.field(description="the complaint, with its reference")
    user_errors: list[ComplaintUserError] = strawberry.field(description="why nothing was filed, if it was not")


@strawberry.type
class ShopperComplaintMutations:
    @strawberry.mutation(
        description="File a complaint or request as the signed-in shopper; the store answers by email "
        f"(at most {domain.SHOPPER_DAILY_LIMIT} a day)"
    )
    async def complaint_create(self, info: StorefrontInfo, input: ComplaintCreateInput) -> ComplaintCreatePayload:
        customer_id = info.context.require_shopper()
        store = info.context.viewer.store
        now = datetime.now(UTC)
        try:
            me = await Customer.get_or_none(id=customer_id, store_id=store.id, deleted_at=None)
            if me is None:
                raise FeedbackNotFound("no such shopper on this store")
            key = domain.shopper_key(me.id, input.request_key) if input.request_key is not None else None
            if key is not None:
                seen = await Complaint.get_or_none(merchant_id=store.merchant_id, external_id=key)
                if seen is not None:
                    return ComplaintCreatePayload(complaint=ShopperComplaint.of(seen), user_errors=[])
            pk = order_pk(input.order_id)
            order = await domain.own_order(pk, merchant_id=store.merchant_id, customer_ids=[me.id]) if pk else None
            await domain.check_shopper_limit(me.id, now)
            profile_id = me.profile_id or (await ensure_profiles([me.id]))[me.id]
            complaint, _ = await domain.open_complaint(
                domain.NewComplaint(
                    merchant_id=store.merchant_id,
                    profile_id=profile_id,
                    customer_id=me.id,
                    store_id=store.id,
                    order_id=order.id if order else None,
                    kind=ComplaintKind(input.kind),
                    category=ComplaintCategory(input.category),
                    subject=input.subject,
                    body=input.body,
                    source=FeedbackSource.WIDGET,
                    external_id=key,
                ),
                now,
            )
        except FeedbackError as exc:
            return ComplaintCreatePayload(complaint=None, user_errors=refusal(exc))
        return ComplaintCreatePayload(complaint=ShopperComplaint.of(complaint), user_errors=[])


# -- admin --------------------------------------------------------------------------------------


@strawberry.input(description="A complaint or request the merchant records for a person (a call, a visit, a letter)")
class AdminComplaintCreateInput:
    profile_id: strawberry.ID = strawberry.field(description="the person it is from")
    category: ComplaintCategory = strawberry.field(description="what it is about")
    subject: str = strawberry.field(description=f"a line, at most {domain.MAX_SUBJECT} characters")
    body: str = strawberry.field(description=f"what they said, at most {domain.MAX_BODY:,} characters")
    kind: ComplaintKind = strawberry.field(default=ComplaintKind.COMPLAINT, description="a complaint or a request")
    order_id: strawberry.ID | None = strawberry.field(default=None, description="one of this person's orders")


@strawberry.input(description="A reply mailed to the shopper")
class ComplaintReplyInput:
    complaint_id: strawberry.ID = strawberry.field(description="the merchant's complaint")
    body: str = strawberry.field(
        description=f"the reply as the shopper reads it, at most {domain.MAX_BODY:,} characters"
    )
    resolve: bool = strawberry.field(default=False, description="also resolve the complaint (else it waits for them)")


@strawberry.input(description="An internal note: never shown to the shopper nor mailed")
class ComplaintNoteInput:
    complaint_id: strawberry.ID = strawberry.field(description="the merchant's complaint")
    body: str = strawberry.field(description=f"the note, at most {domain.MAX_BODY:,} characters")


@strawberry.input(description="Status, assignee or category; what is left out stays")
class ComplaintUpdateInput:
    complaint_id: strawberry.ID = strawberry.field(description="the merchant's complaint")
    status: ComplaintStatus | None = strawberry.field(
        default=None, description="RESOLVED sets resolvedAt; OPEN or WAITING clears it (reopened)"
    )
    assignee: str | None = strawberry.field(default=None, description='who handles it ("" for nobody)')
    category: ComplaintCategory | None = strawberry.field(default=None, description="what it is about")


@strawberry.type(description="The complaint after the change, or why there was none")
class ComplaintPayload:
    complaint: ComplaintNode | None = strawberry.field(description="the complaint as it is now")
    user_errors: list[ComplaintUserError] = strawberry.field(description="why nothing changed, if it did not")


@strawberry.type(description="The complaint after the reply, and the reply's email")
class ComplaintReplyPayload:
    complaint: ComplaintNode | None = strawberry.field(description="the complaint as it is now")
    email: MessageNode | None = strawberry.field(
        description="the reply's email: QUEUED, or SKIPPED with its reason (no address, bounced); only a queued "
        "reply counts as the first response"
    )
    user_errors: list[ComplaintUserError] = strawberry.field(description="why nothing was sent, if it was not")


async def _complaint(info: AdminInfo, complaint_id: strawberry.ID) -> Complaint:
    return await domain.complaint_of(info.context.viewer.merchant_id, complaint_pk(complaint_id))


@strawberry.type
class AdminComplaintMutations:
    @strawberry.mutation(description="Record a complaint or request for a person; the response clock starts now")
    async def complaint_create(self, info: AdminInfo, input: AdminComplaintCreateInput) -> ComplaintPayload:
        merchant_id = info.context.viewer.merchant_id
        try:
            pk = pk_of(input.profile_id, "Profile")
            profile = await info.context.loaders.profile.load(pk) if pk is not None else None
            if profile is None:
                raise FeedbackNotFound("no such profile", ("profileId",))
            accounts = await domain.accounts_of_profile(merchant_id, profile.id)
            order_id = order_pk(input.order_id)
            order = (
                await domain.own_order(order_id, merchant_id=merchant_id, customer_ids=[a.id for a in accounts])
                if order_id is not None
                else None
            )
            account = (
                next((a for a in accounts if a.id == order.customer_id), None)
                if order
                else next((a for a in accounts if a.email), accounts[0] if accounts else None)
            )
            complaint, _ = await domain.open_complaint(
                domain.NewComplaint(
                    merchant_id=merchant_id,
                    profile_id=profile.id,
                    customer_id=account.id if account else None,
                    store_id=order.store_id if order else (account.store_id if account else None),
                    order_id=order.id if order else None,
                    kind=ComplaintKind(input.kind),
                    category=ComplaintCategory(input.category),
                    subject=input.subject,
                    body=input.body,
                    source=FeedbackSource.DASHBOARD,
                ),
                datetime.now(UTC),
            )
        except FeedbackError as exc:
            return ComplaintPayload(complaint=None, user_errors=refusal(exc))
        return ComplaintPayload(complaint=ComplaintNode.of(complaint), user_errors=[])

    @strawberry.mutation(
        description="Reply to the shopper by email; the first reply queued stops the response clock. The complaint "
        "then waits for the shopper, or is resolved with resolve: true"
    )
    async def complaint_reply(self, info: AdminInfo, input: ComplaintReplyInput) -> ComplaintReplyPayload:
        try:
            complaint = await _complaint(info, input.complaint_id)
            sent = await reply_to_complaint(
                complaint,
                input.body,
                author_name=info.context.viewer.actor,
                resolve=input.resolve,
                now=datetime.now(UTC),
            )
        except FeedbackError as exc:
            return ComplaintReplyPayload(complaint=None, email=None, user_errors=refusal(exc))
        if sent.mail.status == MessageStatus.QUEUED and info.context.services.campaigns is not None:
            await info.context.services.campaigns.send(complaint.merchant_id)  # the shopper waits for it
        return ComplaintReplyPayload(
            complaint=ComplaintNode.of(sent.complaint), email=MessageNode.of(sent.mail), user_errors=[]
        )

    @strawberry.mutation(description="Add an internal note: never shown to the shopper, never mailed, stops no clock")
    async def complaint_note(self, info: AdminInfo, input: ComplaintNoteInput) -> ComplaintPayload:
        try:
            complaint = await _complaint(info, input.complaint_id)
            await domain.add_note(complaint, input.body, info.context.viewer.actor, datetime.now(UTC))
        except FeedbackError as exc:
            return ComplaintPayload(complaint=None, user_errors=refusal(exc))
        return ComplaintPayload(complaint=ComplaintNode.of(complaint), user_errors=[])

    @strawberry.mutation(description="Change a complaint's status, assignee or category")
    async def complaint_update(self, info: AdminInfo, input: ComplaintUpdateInput) -> ComplaintPayload:
        try:
            complaint = await _complaint(info, input.complaint_id)
            updated = await domain.update_complaint(
                complaint,
                now=datetime.now(UTC),
                status=ComplaintStatus(input.status) if input.status is not None else None,
                assignee=input.assignee,
                category=ComplaintCategory(input.category) if input.category is not None else None,
            )
        except FeedbackError as exc:
            return ComplaintPayload(complaint=None, user_errors=refusal(exc))
        return ComplaintPayload(complaint=ComplaintNode.of(updated), user_errors=[])
