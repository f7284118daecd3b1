"""Walking a WooCommerce collection page by page, so that concurrent edits cannot hide a record.

Orders and products are read in ``modified`` order with a keyset on the modification time:
each next page asks again for ``modified_after = <last time seen> - 1 s`` from its first
item, instead of for page N+1. An edit mid-scan moves a record to the end (it is read
there) and a trashed order leaves the list, but neither shifts records still to be read
past the cursor, which page numbers would. ``modified_after`` is strict and WooCommerce
dates have whole seconds, so the last second is read again (the store's upserts make the
repeat a no-op, and records read unchanged on the previous page are dropped); only when a
whole page shares one second does the scan page within it by ``offset``.

Customers have no ``modified_after`` (they are WordPress users): they are read by id with
page numbers, and what a page shift or a lost webhook misses the reconciliation scan finds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.woocommerce import normalize
from connectors.woocommerce.client import PER_PAGE, WooClient

WC_DATE = "%Y-%m-%dT%H:%M:%S"
ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Cursor:
    """Where a modified-order scan stands: records modified after ``after``, skipping ``offset``."""

    after: datetime | None = None
    offset: int = 0

    def dump(self) -> str:
        return json.dumps({"after": self.after.isoformat() if self.after else None, "offset": self.offset})

    @classmethod
    def load(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        data = json.loads(text)
        after = datetime.fromisoformat(data["after"]) if data.get("after") else None
        return cls(after=after, offset=int(data.get("offset") or 0))


def wc_gmt(moment: datetime) -> str:
    """A zone-less GMT date for ``modified_after`` with ``dates_are_gmt=true`` (a zone would
    be shifted by the site's offset by WordPress' date query)."""
    return moment.astimezone(normalize.UTC).strftime(WC_DATE)


def modified_at(item: Mapping[str, Any]) -> datetime | None:
    return normalize.parse_gmt(item.get("date_modified_gmt")) or normalize.parse_gmt(item.get("date_created_gmt"))


def _modified_query(params: Mapping[str, Any], cursor: Cursor) -> dict[str, Any]:
    query = {**params, "per_page": PER_PAGE, "orderby": "modified", "order": "asc", "dates_are_gmt": True}
    if cursor.after is not None:
        query["modified_after"] = wc_gmt(cursor.after)
    if cursor.offset:
        query["offset"] = cursor.offset
    return query


def _next_cursor(cursor: Cursor, count: int, newest: datetime | None) -> Cursor | None:
    if count < PER_PAGE or newest is None:
        return None
    after = newest.replace(microsecond=0) - ONE_SECOND
    if cursor.after is not None and after <= cursor.after.replace(microsecond=0):
        return Cursor(cursor.after, cursor.offset + count)
    return Cursor(after, 0)


async def by_modified(
    client: WooClient, path: str, params: Mapping[str, Any], start: Cursor
) -> AsyncIterator[tuple[list[dict[str, Any]], Cursor | None, datetime | None]]:
    """Yield ``(items, next cursor or None when done, newest modification time)`` per page.

    The next page is requested while the caller writes the current one (its cursor is known
    as soon as a page arrives), so the site and the database work at the same time.
    """
    cursor = start
    carry: set[tuple[Any, datetime | None]] = set()
    pending = asyncio.ensure_future(client.list(path, _modified_query(params, cursor)))
    try:
        while True:
            page = await pending
            stamped = [(item, modified_at(item)) for item in page.items]
            stamps = [s for _, s in stamped if s is not None]
            newest = max(stamps) if stamps else None
            items = [item for item, s in stamped if (item.get("id"), s) not in carry]
            carry = {(item.get("id"), s) for item, s in stamped if s == newest}
            following = _next_cursor(cursor, len(page.items), newest)
            if following is not None:
                pending = asyncio.ensure_future(client.list(path, _modified_query(params, following)))
            yield items, following, newest
            if following is None:
                return
            cursor = following
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


async def by_page(
    client: WooClient, path: str, params: Mapping[str, Any], first_page: int = 1
) -> AsyncIterator[tuple[list[dict[str, Any]], int | None]]:
    """Yield ``(items, next page number or None when done)`` in id order."""
    page_no = first_page
    while True:
        page = await client.list(
            path, {**params, "per_page": PER_PAGE, "page": page_no, "orderby": "id", "order": "asc"}
        )
        following = page_no + 1 if page.items and page_no < page.total_pages else None
        yield page.items, following
        if following is None:
            return
        page_no = following
