"""Bulk query operations: Shopify runs the query, we stream its JSONL result.

One mutation (10 points) replaces hundreds of cost-capped pages. The result file is read as
a stream of records, a parent line followed by its children (``__parentId``); the byte
offset after each complete record is what a checkpoint keeps, so a killed backfill goes on
from there with a ``Range`` request instead of running the operation again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.core.http import PlatformUnavailable, RetryPolicy, Sleep
from connectors.shopify import queries
from connectors.shopify.client import GraphQLError, ShopifyGraphQL

FINISHED_BADLY = {"FAILED", "CANCELED", "CANCELING", "EXPIRED"}


class BulkFailed(GraphQLError):
    """The operation ended without a result (failed, cancelled, expired)."""


@dataclass
class Group:
    """One record of the result: its line, its children's lines, and the offset after them."""

    node: dict[str, Any]
    children: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0


async def start(gql: ShopifyGraphQL, query: str, *, sleep: Sleep = asyncio.sleep, poll: float = 0.25) -> str:
    """Run a bulk query; waits out another query operation of this app on the shop first."""
    while True:
        data = await gql.execute(queries.BULK_RUN, {"query": query}, name="bulk:run")
        payload = data["bulkOperationRunQuery"]
        errors = payload.get("userErrors") or []
        if not errors:
            return payload["bulkOperation"]["id"]
        if any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors):
            await sleep(poll)
            poll = min(poll * 2, 5.0)
            continue
        raise GraphQLError("bulk query refused: " + "; ".join(e.get("message", "") for e in errors), errors)


async def finished(
    gql: ShopifyGraphQL, op_id: str, *, sleep: Sleep = asyncio.sleep, poll: float = 0.1, max_poll: float = 10.0
) -> dict[str, Any]:
    """Poll until the operation completes; its final state (``url`` is null when nothing matched)."""
    while True:
        data = await gql.execute(queries.BULK_STATUS, {"id": op_id}, name="bulk:status")
        op = data.get("node")
        if not op:
            raise BulkFailed(f"bulk operation {op_id} is gone", [])
        if op["status"] == "COMPLETED":
            return op
        if op["status"] in FINISHED_BADLY:
            raise BulkFailed(f"bulk operation {op_id} ended {op['status']} ({op.get('errorCode')})", [])
        await sleep(poll)
        poll = min(poll * 2, max_poll)


async def lines(
    url: str,
    offset: int = 0,
    *,
    policy: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
    read_timeout: float = 120.0,
) -> AsyncIterator[tuple[bytes, int]]:
    """Each line of the file from byte ``offset`` on, with the offset just after it.

    Asks for ``Range: bytes=<offset>-`` (signed storage URLs honour it); a server that sends
    the whole file anyway has the known part skipped. A dropped download resumes the same way.
    """
    policy = policy or RetryPolicy()
    position = offset
    attempt = 0
    async with httpx.AsyncClient(timeout=read_timeout) as client:
        while True:
            headers = {"Range": f"bytes={position}-"} if position else {}
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code >= 500:
                        raise httpx.HTTPStatusError("server error", request=response.request, response=response)
                    response.raise_for_status()
                    skip = position if (position and response.status_code != 206) else 0
                    buffer = b""
                    async for chunk in response.aiter_bytes():
                        if skip:
                            cut = min(skip, len(chunk))
                            chunk, skip = chunk[cut:], skip - cut
                        *complete, buffer = (buffer + chunk).split(b"\n")
                        for line in complete:
                            position += len(line) + 1
                            if line.strip():
                                yield line, position
                    if buffer.strip():
                        position += len(buffer)
                        yield buffer, position
                    return
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
                if status is not None and status < 500:
                    raise PlatformUnavailable(
                        f"bulk result {status}: the file URL no longer serves", status=status
                    ) from exc
                attempt += 1
                if attempt >= policy.attempts:
                    raise PlatformUnavailable(f"bulk result download failed {attempt} times: {exc}") from exc
                await sleep(policy.backoff(attempt))


async def groups(url: str, offset: int = 0, **options: Any) -> AsyncIterator[Group]:
    """Records of the file from ``offset``: a parent line with the child lines that follow it."""
    current: Group | None = None
    async for raw, end in lines(url, offset, **options):
        row = json.loads(raw)
        if "__parentId" in row and current is not None:
            current.children.append(row)
            current.end = end
            continue
        if current is not None:
            yield current
        current = Group(row, [], end)
    if current is not None:
        yield current
