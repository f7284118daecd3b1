"""The two databases as one object: what the SQL text and parameters look like on each.

Code that writes raw SQL asks ``dialect_of(conn)`` for placeholders, id lists, times and row
locks instead of branching on the backend's name, so a difference between PostgreSQL and
SQLite is written once, here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient

T = TypeVar("T")
_SQLITE_WEEK = "date({col}, '-' || ((CAST(strftime('%w', {col}) AS INTEGER) + 6) % 7) || ' days')"


@dataclass(frozen=True, slots=True)
class Dialect:
    """PostgreSQL (``postgres``) or SQLite; the two instances are ``POSTGRES`` and ``SQLITE``."""

    name: str

    @property
    def postgres(self) -> bool:
        return self is POSTGRES

    @property
    def sqlite(self) -> bool:
        return self is SQLITE

    def pick(self, *, postgres: T, sqlite: T) -> T:
        """One of two texts that genuinely differ between the backends."""
        return postgres if self is POSTGRES else sqlite

    def param(self, n: int) -> str:
        """The placeholder of the ``n``-th parameter."""
        return f"${n}" if self is POSTGRES else "?"

    def in_ids(self, column: str, n: int) -> str:
        """``column`` is one of the ids bound as parameter ``n`` (see ``ids``)."""
        if self is POSTGRES:
            # A subquery, not ``= ANY($n)``: the planner hashes it for a scan of an unindexed
            # column, where ``ANY`` over a parameter compares each row with every id.
            return f"{column} IN (SELECT unnest(${n}::bigint[]))"
        return f"{column} IN (SELECT value FROM json_each(?))"

    def ids(self, ids: Iterable[int]) -> Any:
        """An id list as one parameter: an array on PostgreSQL, a JSON array on SQLite."""
        return list(ids) if self is POSTGRES else json.dumps(list(ids))

    def time(self, when: datetime) -> Any:
        """A datetime to compare with a stored one: SQLite compares the text Tortoise writes."""
        return when if self is POSTGRES else str(when.astimezone(UTC))

    @property
    def for_update(self) -> str:
        """The suffix that locks the selected rows (SQLite has no row locks: its writer lock serialises)."""
        return " FOR UPDATE" if self is POSTGRES else ""

    def time_bucket(self, column: str, interval: str) -> str:
        """The start of the UTC ``day``, ``week`` (from Monday) or ``month`` holding ``column``."""
        if self is POSTGRES:
            return f"date_trunc('{interval}', {column} AT TIME ZONE 'UTC')"
        if interval == "day":
            return f"strftime('%Y-%m-%d', {column})"
        if interval == "month":
            return f"strftime('%Y-%m-01', {column})"
        return _SQLITE_WEEK.format(col=column)

    async def transaction_lock(self, conn: BaseDBAsyncClient, space: int, key: int) -> None:
        """Serialise transactions on ``(space, key)`` until this one ends (SQLite serialises writers anyway)."""
        if self is POSTGRES:
            await conn.execute_query("SELECT pg_advisory_xact_lock($1, $2)", [space, key])

    async def analyze(self, conn: BaseDBAsyncClient, tables: Iterable[str]) -> None:
        """Fresh planner statistics after a bulk rewrite. Without them PostgreSQL plans a new or
        rewritten table as a row or two and nests loops over every filter of the members page, so a
        few hundred rows can take seconds; SQLite keeps no statistics unless asked, so nothing to do."""
        if self is POSTGRES:
            await conn.execute_script("ANALYZE " + ", ".join(f'"{t}"' for t in tables))


POSTGRES = Dialect("postgres")
SQLITE = Dialect("sqlite")
_BY_NAME = {d.name: d for d in (POSTGRES, SQLITE)}


def dialect_of(conn: BaseDBAsyncClient) -> Dialect:
    return _BY_NAME[conn.capabilities.dialect]
