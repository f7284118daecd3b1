"""The reply to a complaint or request, mailed to the shopper with the merchant's words and the
complaint's reference.

It answers the shopper's own request, so it is transactional: no marketing consent needed,
unsubscribes ignored, quiet hours skipped; an address that bounced or complained gets nothing
(``campaigns.outbox``). The merchant's text is data, never a template: it is shown as written.
Only a reply whose mail was queued stops the response clock (``feedback.complaints.replied``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from campaigns.models import Message, MessageKind, MessageStatus
from campaigns.outbox import MessageRequest, queue_messages
from feedback.complaints import add_reply, reference, replied
from feedback.models import Complaint, ComplaintMessage
from store.models import Customer, Store

COMPLAINT_REPLY = "complaint_reply"


@dataclass(frozen=True)
class SentReply:
    complaint: Complaint
    reply: ComplaintMessage
    mail: Message
    """QUEUED, or SKIPPED with its reason (no address, bounced, complained)."""


async def _recipient(complaint: Complaint) -> tuple[int, str | None]:
    """The member key whose accounts the outbox writes to (the complaint's account's holder) and
    the shopper's first name."""
    account = await Customer.get_or_none(id=complaint.customer_id) if complaint.customer_id else None
    if account is None:
        return complaint.profile_id, None
    return account.owner_id or account.profile_id or complaint.profile_id, account.first_name


async def reply_to_complaint(
    complaint: Complaint, body: str, *, author_name: str, resolve: bool, now: datetime
) -> SentReply:
    """Record the reply, queue its email, and move the complaint on (WAITING, or RESOLVED)."""
    message = await add_reply(complaint, body, author_name, now)
    holder, first_name = await _recipient(complaint)
    store = (
        await Store.get_or_none(id=complaint.store_id, merchant_id=complaint.merchant_id)
        if complaint.store_id
        else None
    )
    domain = store.domain if store else ""
    url = domain if domain.startswith(("http://", "https://")) else (f"https://{domain}" if domain else "")
    (mail,) = await queue_messages(
        [
            MessageRequest(
                merchant_id=complaint.merchant_id,
                key=f"complaint-reply:{message.id}",
                kind=MessageKind.TRANSACTIONAL,
                template=COMPLAINT_REPLY,
                profile_id=holder,
                store_id=complaint.store_id,
                data={
                    "first_name": first_name,
                    "reference": reference(complaint),
                    "complaint_subject": complaint.subject,
                    "reply": message.body,
                    "store_name": (store.name or store.domain) if store else None,
                    "store_url": url.rstrip("/") or None,
                },
            )
        ],
        now,
    )
    updated = await replied(
        complaint,
        message,
        mail_id=mail.id,
        queued=mail.status == MessageStatus.QUEUED,
        resolve=resolve,
        now=now,
    )
    return SentReply(complaint=updated, reply=message, mail=mail)
