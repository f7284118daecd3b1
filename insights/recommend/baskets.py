"""Baskets: the unit of evidence for co-purchase, and how they are read from disk."""

from __future__ import annotations

import gzip
import os
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeAlias

Item: TypeAlias = Hashable
"""A product id as the store knows it (int or str); models map it to a dense index."""

Basket: TypeAlias = Sequence[Item]
"""The distinct items of one order."""


def distinct(items: Iterable[Item]) -> tuple[Item, ...]:
    """Drop repeats but keep first-seen order, so a quantity of 3 counts as one purchase."""
    if isinstance(items, str | bytes):
        raise TypeError(f"a basket must be a collection of item ids, not {type(items).__name__}")
    return tuple(dict.fromkeys(items))


def read_baskets(path: str | os.PathLike[str]) -> list[tuple[str, ...]]:
    """Read one basket per line, item ids separated by whitespace (the FIMI `retail.dat` layout).

    Gzipped when the name ends in `.gz`. Blank lines are skipped and items are de-duplicated
    within a basket; ids stay strings because they are opaque product ids, not numbers.
    """
    name = os.fspath(path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(name, "rt", encoding="utf-8") as lines:
        return [distinct(items) for line in lines if (items := line.split())]
