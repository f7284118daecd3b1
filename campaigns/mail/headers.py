"""The MIME message sent for a rendered email: both parts, a Message-ID that names the row, and
for marketing the one-click unsubscribe headers mailbox providers show as a button (RFC 8058)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from campaigns.mail.render import Rendered


def message_id(merchant_id: int, message_row_id: int, mail_from: str) -> str:
    """The same Message-ID for every try of one message, so a duplicate can be recognised."""
    domain = mail_from.rpartition("@")[2] or "rapport.invalid"
    return f"<rapport.{merchant_id}.{message_row_id}@{domain}>"


def to_email_message(
    rendered: Rendered,
    *,
    mail_from: str,
    sender_name: str,
    to: str,
    message_id: str,
    unsubscribe_url: str,
    marketing: bool,
    date: datetime | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((sender_name, mail_from))
    message["To"] = Address(addr_spec=to)
    message["Subject"] = rendered.subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(date or datetime.now(UTC))
    if marketing:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
