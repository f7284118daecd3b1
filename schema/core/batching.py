"""Helpers DataLoaders share: rows by key, rows grouped by key, in the order keys were asked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

Loader = DataLoader[int, Any]


def by_key(rows: Iterable[Any], keys: Sequence[int], attr: str = "id") -> list[Any]:
    found = {getattr(row, attr): row for row in rows}
    return [found.get(key) for key in keys]


def grouped(rows: Iterable[Any], keys: Sequence[int], attr: str) -> list[list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return [groups.get(key, []) for key in keys]


def loader(fetch: Callable[[list[int]], Awaitable[list[Any]]]) -> Loader:
    """A DataLoader over unique int keys: one ``fetch`` per batch."""
    return DataLoader(load_fn=fetch)
