"""The Admin GraphQL client: httpx (async) through the core retrying client, paced by cost.

ShopifyAPI's ``GraphQL().execute`` is synchronous, has no timeout and keeps the session in
thread-local state, so GraphQL goes through :class:`PlatformHTTP` instead: 429/5xx/timeouts
and truncated bodies are retried there; here come Shopify's own rules on top: ``THROTTLED``
answers (HTTP 200) wait for the bucket to refill, an expired token is refreshed once, and a
query over the single-query cost cap is reported as such.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from shopify.api_version import ApiVersion

from connectors.core.http import (
    PlatformAuthError,
    PlatformHTTP,
    PlatformRejected,
    PlatformUnavailable,
    RetryPolicy,
    Sleep,
)
from connectors.shopify.pacing import CostBucket

PROBE = "query Probe { shop { name } }"
PROBE_NAME = "probe"
"""A 1-point query sent first to a shop whose bucket this process has not seen yet."""

MAX_THROTTLED = 20
"""THROTTLED answers in a row after which the call gives up (the store is overloaded)."""


class TokenSource(Protocol):
    async def token(self) -> str: ...

    async def refresh(self) -> str:
        """A new access token after the current one was refused."""
        ...


class StaticToken:
    """A token that is what it is (tests, and the install flow before a store row exists)."""

    def __init__(self, value: str) -> None:
        self.value = value

    async def token(self) -> str:
        return self.value

    async def refresh(self) -> str:
        raise PlatformAuthError("the access token was refused and cannot be refreshed", status=401)


class GraphQLError(PlatformRejected):
    """Shopify answered with errors (bad query, missing scope): retrying will not help."""

    def __init__(self, message: str, errors: list[Any]) -> None:
        super().__init__(message, status=200)
        self.errors = errors


class QueryTooCostly(GraphQLError):
    """The query asks for more than one query may cost; ``cost`` says how much it asked."""

    def __init__(self, cost: int, maximum: int, errors: list[Any]) -> None:
        super().__init__(f"query cost {cost} exceeds the single query cap {maximum}", errors)
        self.cost, self.maximum = cost, maximum


def graphql_path(version: str) -> str:
    """``/admin/api/<version>/graphql.json``; ShopifyAPI's version objects check the handle."""
    return ApiVersion.coerce_to_version(version).api_path("") + "/graphql.json"


class ShopifyGraphQL:
    """One shop's Admin GraphQL endpoint."""

    def __init__(
        self,
        base_url: str,
        version: str,
        tokens: TokenSource,
        *,
        bucket: CostBucket | None = None,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        timeout: float = 60.0,
    ) -> None:
        self.http = PlatformHTTP(
            base_url,
            policy=policy,
            sleep=sleep,
            timeout=timeout,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        self.path = graphql_path(version)
        self.tokens = tokens
        self.bucket = bucket or CostBucket()
        self._sleep = sleep
        self.throttled = 0

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> ShopifyGraphQL:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, name: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a successful answer; typed errors otherwise."""
        name = name or query[:80]
        if self.bucket.maximum is None and name != PROBE_NAME:
            await self.execute(PROBE, name=PROBE_NAME)  # learn the bucket before spending from it
        body = {"query": query, "variables": dict(variables or {})}
        refreshed = False
        throttled = broken = 0
        while True:
            await self.bucket.reserve(name, self._sleep)
            token = await self.tokens.token()
            try:
                response = await self.http.request(
                    "POST", self.path, json=body, headers={"X-Shopify-Access-Token": token}
                )
            except PlatformAuthError:
                if refreshed:
                    raise
                refreshed = True
                await self.tokens.refresh()
                continue
            try:
                answer = json.loads(response.content)
            except ValueError:
                # A cut-off body: the query ran and drew on the bucket, so the retry goes
                # through the pacer again rather than straight back out.
                broken += 1
                self.http.stats.retries += 1
                if broken >= self.http.policy.attempts:
                    raise PlatformUnavailable(f"{name}: unreadable answers {broken} times", status=200) from None
                await self._sleep(self.http.policy.backoff(broken))
                continue
            if not isinstance(answer, dict):
                raise GraphQLError("the answer is not a JSON object", [])
            cost = (answer.get("extensions") or {}).get("cost")
            self.bucket.observe(name, cost)
            errors = answer.get("errors") or []
            codes = [((e.get("extensions") or {}).get("code") if isinstance(e, dict) else None) for e in errors]
            if "THROTTLED" in codes:
                throttled += 1
                self.throttled += 1
                if throttled > MAX_THROTTLED:
                    raise PlatformUnavailable(f"{name}: still THROTTLED after {MAX_THROTTLED} waits", status=200)
                await self._wait_for_refill(cost)
                continue
            if "MAX_COST_EXCEEDED" in codes:
                ext = errors[codes.index("MAX_COST_EXCEEDED")]["extensions"]
                raise QueryTooCostly(int(ext.get("cost", 0)), int(ext.get("maxCost", 1000)), errors)
            if errors or "data" not in answer:
                messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
                raise GraphQLError(f"{name}: {messages or 'no data in the answer'}", errors)
            return answer["data"]

    async def _wait_for_refill(self, cost: Mapping[str, Any] | None) -> None:
        """After THROTTLED: wait for the requested points to be back (as the answer tells)."""
        requested = (cost or {}).get("requestedQueryCost") or 0
        delay = self.bucket.delay_for(float(requested)) if requested else 1.0
        await self._sleep(max(delay, 0.05))


async def collect(fetch: Callable[[str | None], Awaitable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Every node of a connection, page after page (``fetch(after)`` returns the connection)."""
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        connection = await fetch(after)
        nodes.extend(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return nodes
        after = info.get("endCursor")
