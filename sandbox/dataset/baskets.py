"""Reader for the retail market-basket file (``sandbox/data/retail.dat.gz``).

88,162 real retail baskets, one per line, item ids separated by spaces. Order lines
of the sandbox are drawn from these baskets so that co-purchase structure is real.
Lines are parsed on access: a build only touches the baskets it draws.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from functools import lru_cache
from typing import overload

from .cdnow import DATA_DIR

RETAIL_FILE = "retail.dat.gz"


class Baskets(Sequence[tuple[int, ...]]):
    """Read-only sequence of baskets; each basket is a tuple of distinct item ids."""

    def __init__(self, lines: list[bytes]):
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, ...]]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return tuple(dict.fromkeys(map(int, self._lines[index].split())))


@lru_cache(maxsize=1)
def read_baskets() -> Baskets:
    """All non-empty baskets, in file order."""
    with gzip.open(DATA_DIR / RETAIL_FILE, "rb") as fh:
        lines = [line for line in fh.read().splitlines() if line.strip()]
    return Baskets(lines)
