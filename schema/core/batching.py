"""Helpers DataLoaders share: rows by key, rows grouped by key, in the order keys were asked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

Row = DataLoader[int, T | None]
"""One row per id, ``None`` where there is none (or it is out of scope)."""
Rows = DataLoader[int, list[T]]
"""Every row of an id, ``[]`` where there is none."""


def by_key(rows: Iterable[T], keys: Sequence[Any], attr: str = "id") -> list[T | None]:
    found = {getattr(row, attr): row for row in rows}
    return [found.get(key) for key in keys]


def grouped(rows: Iterable[T], keys: Sequence[Any], attr: str) -> list[list[T]]:
    groups: dict[Any, list[T]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return [groups.get(key, []) for key in keys]


def loader(fetch: Callable[[list[K]], Awaitable[Sequence[T]]]) -> DataLoader[K, T]:
    """A DataLoader over unique keys: one ``fetch`` per batch."""
    return DataLoader(load_fn=fetch)


def present(row: T | None) -> T:
    """A row its foreign key guarantees: when it is missing, that is a bug, not an absent object."""
    if row is None:
        raise LookupError("a row a foreign key names is missing")
    return row
