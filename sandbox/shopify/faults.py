"""Fault switches: the bad days of a real API, on demand, for the Admin API routes.

They apply to ``/admin/api/...`` only (not to OAuth or the ``/_sim`` routes), in this order:
``slow_ms`` delay, then ``server_error_burst`` (5xx), then ``http_429_every_n``; a request
that passes is served, and ``truncate_next_n`` may then cut its body in half (status 200,
a Content-Length that matches the cut body, so only the JSON is broken). ``throttle_bucket``
replaces the leaky bucket's size and restore rate (``{"maximum_available": 50,
"restore_rate": 10}``) until cleared with ``None``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

RATE_LIMIT_BODY = (
    '{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}'
)
_ERROR_PAGES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
SETTABLE = (
    "http_429_every_n",
    "server_error_burst",
    "slow_ms",
    "truncate_next_n",
    "throttle_bucket",
)


def error_page(status: int) -> str:
    title = _ERROR_PAGES.get(status, "Error")
    return (
        "<!DOCTYPE html><html><head><title>"
        f"{title}</title></head><body><h1>{status} {title}</h1>"
        "<p>There was a problem loading this website. Please try again.</p></body></html>"
    )


@dataclass
class Decision:
    """What to do with one Admin API request before it is served."""

    status: int
    body: str
    headers: dict[str, str]
    media_type: str


@dataclass
class Faults:
    http_429_every_n: int = 0
    server_error_burst: int = 0
    slow_ms: int = 0
    truncate_next_n: int = 0
    throttle_bucket: dict[str, float] | None = None
    seed: int = 0
    seen: int = 0
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"shopify-sim:{self.seed}:faults")

    def set(self, **switches: Any) -> None:
        """Set switches by name (unknown names raise ``TypeError``); counters restart."""
        for name, value in switches.items():
            if name not in SETTABLE:
                raise TypeError(f"unknown fault switch {name!r}")
            if name == "throttle_bucket":
                if value is not None and not isinstance(value, dict):
                    raise TypeError("throttle_bucket takes a dict or None")
                self.throttle_bucket = dict(value) if value else None
            else:
                number = int(value or 0)
                if number < 0:
                    raise ValueError(f"{name} must be >= 0")
                setattr(self, name, number)
        if "http_429_every_n" in switches:
            self.seen = 0

    def clear(self) -> None:
        self.set(
            http_429_every_n=0,
            server_error_burst=0,
            slow_ms=0,
            truncate_next_n=0,
            throttle_bucket=None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "http_429_every_n": self.http_429_every_n,
            "server_error_burst": self.server_error_burst,
            "slow_ms": self.slow_ms,
            "truncate_next_n": self.truncate_next_n,
            "throttle_bucket": self.throttle_bucket,
            "injected": dict(self.injected),
        }

    def before(self) -> Decision | None:
        """A fault response for this request, or None to serve it."""
        self.seen += 1
        if self.server_error_burst > 0:
            self.server_error_burst -= 1
            status = self._rng.choice((502, 503, 500))
            self.injected[str(status)] += 1
            return Decision(status, error_page(status), {}, "text/html; charset=utf-8")
        if self.http_429_every_n and self.seen % self.http_429_every_n == 0:
            self.injected["429"] += 1
            return Decision(429, RATE_LIMIT_BODY, {"Retry-After": "1.0"}, "application/json")
        return None

    def truncate(self, body: bytes) -> bytes:
        """The body to send: cut in the middle while ``truncate_next_n`` lasts."""
        if self.truncate_next_n <= 0 or len(body) < 2:
            return body
        self.truncate_next_n -= 1
        self.injected["truncated"] += 1
        return body[: len(body) // 2]
