"""Persisted queries on the storefront: a client sends a query's SHA-256 instead of its text.

The table is the truth; a bounded in-process cache saves the read. A query sent with its hash is
stored once it has executed without a request error (the endpoint puts it after execution).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from app.http.graphql.parsing import Operation, RequestError
from store.models import PersistedQuery


class PersistedQueries:
    """Queries by SHA-256: the table is the truth, a bounded in-process cache saves the read."""

    def __init__(self, size: int = 1000) -> None:
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.size = size

    async def get(self, digest: str) -> str | None:
        if (query := self.cache.get(digest)) is not None:
            self.cache.move_to_end(digest)
            return query
        row = await PersistedQuery.get_or_none(sha256=digest)
        if row is not None:
            self._remember(digest, row.query)
        return row.query if row else None

    async def put(self, digest: str, query: str) -> None:
        if digest not in self.cache:
            await PersistedQuery.bulk_create([PersistedQuery(sha256=digest, query=query)], ignore_conflicts=True)
            self._remember(digest, query)

    def _remember(self, digest: str, query: str) -> None:
        self.cache[digest] = query
        while len(self.cache) > self.size:
            self.cache.popitem(last=False)


async def resolve_persisted(operation: Operation, queries: PersistedQueries, max_bytes: int) -> Operation:
    """The operation with its query text filled in from its hash, or marked to be stored after execution."""
    persisted = (operation.extensions or {}).get("persistedQuery")
    if persisted is None:
        return operation
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if not isinstance(digest, str) or len(digest) != 64 or persisted.get("version", 1) != 1:
        raise RequestError(400, "persistedQuery needs version 1 and a sha256Hash")
    digest = digest.lower()
    if operation.query is None:
        query = await queries.get(digest)
        if query is None:
            raise RequestError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        operation.query = query
    elif hashlib.sha256(operation.query.encode()).hexdigest() != digest:
        raise RequestError(400, "the query does not match its sha256Hash", "PERSISTED_QUERY_HASH_MISMATCH")
    elif len(operation.query.encode()) > max_bytes:
        raise RequestError(413, f"a persisted query is at most {max_bytes} bytes", "PERSISTED_QUERY_TOO_LARGE")
    else:
        operation.persist_as = digest
    return operation
