"""A real SMTP server for tests (aiosmtpd in a thread of its own), which keeps what it received
and can be told to refuse: a recipient for good (550), the next messages for now (451), or to
be down altogether."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.servers import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def part(self, subtype: str) -> str:
        """The text of the ``plain`` or ``html`` part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Mailbox:
    """What the server received, and the faults it plays next."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    """Recipients answered 550 at RCPT TO (a hard bounce)."""
    defer: int = 0
    """How many of the next messages get 451 after DATA (a temporary failure)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address.lower() in (t.lower() for t in r.rcpt_tos)]

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.defer > 0:
                self.defer -= 1
                return "451 4.3.0 try again later"
            raw = envelope.original_content or b""
            message: Any = email.message_from_bytes(raw, policy=email.policy.default)
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Down: connections are refused until ``start`` again."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
