"""Sending queued mail over SMTP (aiosmtplib), one connection per batch, and recording each
server's answer as it comes.

A worker leases the messages it takes (SENDING until ``lease_until``) and writes each answer while
the next message is on the wire, so a worker that dies leaves the messages it had not sent (and at
most the one answer it was writing); their lease lapses and they go back to the queue. Accepted: SENT. A temporary refusal (4xx) or a
server that cannot be reached: tried again after a backoff (1 min, doubling, at most 6 h), then
FAILED after ``MAX_ATTEMPTS``. A recipient refused for good (5xx at RCPT): BOUNCED, and the
address is suppressed. Any other permanent refusal: FAILED. Without ``SMTP_URL`` nothing is
sent and nothing is lost: messages wait, queued.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

import aiosmtplib
from liquid.exceptions import LiquidError

from campaigns.mail.headers import message_id as message_id_of
from campaigns.mail.headers import to_email_message
from campaigns.mail.render import render, sender_of
from campaigns.models import Campaign, Message, MessageKind, MessageStatus, Suppression, SuppressionReason
from campaigns.outbox import suppressions
from campaigns.settings import MailConfig, load_mail_config
from campaigns.unsubscribe import Links
from store.models import Merchant

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
LEASE = timedelta(minutes=10)
TIMEOUT_SECONDS = 30.0
_warned_unset = False
Record = Callable[[], Awaitable[None]]
"""Writes one server's answer (or a skip) to the message's row."""


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0
    waiting: int = 0
    """Messages due but left queued (no SMTP_URL, or the batch stopped at a dropped connection)."""
    disabled: bool = False

    @property
    def taken(self) -> int:
        return self.sent + self.retrying + self.failed + self.bounced + self.skipped


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def smtp_target(url: str) -> SmtpTarget:
    """``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers it) or ``smtps://`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("must be smtp://host:port or smtps://host:port")
    tls = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, attempts - 1))


async def release_lapsed(now: datetime) -> int:
    """Messages whose worker died before the server answered go back to the queue."""
    return await Message.filter(status=MessageStatus.SENDING, lease_until__lt=now, sent_at=None).update(
        status=MessageStatus.QUEUED, lease_until=None
    )


async def lease(now: datetime, limit: int, merchant_id: int | None) -> list[Message]:
    """Take up to ``limit`` due messages in one conditional update. Each worker's lease ends at an
    instant of its own (a random microsecond past ``now + LEASE``), so it reads back exactly the
    rows it claimed, and two workers never take the same one."""
    due = Message.filter(status=MessageStatus.QUEUED, send_after__lte=now)
    if merchant_id is not None:
        due = due.filter(merchant_id=merchant_id)
    ids = await due.order_by("send_after", "id").limit(limit).values_list("id", flat=True)
    if not ids:
        return []
    until = now + LEASE + timedelta(microseconds=secrets.randbelow(1_000_000))
    await Message.filter(id__in=ids, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, lease_until=until
    )
    return await Message.filter(id__in=ids, status=MessageStatus.SENDING, lease_until=until).order_by(
        "send_after", "id"
    )


async def _finish(message: Message, **values: object) -> None:
    await Message.filter(id=message.id, status=MessageStatus.SENDING).update(lease_until=None, **values)


async def _retry(message: Message, now: datetime, error: str, report: SendReport) -> None:
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await _finish(
            message, status=MessageStatus.FAILED, attempts=attempts, reason="tries_exhausted", last_error=error[:2000]
        )
        report.failed += 1
        return
    await _finish(
        message,
        status=MessageStatus.QUEUED,
        attempts=attempts,
        send_after=now + backoff(attempts),
        last_error=error[:2000],
    )
    report.retrying += 1


async def _bounce(message: Message, address: str, error: str, report: SendReport) -> None:
    await _finish(
        message, status=MessageStatus.BOUNCED, attempts=message.attempts + 1, reason="hard_bounce", last_error=error
    )
    email = address.strip().lower()
    updated = await Suppression.filter(merchant_id=message.merchant_id, email=email).update(
        reason=SuppressionReason.BOUNCED, detail=error[:300]
    )
    if not updated:
        await Suppression.get_or_create(
            merchant_id=message.merchant_id,
            email=email,
            defaults={"reason": SuppressionReason.BOUNCED, "detail": error[:300]},
        )
    report.bounced += 1


async def send_due(
    *,
    smtp_url: str | None,
    mail_from: str,
    base_url: str,
    key: bytes,
    now: datetime,
    limit: int = 500,
    merchant_id: int | None = None,
) -> SendReport:
    """Send up to ``limit`` messages due at ``now``; see the module's docstring for the outcomes."""
    global _warned_unset
    await release_lapsed(now)
    report = SendReport()
    if not smtp_url:
        due = Message.filter(status=MessageStatus.QUEUED, send_after__lte=now)
        report.waiting = await (due.filter(merchant_id=merchant_id) if merchant_id else due).count()
        report.disabled = True
        if not _warned_unset and report.waiting:
            log.warning("SMTP_URL is not set: %s messages stay queued until it is", report.waiting)
            _warned_unset = True
        return report
    messages = await lease(now, limit, merchant_id)
    if not messages:
        return report
    target = smtp_target(smtp_url)
    links = Links([key])
    base = base_url.rstrip("/")
    merchant_ids = {m.merchant_id for m in messages}
    merchants = {m.id: m for m in await Merchant.filter(id__in=sorted(merchant_ids))}
    configs: dict[int, MailConfig] = {mid: await load_mail_config(mid) for mid in merchant_ids}
    campaign_ids = {m.campaign_id for m in messages if m.campaign_id}
    campaigns = {c.id: c for c in await Campaign.filter(id__in=sorted(campaign_ids))} if campaign_ids else {}
    addresses: dict[int, set[str]] = defaultdict(set)
    for m in messages:
        if m.to_email:
            addresses[m.merchant_id].add(m.to_email.strip().lower())
    blocked = {mid: await suppressions(mid, found) for mid, found in addresses.items()}
    client = aiosmtplib.SMTP(
        hostname=target.host,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.tls,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        await client.connect()
    except (aiosmtplib.SMTPException, OSError) as exc:
        for message in messages:
            await _retry(message, now, f"cannot reach the SMTP server: {exc}", report)
        return report
    writing: asyncio.Task[None] | None = None
    try:
        for index, message in enumerate(messages):
            if not client.is_connected:
                if writing is not None:
                    await writing
                    writing = None
                await _release(messages[index:], report)
                break
            record = await _send_one(
                client,
                message,
                merchant=merchants[message.merchant_id],
                config=configs[message.merchant_id],
                campaign=campaigns.get(message.campaign_id) if message.campaign_id else None,
                blocked=blocked.get(message.merchant_id, {}),
                links=links,
                base=base,
                mail_from=mail_from,
                now=now,
                report=report,
            )
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(record())
    finally:
        if writing is not None:
            await writing
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    return report


async def _release(messages: list[Message], report: SendReport) -> None:
    """Messages not tried at all go back to the queue as they were."""
    for message in messages:
        await _finish(message, status=MessageStatus.QUEUED)
        report.waiting += 1


async def _send_one(
    client: aiosmtplib.SMTP,
    message: Message,
    *,
    merchant: Merchant,
    config: MailConfig,
    campaign: Campaign | None,
    blocked: dict[str, SuppressionReason],
    links: Links,
    base: str,
    mail_from: str,
    now: datetime,
    report: SendReport,
) -> Record:
    """Try one message on the open connection; returns how to record the answer, which the caller
    writes while the next message is on the wire."""
    address = message.to_email
    marketing = message.kind == MessageKind.MARKETING
    reason = blocked.get(address.strip().lower()) if address else None
    if address is None or (reason is not None and (marketing or reason != SuppressionReason.UNSUBSCRIBED)):
        report.skipped += 1
        return lambda: _finish(message, status=MessageStatus.SKIPPED, reason=str(reason or "no_address"))
    unsubscribe_url = f"{base}/email/unsubscribe?t={links.unsubscribe_token(message.merchant_id, address)}"
    open_url = f"{base}/email/open/{links.open_token(message.id)}.gif"
    try:
        rendered = render(
            message, merchant, config, campaign=campaign, unsubscribe_url=unsubscribe_url, open_url=open_url
        )
    except LiquidError as exc:
        problem = str(exc)[:2000]
        report.failed += 1
        return lambda: _finish(message, status=MessageStatus.FAILED, reason="template", last_error=problem)
    header_id = message_id_of(message.merchant_id, message.id, mail_from)
    email = to_email_message(
        rendered,
        mail_from=mail_from,
        sender_name=sender_of(merchant, config),
        to=address,
        message_id=header_id,
        unsubscribe_url=unsubscribe_url,
        marketing=marketing,
        date=now,
    )
    try:
        await client.send_message(email, sender=mail_from, recipients=[address])
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients[0] if exc.recipients else None
        code = refused.code if refused else 550
        error = f"{code} {refused.message if refused else exc}"
        if 500 <= code < 600:
            return lambda: _bounce(message, address, error, report)
        return lambda: _retry(message, now, error, report)
    except aiosmtplib.SMTPResponseException as exc:
        error = f"{exc.code} {exc.message}"
        if 400 <= exc.code < 500:
            return lambda: _retry(message, now, error, report)
        report.failed += 1
        return lambda: _finish(
            message, status=MessageStatus.FAILED, attempts=message.attempts + 1, reason="rejected", last_error=error
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
        return lambda: _retry(message, now, failure, report)
    report.sent += 1
    return lambda: _finish(
        message,
        status=MessageStatus.SENT,
        sent_at=now,
        attempts=message.attempts + 1,
        subject=rendered.subject[:300],
        message_id=header_id,
        last_error=None,
    )
