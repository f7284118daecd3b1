"""Complaints and requests in both APIs.

The storefront shows the signed-in shopper their own complaints (newest first) with the thread as
they may see it: their words and the merchant's replies, never internal notes nor the assignee.
The admin API lists the merchant's complaints with filters and shows each one whole: status,
assignee, notes, and its service level (minutes to the first reply and to resolution, and whether
either target was missed, against the merchant's targets now). Threads, orders and the targets are
read through the request's feedback loaders (``schema.feedback.dataloaders``), scoped to the merchant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Q

from feedback.complaints import reference
from feedback.models import Complaint, ComplaintMessage
from feedback.service_levels import (
    Targets,
    first_response_minutes,
    resolution_breached,
    resolution_minutes,
    response_breached,
)
from schema.core.arguments import Window
from schema.core.context import AdminInfo, StorefrontInfo
from schema.core.ids import expect_pk, to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate
from schema.feedback.enums import ComplaintCategory, ComplaintKind, ComplaintStatus, FeedbackSource, MessageAuthor
from schema.orders.types import OrderNode
from schema.people.types import ProfileNode
from store.models import Customer

COMPLAINTS = Ordering("received_at")
MAX_SHOPPER_COMPLAINTS = 50


@strawberry.type(name="ComplaintThreadMessage", description="A message of a complaint's thread, as the shopper sees it")
class ComplaintThreadMessage:
    author: MessageAuthor = strawberry.field(description="SHOPPER (their words) or MERCHANT (a reply, also mailed)")
    body: str = strawberry.field(description="the text as written")
    created_at: datetime = strawberry.field(description="when it was written")

    @classmethod
    def of(cls, row: ComplaintMessage) -> ComplaintThreadMessage:
        return cls(author=MessageAuthor(row.author), body=row.body, created_at=row.created_at)


@strawberry.type(name="ShopperComplaint", description="One of the signed-in shopper's complaints or requests")
class ShopperComplaint:
    row: strawberry.Private[Complaint]
    id: strawberry.ID = strawberry.field(description="the complaint's id")
    reference: str = strawberry.field(description="what to quote when writing about it, e.g. C-000123")
    kind: ComplaintKind = strawberry.field(description="a complaint or a request")
    category: ComplaintCategory = strawberry.field(description="what it is about")
    status: ComplaintStatus = strawberry.field(
        description="OPEN (waiting for the store), WAITING (the store answered) or RESOLVED"
    )
    subject: str = strawberry.field(description="the subject as the shopper wrote it")
    received_at: datetime = strawberry.field(description="when the store received it")

    @strawberry.field(description="the shopper's words and the store's replies, oldest first (no internal notes)")
    async def messages(self, info: StorefrontInfo) -> list[ComplaintThreadMessage]:
        rows = await info.context.loaders.feedback.complaint_thread.load(self.row.id)
        return [ComplaintThreadMessage.of(m) for m in rows if m.author != MessageAuthor.NOTE]

    @classmethod
    def of(cls, row: Complaint) -> ShopperComplaint:
        return cls(
            row=row,
            id=to_gid("Complaint", row.id),
            reference=reference(row),
            kind=ComplaintKind(row.kind),
            category=ComplaintCategory(row.category),
            status=ComplaintStatus(row.status),
            subject=row.subject,
            received_at=row.received_at,
        )


async def shopper_account_ids(info: StorefrontInfo) -> list[int]:
    """The accounts whose complaints the signed-in shopper sees: their own, and the accounts whose
    loyalty owner they are (ownership established), never a profile insights merely guessed."""
    viewer = info.context.viewer
    if viewer.customer_id is None:
        return []
    me = await Customer.get_or_none(id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None)
    if me is None:
        return []
    holder = me.owner_id or me.profile_id
    if holder is None:
        return [me.id]
    owned = await Customer.filter(
        Q(owner_id=holder) | Q(profile_id=holder, owner_id=None), merchant_id=me.merchant_id, deleted_at=None
    ).values_list("id")
    return sorted({me.id, *(pk for (pk,) in owned)})


async def shopper_complaints(info: StorefrontInfo, first: int = 10) -> list[ShopperComplaint]:
    """The signed-in shopper's own complaints, newest first (for ``ShopperFeedback.complaints``)."""
    accounts = await shopper_account_ids(info)
    if not accounts:
        return []
    limit = max(0, min(first, MAX_SHOPPER_COMPLAINTS))
    rows = (
        await Complaint.filter(merchant_id=info.context.viewer.store.merchant_id, customer_id__in=accounts)
        .order_by("-received_at", "-id")
        .limit(limit)
    )
    return [ShopperComplaint.of(row) for row in rows]


@strawberry.type(name="ComplaintMessage", description="A message of a complaint: the shopper's, a reply, or a note")
class ComplaintMessageNode:
    id: strawberry.ID = strawberry.field(description="the message's id")
    author: MessageAuthor = strawberry.field(
        description="SHOPPER, MERCHANT (a reply, mailed to the shopper) or NOTE (internal, never shown or sent)"
    )
    author_name: str = strawberry.field(description="who wrote a reply or note, as the dashboard gave it")
    body: str = strawberry.field(description="the text as written")
    created_at: datetime = strawberry.field(description="when it was written")
    mailed: bool = strawberry.field(description="a reply whose email was made (see the send log for its fate)")

    @classmethod
    def of(cls, row: ComplaintMessage) -> ComplaintMessageNode:
        return cls(
            id=to_gid("ComplaintMessage", row.id),
            author=MessageAuthor(row.author),
            author_name=row.author_name,
            body=row.body,
            created_at=row.created_at,
            mailed=row.message_id is not None,
        )


@strawberry.type(name="Complaint", description="A complaint or request, its thread and how fast it was handled")
class ComplaintNode(Node):
    row: strawberry.Private[Complaint]
    reference: str = strawberry.field(description="what the shopper quotes, e.g. C-000123")
    kind: ComplaintKind = strawberry.field(description="a complaint or a request")
    category: ComplaintCategory = strawberry.field(description="what it is about")
    status: ComplaintStatus = strawberry.field(description="OPEN, WAITING (answered) or RESOLVED")
    source: FeedbackSource = strawberry.field(description="where it came from: WIDGET, API, DASHBOARD...")
    subject: str = strawberry.field(description="the subject (blank after the person's erasure)")
    assignee: str = strawberry.field(description="who handles it; empty when nobody")
    received_at: datetime = strawberry.field(description="intake: both clocks start here")
    first_response_at: datetime | None = strawberry.field(
        description="when the first reply was queued for the shopper; notes do not count"
    )
    resolved_at: datetime | None = strawberry.field(description="when it was resolved; cleared when reopened")

    @strawberry.field(description="the caller's id, for a complaint posted to /hooks/complaints")
    def external_id(self) -> str | None:
        value = self.row.external_id
        return value if value and value[0].isalnum() else None

    @strawberry.field(description="minutes from intake to the first reply; null until one is sent")
    def first_response_minutes(self) -> float | None:
        return first_response_minutes(self.row.received_at, self.row.first_response_at)

    @strawberry.field(description="minutes from intake to resolution; null while unresolved")
    def resolution_minutes(self) -> float | None:
        return resolution_minutes(self.row.received_at, self.row.resolved_at)

    @strawberry.field(
        description="the first reply came later than the merchant's response target, or has not come and the target "
        "has passed (exactly on the target is in time)"
    )
    async def response_breached(self, info: AdminInfo) -> bool:
        targets = await info.context.loaders.feedback.targets.load(self.row.merchant_id)
        return response_breached(self.row.received_at, self.row.first_response_at, targets, datetime.now(UTC))

    @strawberry.field(description="resolved later than the merchant's resolution target, or unresolved past it")
    async def resolution_breached(self, info: AdminInfo) -> bool:
        targets = await info.context.loaders.feedback.targets.load(self.row.merchant_id)
        return resolution_breached(self.row.received_at, self.row.resolved_at, targets, datetime.now(UTC))

    @strawberry.field(description="the person it is from")
    async def profile(self, info: AdminInfo) -> ProfileNode | None:
        row = await info.context.loaders.profile.load(self.row.profile_id)
        return ProfileNode.of(row) if row else None

    @strawberry.field(description="the order it is about, when one was given")
    async def order(self, info: AdminInfo) -> OrderNode | None:
        if self.row.order_id is None:
            return None
        row = await info.context.loaders.feedback.order.load(self.row.order_id)
        return OrderNode.of(row) if row else None

    @strawberry.field(description="the thread, oldest first: the shopper's words, replies and internal notes")
    async def messages(self, info: AdminInfo) -> list[ComplaintMessageNode]:
        rows = await info.context.loaders.feedback.complaint_messages.load(self.row.id)
        return [ComplaintMessageNode.of(m) for m in rows]

    @classmethod
    def of(cls, row: Complaint) -> ComplaintNode:
        return cls(
            id=to_gid("Complaint", row.id),
            row=row,
            reference=reference(row),
            kind=ComplaintKind(row.kind),
            category=ComplaintCategory(row.category),
            status=ComplaintStatus(row.status),
            source=FeedbackSource(row.source),
            subject=row.subject,
            assignee=row.assignee,
            received_at=row.received_at,
            first_response_at=row.first_response_at,
            resolved_at=row.resolved_at,
        )


async def complaint_node(info: AdminInfo, pk: int) -> ComplaintNode | None:
    """``node(id:)`` for a Complaint: only the caller's merchant's."""
    row = await Complaint.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id)
    return ComplaintNode.of(row) if row else None


def breached_ids(rows: list[Any], targets: Targets, now: datetime) -> list[int]:
    """The ids among ``(id, received, first response, resolved)`` rows that missed either target at ``now``."""
    return [
        pk
        for pk, received, responded, resolved in rows
        if response_breached(received, responded, targets, now) or resolution_breached(received, resolved, targets, now)
    ]


@strawberry.type
class ComplaintQueries:
    @strawberry.field(description="The merchant's complaints and requests, newest first")
    async def complaints(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: Annotated[
            list[ComplaintStatus] | None, strawberry.argument(description="only complaints in these statuses")
        ] = None,
        breached: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only complaints that missed the response or resolution target (as of now); "
                "false: only those within both"
            ),
        ] = None,
        profile_id: Annotated[strawberry.ID | None, strawberry.argument(description="only this person's")] = None,
        assignee: Annotated[
            str | None, strawberry.argument(description='only this assignee\'s ("" for unassigned)')
        ] = None,
    ) -> Connection[ComplaintNode]:
        request = Window(first, after, last, before).request(COMPLAINTS)
        merchant_id = info.context.viewer.merchant_id
        queryset = Complaint.filter(merchant_id=merchant_id)
        if status:
            queryset = queryset.filter(status__in=[s.value for s in status])
        if profile_id is not None:
            queryset = queryset.filter(profile_id=expect_pk(profile_id, "Profile", argument="profileId"))
        if assignee is not None:
            queryset = queryset.filter(assignee=assignee.strip())
        if breached is not None:
            targets = await info.context.loaders.feedback.targets.load(merchant_id)
            rows = await queryset.values_list("id", "received_at", "first_response_at", "resolved_at")
            late = breached_ids(rows, targets, datetime.now(UTC))
            queryset = queryset.filter(id__in=late) if breached else queryset.exclude(id__in=late)
        return await paginate(queryset, COMPLAINTS, request, ComplaintNode.of)

    @strawberry.field(description="A complaint of this merchant by id; another merchant's is null")
    async def complaint(self, info: AdminInfo, id: strawberry.ID) -> ComplaintNode | None:
        return await complaint_node(info, expect_pk(id, "Complaint"))
