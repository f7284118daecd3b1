"""Relay connections over in-memory records, with Shopify-style opaque cursors.

A cursor is base64 of ``{"last_id": <id>, "last_value": <sort value>}``: keyset
pagination on (sort value, id), so a record updated during a sync moves to the end of an
``UPDATED_AT`` walk instead of shifting everything after it.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Key = tuple[Any, int]


class CursorError(ValueError):
    pass


def encode_cursor(key: Key) -> str:
    value, last_id = key
    raw = json.dumps({"last_id": last_id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, sample: Any) -> Key:
    """Key of ``cursor``; ``sample`` is any sort value, to check the cursor fits this sort."""
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        value, last_id = data["last_value"], data["last_id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise CursorError("Invalid cursor.") from exc
    if not isinstance(last_id, int) or (sample is not None and type(value) is not type(sample)):
        raise CursorError("Invalid cursor for current pagination sort.")
    return value, last_id


@dataclass
class Page:
    items: list[Any]
    keys: list[Key]
    has_next: bool
    has_previous: bool

    def as_connection(self) -> dict[str, Any]:
        cursors = [encode_cursor(k) for k in self.keys]
        return {
            "nodes": self.items,
            "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, self.items, strict=True)],
            "pageInfo": {
                "hasNextPage": self.has_next,
                "hasPreviousPage": self.has_previous,
                "startCursor": cursors[0] if cursors else None,
                "endCursor": cursors[-1] if cursors else None,
            },
        }


def paginate(
    records: Sequence[Any],
    keys: Sequence[Key],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    keep: Callable[[Any], bool] | None = None,
) -> Page:
    """One page of ``records`` (sorted ascending by ``keys``), filtered by ``keep``."""
    n = len(records)
    sample = keys[0][0] if keys else None
    # positions in the *walk order* (ascending, or descending when reverse)
    order = range(n - 1, -1, -1) if reverse else range(n)

    start, stop = 0, n
    if after is not None:
        key = decode_cursor(after, sample)
        start = n - bisect.bisect_left(keys, key) if reverse else bisect.bisect_right(keys, key)
    if before is not None:
        key = decode_cursor(before, sample)
        stop = n - bisect.bisect_right(keys, key) if reverse else bisect.bisect_left(keys, key)
    stop = max(start, stop)
    ok = keep or (lambda _r: True)

    def matches(positions: range | list[int]) -> Any:
        for pos in positions:
            idx = order[pos]
            if ok(records[idx]):
                yield idx

    window = range(start, stop)
    if first is not None:
        picked: list[int] = []
        extra = False
        for idx in matches(window):
            if len(picked) == first:
                extra = True
                break
            picked.append(idx)
        if last is not None:
            picked = picked[-last:] if last else []
        has_next = extra or (before is not None and any(True for _ in matches(range(stop, n))))
        has_prev = any(True for _ in matches(range(start - 1, -1, -1)))
    else:
        count = last if last is not None else 0
        picked_rev: list[int] = []
        extra = False
        for idx in matches(range(stop - 1, start - 1, -1)):
            if len(picked_rev) == count:
                extra = True
                break
            picked_rev.append(idx)
        picked = picked_rev[::-1]
        has_prev = extra or (after is not None and any(True for _ in matches(range(start - 1, -1, -1))))
        has_next = any(True for _ in matches(range(stop, n)))
    return Page(
        items=[records[i] for i in picked],
        keys=[keys[i] for i in picked],
        has_next=has_next,
        has_previous=has_prev,
    )
