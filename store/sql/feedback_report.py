"""The feedback report's reads: each person's latest survey answer (over a period, or per month),
with the segment and value tier insights gave them, and the period's complaints with their clocks.

The store does not import feedback or insights, so the caller names their tables (``Tables``).
A person is a surviving profile: an answer filed under a profile insights merged into another
counts for the survivor, so one person has one vote however many accounts answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store.models import Profile
from store.sql.dialect import Dialect, dialect_of


@dataclass(frozen=True, slots=True)
class Tables:
    surveys: str
    complaints: str
    segments: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's latest answer (in the period, or in ``month``)."""

    person: int
    score: int
    answered_at: datetime
    month: str
    segment: str | None
    tier: str | None


@dataclass(frozen=True, slots=True)
class ComplaintClock:
    person: int
    status: str
    received_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None


def _window(dialect: Dialect, column: str, start: datetime | None, end: datetime | None, args: list[Any]) -> str:
    """``column`` within [start, end), each bound as the next parameter; no bound when ``None``."""
    parts = []
    for when, op in ((start, ">="), (end, "<")):
        if when is not None:
            args.append(dialect.time(when))
            parts.append(f"{column} {op} {dialect.param(len(args))}")
    return " AND ".join(parts) or "1=1"


def _month(dialect: Dialect, column: str) -> str:
    """``YYYY-MM`` of a stored time, in UTC."""
    return dialect.pick(
        postgres=f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')", sqlite=f"strftime('%Y-%m', {column})"
    )


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in rows]


async def latest_answers(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    kind: str,
    start: datetime | None,
    end: datetime | None,
    *,
    per_month: bool = False,
    answered: str = "answered",
) -> list[Answer]:
    """Each person's latest answered ``kind`` survey in [start, end) (or in each month of it), in
    one statement: the newest answer wins, the higher survey id breaking a tie."""
    dialect = dialect_of(conn)
    p = dialect.param
    args: list[Any] = [merchant_id, kind, answered]
    within = _window(dialect, 's."answered_at"', start, end, args)
    person = 'COALESCE(pr."merged_into_id", s."profile_id")'
    month = _month(dialect, 's."answered_at"')
    partition = f"{person}, {month}" if per_month else person
    sql = (
        f'SELECT t.person, t.score, t.answered_at, t.month, g."segment", g."tier" FROM ('
        f'SELECT {person} AS person, s."score" AS score, s."answered_at" AS answered_at, {month} AS month, '
        f'ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY s."answered_at" DESC, s."id" DESC) AS rn '
        f'FROM "{tables.surveys}" s JOIN "{Profile._meta.db_table}" pr ON pr."id" = s."profile_id" '
        f'WHERE s."merchant_id" = {p(1)} AND s."kind" = {p(2)} AND s."status" = {p(3)} '
        f'AND s."score" IS NOT NULL AND s."answered_at" IS NOT NULL AND {within}'
        f') t LEFT JOIN "{tables.segments}" g ON g."profile_id" = t.person WHERE t.rn = 1 '
        f"ORDER BY t.month, t.person"
    )
    _, rows = await conn.execute_query(sql, args)
    return [Answer(int(who), int(score), _time(at), str(m), seg, tier) for who, score, at, m, seg, tier in _rows(rows)]


async def complaint_clocks(
    conn: BaseDBAsyncClient, tables: Tables, merchant_id: int, start: datetime | None, end: datetime | None
) -> list[ComplaintClock]:
    """The complaints received in [start, end), with their status and the times their clocks stopped."""
    dialect = dialect_of(conn)
    args: list[Any] = [merchant_id]
    within = _window(dialect, 'c."received_at"', start, end, args)
    _, rows = await conn.execute_query(
        f'SELECT COALESCE(pr."merged_into_id", c."profile_id"), c."status", c."received_at", '
        f'c."first_response_at", c."resolved_at" FROM "{tables.complaints}" c '
        f'JOIN "{Profile._meta.db_table}" pr ON pr."id" = c."profile_id" '
        f'WHERE c."merchant_id" = {dialect.param(1)} AND {within} ORDER BY c."received_at", c."id"',
        args,
    )
    return [
        ComplaintClock(
            int(who),
            str(status),
            _time(received),
            _time(first) if first is not None else None,
            _time(resolved) if resolved is not None else None,
        )
        for who, status, received, first, resolved in _rows(rows)
    ]
