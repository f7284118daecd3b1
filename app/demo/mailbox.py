"""The demo's mail: an SMTP server beside the app that keeps every message it accepts as an .eml
file, and the read-only routes the demo mailbox page (``/demo/mailbox.html``) reads them from.

The server is aiosmtpd's (a dependency for ``rapport demo``), in a thread of the demo process;
nothing leaves the machine. The routes exist only when ``DEMO_MAILBOX`` names the directory
(``rapport demo`` sets it), and answer only for file names the sink itself wrote.
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from app.settings import Settings

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, Envelope, Session

NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{32}\.eml$")
"""What the sink names a message: its arrival time (sortable) and a random part."""
LISTED = 200
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class Sink:
    """aiosmtpd's handler: every message accepted is written whole to ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        at = datetime.now(UTC)
        name = f"{at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}.eml"
        partial = self.directory / f".{name}"
        partial.write_bytes(envelope.original_content or b"")
        partial.rename(self.directory / name)  # the page never sees half a message
        return "250 Message accepted for delivery"


@dataclass
class DemoMailServer:
    """The demo's SMTP server on ``port`` of 127.0.0.1."""

    directory: Path
    port: int
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> DemoMailServer:
        from aiosmtpd.controller import Controller  # the served app imports this module, not the server

        self.directory.mkdir(parents=True, exist_ok=True)
        self.controller = Controller(Sink(self.directory), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _read(path: Path) -> EmailMessage:
    message: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return None if body is None else str(body.get_content())


def _summary(path: Path, message: EmailMessage) -> dict[str, Any]:
    received = datetime.strptime(path.name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return {
        "id": path.stem,
        "to": str(message.get("To", "")),
        "from": str(message.get("From", "")),
        "subject": str(message.get("Subject", "")),
        "receivedAt": received.isoformat(),
    }


class Mailbox:
    """The routes over one directory of .eml files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted((p for p in self.directory.iterdir() if NAME.match(p.name)), reverse=True)

    async def messages(self, request: Request) -> JSONResponse:
        """The newest messages first: to, subject and when the sink received each."""
        files = self.files()
        return JSONResponse(
            {"total": len(files), "messages": [_summary(p, _read(p)) for p in files[:LISTED]]}, headers=NO_STORE
        )

    async def message(self, request: Request) -> JSONResponse:
        """One message: its headers of interest and both parts, as the recipient's mail client gets them."""
        name = f"{request.path_params['id']}.eml"
        path = self.directory / name
        if not NAME.match(name) or not path.is_file():
            return JSONResponse({"error": "no such message"}, status_code=404, headers=NO_STORE)
        message = _read(path)
        return JSONResponse(
            {
                **_summary(path, message),
                "listUnsubscribe": message.get("List-Unsubscribe"),
                "html": _part(message, "html"),
                "text": _part(message, "plain"),
            },
            headers=NO_STORE,
        )


def routes(settings: Settings) -> list[BaseRoute]:
    if not settings.demo_mailbox:
        return []
    mailbox = Mailbox(Path(settings.demo_mailbox))
    return [
        Route("/demo/mailbox/messages", mailbox.messages, methods=["GET"]),
        Route("/demo/mailbox/messages/{id}", mailbox.message, methods=["GET"]),
    ]
