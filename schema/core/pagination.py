"""Relay connections with keyset cursors: a page is "rows after this (time, id)", never an offset.

A cursor is the sort key of its row, so inserting rows does not shift pages and a deep page
costs what the first one does. Cursors are base64url JSON, opaque to clients by contract.
Root lists page in SQL; nested lists (a profile's customers, an order's lines) are loaded for
all parents in one statement by a DataLoader and paged in memory with the same rules.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from schema.core.errors import ApiError, ErrorCode

MAX_PAGE_SIZE = 250
T = TypeVar("T")
Row = TypeVar("Row")


@strawberry.type(description="Where a page sits in its list (Relay)")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of edges, for clients that need no cursor per node")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


@dataclass(frozen=True)
class Ordering:
    """A sort on one column with ``id`` as tie-breaker; ``descending`` means newest first."""

    field: str
    descending: bool = True
    is_time: bool = True

    def key(self, row: Any) -> tuple[Any, int]:
        return getattr(row, self.field), row.id


@dataclass(frozen=True)
class PageRequest:
    size: int
    forward: bool
    cursor: tuple[Any, int] | None


def page_request(
    ordering: Ordering, first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    """Check the Relay arguments: exactly one of ``first``/``last``, within the page size."""
    if (first is None) == (last is None):
        raise ApiError("give exactly one of first or last", ErrorCode.BAD_USER_INPUT)
    if first is not None and before is not None or last is not None and after is not None:
        raise ApiError("use first with after, or last with before", ErrorCode.BAD_USER_INPUT)
    size = first if first is not None else last
    assert size is not None
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise ApiError(f"first and last must be between 0 and {MAX_PAGE_SIZE}", ErrorCode.BAD_USER_INPUT)
    raw = after if first is not None else before
    return PageRequest(
        size=size, forward=first is not None, cursor=decode_cursor(raw, ordering) if raw is not None else None
    )


def encode_cursor(ordering: Ordering, row: Any) -> str:
    value, pk = ordering.key(row)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Ordering) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(pk, int):
            raise ValueError("id")
        if ordering.is_time:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, int):
            raise ValueError("value")
        return value, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(f"{cursor!r} is not a cursor of this list", ErrorCode.BAD_USER_INPUT) from None


def _beyond(ordering: Ordering, cursor: tuple[Any, int], towards_end: bool) -> Q:
    """Rows strictly past ``cursor`` in list order (``towards_end``) or before it; the redundant
    bound on the sort column lets an index on (…, column, id) start at the cursor, so a deep page
    reads what a first one does instead of every row before it."""
    value, pk = cursor
    later = ordering.descending != towards_end  # True: larger keys come next
    op = "gt" if later else "lt"
    past = Q(**{f"{ordering.field}__{op}": value}) | Q(**{ordering.field: value, f"id__{op}": pk})
    return Q(**{f"{ordering.field}__{op}e": value}) & past


def _order_by(ordering: Ordering, reverse: bool) -> tuple[str, str]:
    desc = ordering.descending != reverse
    sign = "-" if desc else ""
    return f"{sign}{ordering.field}", f"{sign}id"


def _connection(
    rows: Sequence[Row], ordering: Ordering, request: PageRequest, more: bool, node: Callable[[Row], T]
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(ordering, row), node=node(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more if request.forward else request.cursor is not None,
            has_previous_page=request.cursor is not None if request.forward else more,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def paginate(
    queryset: QuerySet, ordering: Ordering, request: PageRequest, node: Callable[[Any], T]
) -> Connection[T]:
    """One page of ``queryset`` in one statement (the page plus one row to see if more follow)."""
    if request.cursor is not None:
        queryset = queryset.filter(_beyond(ordering, request.cursor, towards_end=request.forward))
    rows = list(await queryset.order_by(*_order_by(ordering, reverse=not request.forward)).limit(request.size + 1))
    more = len(rows) > request.size
    rows = rows[: request.size]
    if not request.forward:
        rows.reverse()
    return _connection(rows, ordering, request, more, node)


def paginate_loaded(
    rows: Sequence[Row], ordering: Ordering, request: PageRequest, node: Callable[[Row], T]
) -> Connection[T]:
    """The same page over rows already loaded (by a DataLoader), in any order."""
    ordered = sorted(rows, key=ordering.key, reverse=ordering.descending)
    if request.cursor is not None:
        key = request.cursor

        def past(row: Row) -> bool:
            return (ordering.key(row) < key) == ordering.descending

        def before(row: Row) -> bool:
            return (ordering.key(row) > key) == ordering.descending

        ordered = [r for r in ordered if ordering.key(r) != key and (past(r) if request.forward else before(r))]
    if request.forward:
        page, more = ordered[: request.size], len(ordered) > request.size
    else:
        page = ordered[max(0, len(ordered) - request.size) :] if request.size else []
        more = len(ordered) > request.size
    return _connection(page, ordering, request, more, node)
