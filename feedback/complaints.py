"""Complaints and requests: intake (widget, signed endpoint, dashboard), the thread, status,
assignee, and the times a service level is measured on.

Intake writes the complaint and the shopper's words at once. A caller's ``external_id`` (or a
shopper's request key, kept under a prefix no caller's id can start with) makes a repeat answer
the same complaint. Replies are recorded here and mailed by ``campaigns.complaint_mail``, which
tells ``replied`` whether the mail was queued: only a queued reply stops the response clock.
Notes are internal: recorded, never shown to the shopper, never mailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from feedback.errors import FeedbackNotFound, InvalidFeedback, WrongComplaintStatus
from feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintKind,
    ComplaintMessage,
    ComplaintStatus,
    FeedbackSource,
    MessageAuthor,
)
from store.models import Customer, Order

MAX_SUBJECT = 200
MAX_BODY = 5_000
MAX_KEY = 64
MAX_ASSIGNEE = 100
SHOPPER_DAILY_LIMIT = 10
"""Complaints one shopper may open from the widget in 24 hours (a flood is refused, with a reason)."""
SHOPPER_KEY_PREFIX = "#shopper:"
"""Widget request keys live under this prefix: a caller's external id must start with a letter or digit."""


class ComplaintLimitReached(InvalidFeedback):
    """The shopper opened ``SHOPPER_DAILY_LIMIT`` complaints in the last 24 hours."""


@dataclass(frozen=True)
class NewComplaint:
    merchant_id: int
    profile_id: int
    customer_id: int | None
    """The account replies are mailed to."""
    store_id: int | None
    order_id: int | None
    kind: ComplaintKind
    category: ComplaintCategory
    subject: str
    body: str
    source: FeedbackSource
    external_id: str | None = None
    author_name: str = ""


def reference(complaint: Complaint) -> str:
    """What the shopper and the merchant quote: ``C-000123`` (its number, never a guess at another's)."""
    return f"C-{complaint.id:06d}"


def clean_text(value: str, limit: int, path: tuple[str, ...], *, required: bool = True) -> str:
    """Trimmed text within ``limit`` characters; empty refused when ``required``."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidFeedback(f"{path[-1]} must not be empty", path)
    if len(text) > limit:
        raise InvalidFeedback(f"{path[-1]} is at most {limit:,} characters", path)
    return text


def shopper_key(customer_id: int, request_key: str) -> str:
    key = request_key.strip()
    if not 1 <= len(key) <= MAX_KEY:
        raise InvalidFeedback(f"requestKey must be 1 to {MAX_KEY} characters", ("requestKey",))
    return f"{SHOPPER_KEY_PREFIX}{customer_id}:{key}"


async def check_shopper_limit(customer_id: int, now: datetime) -> None:
    since = now - timedelta(days=1)
    opened = await Complaint.filter(
        customer_id=customer_id, source=FeedbackSource.WIDGET, received_at__gt=since
    ).count()
    if opened >= SHOPPER_DAILY_LIMIT:
        raise ComplaintLimitReached(
            f"you have sent {SHOPPER_DAILY_LIMIT} requests in the last 24 hours; "
            "please wait for an answer or try again tomorrow",
            (),
        )


async def open_complaint(new: NewComplaint, now: datetime) -> tuple[Complaint, bool]:
    """The complaint and whether it is new (False: the same ``external_id`` was seen before)."""
    subject = clean_text(new.subject, MAX_SUBJECT, ("subject",))
    body = clean_text(new.body, MAX_BODY, ("body",))
    if new.external_id is not None:
        existing = await Complaint.get_or_none(merchant_id=new.merchant_id, external_id=new.external_id)
        if existing is not None:
            return existing, False
    try:
        async with in_transaction():
            complaint = await Complaint.create(
                merchant_id=new.merchant_id,
                profile_id=new.profile_id,
                customer_id=new.customer_id,
                store_id=new.store_id,
                order_id=new.order_id,
                kind=new.kind,
                category=new.category,
                status=ComplaintStatus.OPEN,
                source=new.source,
                external_id=new.external_id,
                subject=subject,
                received_at=now,
            )
            await ComplaintMessage.create(
                complaint=complaint,
                author=MessageAuthor.SHOPPER,
                author_name=new.author_name,
                body=body,
                created_at=now,
            )
    except IntegrityError:
        if new.external_id is None:
            raise
        # the same id posted twice at once: the other call's complaint stands
        return await Complaint.get(merchant_id=new.merchant_id, external_id=new.external_id), False
    return complaint, True


async def complaint_of(merchant_id: int, complaint_id: int) -> Complaint:
    """The merchant's complaint; another merchant's id is not found."""
    found = await Complaint.get_or_none(id=complaint_id, merchant_id=merchant_id)
    if found is None:
        raise FeedbackNotFound("no such complaint", ("complaintId",))
    return found


async def own_order(order_id: int, *, merchant_id: int, customer_ids: list[int]) -> Order:
    """An order of one of the given accounts (the shopper's own, or the profile's), else a field error."""
    order = await Order.get_or_none(id=order_id, merchant_id=merchant_id, customer_id__in=customer_ids, deleted_at=None)
    if order is None:
        raise InvalidFeedback("no such order among this customer's orders", ("orderId",))
    return order


async def accounts_of_profile(merchant_id: int, profile_id: int) -> list[Customer]:
    """The live accounts a profile holds (owned, or linked and owned by no one), best first."""
    return (
        await Customer.filter(
            Q(owner_id=profile_id) | Q(profile_id=profile_id, owner_id=None), merchant_id=merchant_id, deleted_at=None
        )
        .order_by("is_guest", "-verified_email", "id")
        .all()
    )


async def add_note(complaint: Complaint, body: str, author_name: str, now: datetime) -> ComplaintMessage:
    """An internal note: stops no clock, is never shown to the shopper nor mailed."""
    text = clean_text(body, MAX_BODY, ("body",))
    return await ComplaintMessage.create(
        complaint=complaint,
        author=MessageAuthor.NOTE,
        author_name=author_name[:MAX_ASSIGNEE],
        body=text,
        created_at=now,
    )


async def add_reply(complaint: Complaint, body: str, author_name: str, now: datetime) -> ComplaintMessage:
    """The merchant's reply, before it is mailed (a resolved complaint is reopened first)."""
    text = clean_text(body, MAX_BODY, ("body",))
    if complaint.status == ComplaintStatus.RESOLVED:
        raise WrongComplaintStatus("the complaint is resolved: reopen it before replying", ("complaintId",))
    return await ComplaintMessage.create(
        complaint=complaint,
        author=MessageAuthor.MERCHANT,
        author_name=author_name[:MAX_ASSIGNEE],
        body=text,
        created_at=now,
    )


async def replied(
    complaint: Complaint,
    reply: ComplaintMessage,
    *,
    mail_id: int | None,
    queued: bool,
    resolve: bool,
    now: datetime,
) -> Complaint:
    """Record the reply's mail; a queued reply is the first response if none came before it;
    the complaint waits for the shopper, or is resolved."""
    await ComplaintMessage.filter(id=reply.id).update(message_id=mail_id)
    reply.message_id = mail_id
    if queued:
        await Complaint.filter(id=complaint.id, first_response_at=None).update(first_response_at=now)
    values: dict[str, object] = {"status": ComplaintStatus.RESOLVED if resolve else ComplaintStatus.WAITING}
    if resolve:
        values["resolved_at"] = now
    await Complaint.filter(id=complaint.id).update(**values)
    return await Complaint.get(id=complaint.id)


async def update_complaint(
    complaint: Complaint,
    *,
    now: datetime,
    status: ComplaintStatus | None = None,
    assignee: str | None = None,
    category: ComplaintCategory | None = None,
) -> Complaint:
    """Change status, assignee or category: resolving sets ``resolved_at`` (once), reopening clears it."""
    values: dict[str, object] = {}
    if assignee is not None:
        values["assignee"] = clean_text(assignee, MAX_ASSIGNEE, ("assignee",), required=False)
    if category is not None:
        values["category"] = category
    if status is not None and status != complaint.status:
        values["status"] = status
        values["resolved_at"] = now if status == ComplaintStatus.RESOLVED else None
    if values:
        await Complaint.filter(id=complaint.id).update(**values)
    return await Complaint.get(id=complaint.id)


async def thread(complaint_ids: list[int], *, shopper: bool) -> dict[int, list[ComplaintMessage]]:
    """Each complaint's messages, oldest first; the shopper's view leaves out internal notes."""
    found: dict[int, list[ComplaintMessage]] = {cid: [] for cid in complaint_ids}
    rows = ComplaintMessage.filter(complaint_id__in=complaint_ids)
    if shopper:
        rows = rows.exclude(author=MessageAuthor.NOTE)
    for message in await rows.order_by("created_at", "id"):
        found[message.complaint_id].append(message)
    return found
