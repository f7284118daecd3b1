"""The HTTP client every connector talks through: it retries what is worth retrying and no more.

429 waits as long as ``Retry-After`` says (seconds or an HTTP date, capped); 5xx, timeouts,
dropped connections and truncated JSON bodies retry with jittered exponential backoff; 401/403
and other 4xx are final and typed, so a sync can tell "credentials revoked" from "try later".
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

Sleep = Callable[[float], Awaitable[None]]


class PlatformError(Exception):
    """A platform call that did not succeed; ``status`` is the last HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PlatformUnavailable(PlatformError):
    """Retries ran out (5xx, timeouts, throttling): the store is unhealthy for now, not broken."""


class PlatformAuthError(PlatformError):
    """401/403: the store's credentials no longer work (revoked, uninstalled, expired)."""


class PlatformRejected(PlatformError):
    """Another 4xx: the request itself is wrong, retrying cannot help."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 20.0
    max_retry_after: float = 60.0
    """Waits longer than this are not slept through: the sync fails and resumes later."""

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to the exponential step, so many clients do not align."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class CallStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited: float = 0.0


class PlatformHTTP:
    """One platform endpoint's client with its retry policy and counters (for benchmarks and logs)."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        verify: bool | str = True,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.stats = CallStats()
        self._sleep = sleep
        self._own_client = client is None
        self.client = client or httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            auth=auth,
            timeout=timeout,
            verify=verify,
            follow_redirects=False,
            transport=transport,
            # A guarding transport must see every request: no proxy taken from the environment.
            trust_env=transport is None,
        )

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def __aenter__(self) -> PlatformHTTP:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def wait(self, seconds: float) -> None:
        self.stats.waited += seconds
        await self._sleep(seconds)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a 2xx response whose body was read in full (redirects are refused)."""
        response, _ = await self._send(method, url, parse_json=False, **kwargs)
        return response

    async def json(self, method: str, url: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """Send with retries and parse the JSON body; a truncated body counts as a failed try."""
        response, data = await self._send(method, url, parse_json=True, **kwargs)
        return data, response

    async def _send(self, method: str, url: str, *, parse_json: bool, **kwargs: Any) -> tuple[httpx.Response, Any]:
        last = "no attempt made"
        status: int | None = None
        for attempt in range(self.policy.attempts):
            if attempt:
                self.stats.retries += 1
            self.stats.requests += 1
            try:
                response = await self.client.request(method, url, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last, status = f"{type(exc).__name__}: {exc}", None
                await self.wait(self.policy.backoff(attempt))
                continue
            status = response.status_code
            if status == 429 or (status == 503 and "retry-after" in response.headers):
                self.stats.throttled += 1
                delay = retry_after_seconds(response.headers.get("retry-after"))
                delay = self.policy.backoff(attempt) if delay is None else delay
                if delay > self.policy.max_retry_after:
                    raise PlatformUnavailable(f"throttled for {delay:.0f}s by {url}", status=status)
                last = f"HTTP {status} (throttled)"
                await self.wait(delay)
                continue
            if status >= 500:
                last = f"HTTP {status}"
                await self.wait(self.policy.backoff(attempt))
                continue
            if status in (401, 403):
                raise PlatformAuthError(f"HTTP {status} from {url}: {_snippet(response)}", status=status)
            if status >= 400:
                raise PlatformRejected(f"HTTP {status} from {url}: {_snippet(response)}", status=status)
            if 300 <= status < 400:
                raise PlatformRejected(f"HTTP {status} from {url}: redirects are not followed", status=status)
            if not parse_json:
                return response, None
            try:
                return response, json.loads(response.content)
            except ValueError:
                last = f"HTTP {status} with an unreadable (truncated?) JSON body"
                await self.wait(self.policy.backoff(attempt))
                continue
        raise PlatformUnavailable(f"{method} {url} failed {self.policy.attempts} times, last: {last}", status=status)


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    """What a platform's JSON error says (its ``code`` and ``message``), never the raw body:
    errors land in job and store rows, and a body is not ours to copy there."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict):
        said = [str(data[k]) for k in ("code", "message", "errors", "error") if isinstance(data.get(k), str)]
        if said:
            text = " ".join(said)
            return text if len(text) <= limit else text[:limit] + "…"
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return f"({kind}, {len(response.content)} bytes)"
