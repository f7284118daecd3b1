"""Transport faults a WooCommerce host puts in front of WordPress.

WooCommerce's REST API has no rate limiter of its own; 429s and 5xx bursts come from the
host, WAF or CDN in front of it, often with HTML bodies. These switches make the simulator
behave like such a host, for ``/wp-json/`` requests only (``/wc-auth/`` and the
simulator's own ``/_sim/`` endpoints are never affected). Set them from Python
(``state.faults.http_429_every_n = 3``) or with ``POST /_sim/faults``.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML_429 = (
    "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
    "<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
HTML_5XX = {
    500: (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head><meta charset="utf-8">'
        '<title>WordPress &rsaquo; Error</title></head>\n<body id="error-page">\n'
        '<div class="wp-die-message"><p>There has been a critical error on this website.</p>'
        "</div></body>\n</html>"
    ),
    502: (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ),
    503: (
        "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
        "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ),
}
SETTABLE = ("http_429_every_n", "retry_after", "server_error_burst", "slow_ms", "truncate_next_n")


@dataclass
class Faults:
    """Fault switches; all zero means a healthy host.

    * ``http_429_every_n``: every n-th ``/wp-json/`` request gets ``429`` with
      ``Retry-After: <retry_after>`` (seconds, default 2) and an nginx HTML body.
    * ``server_error_burst``: the next N requests get 500, 502 or 503 (seeded choice),
      HTML bodies; counts down to 0.
    * ``slow_ms``: every request is delayed this long before it is handled.
    * ``truncate_next_n``: the next N requests get their real status and headers but
      only the first half of the body (``Content-Length`` matches the cut body, so the
      HTTP exchange is valid and the JSON is not).
    """

    http_429_every_n: int = 0
    retry_after: int = 2
    server_error_burst: int = 0
    slow_ms: int = 0
    truncate_next_n: int = 0
    seed: int = 0
    requests_seen: int = 0
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"woo-sim:{self.seed}:faults")

    def set(self, **values: Any) -> None:
        """Update switches by name (unknown names raise ``KeyError``)."""
        with self._lock:
            for name, value in values.items():
                if name not in SETTABLE:
                    raise KeyError(name)
                setattr(self, name, int(value))

    def clear(self) -> None:
        self.set(http_429_every_n=0, server_error_burst=0, slow_ms=0, truncate_next_n=0)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            data = asdict(self)
        data["injected"] = dict(data["injected"])
        return data

    def decide(self) -> tuple[str, int] | None:
        """What to do with the next request: ``("status", code)``, ``("truncate", 0)`` or None."""
        with self._lock:
            self.requests_seen += 1
            if self.http_429_every_n > 0 and self.requests_seen % self.http_429_every_n == 0:
                self._count("429")
                return ("status", 429)
            if self.server_error_burst > 0:
                self.server_error_burst -= 1
                code = self._rng.choice((500, 502, 503))
                self._count(str(code))
                return ("status", code)
            if self.truncate_next_n > 0:
                self.truncate_next_n -= 1
                self._count("truncated")
                return ("truncate", 0)
        return None

    def _count(self, what: str) -> None:
        self.injected[what] = self.injected.get(what, 0) + 1


class FaultMiddleware:
    """ASGI middleware applying :class:`Faults` to ``/wp-json/`` requests."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/wp-json"):
            await self.app(scope, receive, send)
            return
        if self.faults.slow_ms > 0:
            await asyncio.sleep(self.faults.slow_ms / 1000)
        decision = self.faults.decide()
        if decision is None:
            await self.app(scope, receive, send)
            return
        kind, code = decision
        if kind == "status":
            body = (HTML_429 if code == 429 else HTML_5XX[code]).encode()
            headers = [
                (b"content-type", b"text/html"),
                (b"content-length", str(len(body)).encode()),
            ]
            if code == 429:
                headers.append((b"retry-after", str(self.faults.retry_after).encode()))
            await send({"type": "http.response.start", "status": code, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self._truncated(scope, receive, send)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None
        body = b"".join(chunks)
        cut = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": cut})
