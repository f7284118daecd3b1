"""The referral report's figures over a period, each in one grouped statement on either backend.

The store does not import loyalty, so the caller names loyalty's tables (``Tables``). Every
figure has its own clock, so a period reads as "what happened in it":

* clicks: first visits through a link recorded in the period;
* referrals (sign-ups) by status and by reason: referrals recorded in the period, as they stand now,
  and their friends' codes issued (issued or used) and used;
* friends' first orders: referrals whose qualifying order was placed in the period, their count
  and their totals net of refunds per currency;
* points paid: referral entries (friends and referrers) posted in the period;
* top referrers: referrals recorded in the period per referrer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store.models import Order
from store.sql.dialect import Dialect, dialect_of

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Tables:
    referrals: str
    visits: str
    entries: str


@dataclass(frozen=True, slots=True)
class ReferrerRow:
    referrer_id: int
    signups: int
    orders: int
    completed: int


@dataclass(frozen=True, slots=True)
class ReportRows:
    clicks: int
    by_status: dict[str, int]
    refused_by_reason: list[tuple[str, int]]
    codes_issued: int
    codes_used: int
    orders: int
    revenue: dict[str, Decimal]
    points_paid: int
    top: list[ReferrerRow]


def _window(dialect: Dialect, column: str, start: datetime | None, end: datetime | None, args: list[Any]) -> str:
    """``column`` within [start, end), each bound as the next parameter; no bound when ``None``."""
    parts = []
    for when, op in ((start, ">="), (end, "<")):
        if when is not None:
            args.append(dialect.time(when))
            parts.append(f"{column} {op} {dialect.param(len(args))}")
    return " AND ".join(parts) or "1=1"


def _rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows as tuples: a record's values in order (its names may repeat, as ``sum`` does)."""
    return [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in rows]


async def _one(conn: BaseDBAsyncClient, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    _, rows = await conn.execute_query(sql, args)
    return _rows(rows)


async def referral_report(
    conn: BaseDBAsyncClient,
    tables: Tables,
    merchant_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    top: int,
    points_kind: str,
) -> ReportRows:
    """The figures of one merchant's referrals over [start, end)."""
    dialect = dialect_of(conn)
    p = dialect.param

    args: list[Any] = [merchant_id]
    visited = _window(dialect, 'v."created_at"', start, end, args)
    clicks = await _one(
        conn, f'SELECT COUNT(*) FROM "{tables.visits}" v WHERE v."merchant_id" = {p(1)} AND {visited}', args
    )

    args = [merchant_id]
    within = _window(dialect, 'r."created_at"', start, end, args)
    status_rows = await _one(
        conn,
        f'SELECT r."status", COUNT(*), '
        f"SUM(CASE WHEN r.\"friend_code_status\" IN ('issued', 'used') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.\"friend_code_status\" = 'used' THEN 1 ELSE 0 END) "
        f'FROM "{tables.referrals}" r WHERE r."merchant_id" = {p(1)} AND {within} GROUP BY r."status"',
        args,
    )
    reason_rows = await _one(
        conn,
        f'SELECT r."reason", COUNT(*) FROM "{tables.referrals}" r WHERE r."merchant_id" = {p(1)} AND {within} '
        f'AND r."status" = \'rejected\' GROUP BY r."reason" ORDER BY COUNT(*) DESC, r."reason"',
        args,
    )
    args_top = [*args, top]
    top_rows = await _one(
        conn,
        f'SELECT r."referrer_id", COUNT(*), '
        f'SUM(CASE WHEN r."order_id" IS NOT NULL THEN 1 ELSE 0 END), '
        f"SUM(CASE WHEN r.\"status\" = 'completed' THEN 1 ELSE 0 END) "
        f'FROM "{tables.referrals}" r WHERE r."merchant_id" = {p(1)} AND {within} '
        f'AND r."status" <> \'rejected\' GROUP BY r."referrer_id" '
        f'ORDER BY 4 DESC, 2 DESC, r."referrer_id" LIMIT {p(len(args_top))}',
        args_top,
    )

    args = [merchant_id]
    placed = _window(dialect, 'o."platform_created_at"', start, end, args)
    order_rows = await _one(
        conn,
        f'SELECT o."currency", COUNT(*), SUM(o."total" - o."total_refunded") '
        f'FROM "{tables.referrals}" r JOIN "{Order._meta.db_table}" o ON o."id" = r."order_id" '
        f'WHERE r."merchant_id" = {p(1)} AND {placed} GROUP BY o."currency" ORDER BY o."currency"',
        args,
    )

    args = [merchant_id, points_kind]
    posted = _window(dialect, 'e."occurred_at"', start, end, args)
    points = await _one(
        conn,
        f'SELECT COALESCE(SUM(e."available"), 0) FROM "{tables.entries}" e '
        f'WHERE e."merchant_id" = {p(1)} AND e."kind" = {p(2)} AND {posted}',
        args,
    )

    by_status = {str(status): int(n) for status, n, _, _ in status_rows}
    return ReportRows(
        clicks=int(clicks[0][0]),
        by_status=by_status,
        refused_by_reason=[(str(reason), int(n)) for reason, n in reason_rows],
        codes_issued=sum(int(issued or 0) for _, _, issued, _ in status_rows),
        codes_used=sum(int(used or 0) for _, _, _, used in status_rows),
        orders=sum(int(n) for _, n, _ in order_rows),
        revenue={str(c): Decimal(str(total or 0)).quantize(_CENT) for c, _, total in order_rows},
        points_paid=int(points[0][0] or 0),
        top=[ReferrerRow(int(rid), int(n), int(orders or 0), int(done or 0)) for rid, n, orders, done in top_rows],
    )
