"""Dense integer codes for product ids, so counts can live in numpy arrays and sparse matrices."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import numpy as np

from insights.recommend.baskets import Item, distinct


class ItemIndex:
    """Maps arbitrary hashable ids to 0..n-1 and back.

    Codes are handed out in first-seen order and never reassigned: a refresh with new baskets
    only appends, so existing count rows stay aligned and an incremental fit numbers items
    exactly like a full fit over the same baskets in the same order.
    """

    __slots__ = ("_codes", "_items")

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self._codes: dict[Item, int] = {}
        self._items: list[Item] = []
        self.extend(items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._codes

    @property
    def items(self) -> list[Item]:
        return list(self._items)

    def extend(self, items: Iterable[Item]) -> None:
        """Append ids not seen before (duplicates in `items` are fine)."""
        for item in dict.fromkeys(items):
            if item not in self._codes:
                self._codes[item] = len(self._items)
                self._items.append(item)

    def encode_baskets(self, baskets: Iterable[Iterable[Item]]) -> tuple[np.ndarray, np.ndarray]:
        """CSR layout (indptr, codes) of de-duplicated baskets, registering unseen items.

        One dict lookup per item through `map`, no per-pair work: this is the only step
        that touches Python objects, everything downstream is array arithmetic.
        """
        deduped = [distinct(basket) for basket in baskets]
        flat = list(chain.from_iterable(deduped))
        self.extend(flat)
        codes = np.fromiter(map(self._codes.__getitem__, flat), dtype=np.int64, count=len(flat))
        sizes = np.fromiter(map(len, deduped), dtype=np.int64, count=len(deduped))
        indptr = np.zeros(len(deduped) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        return indptr, codes

    def codes(self, items: Iterable[Item]) -> np.ndarray:
        """Codes of `items` in order, -1 for ids the index has never seen (cold start)."""
        get = self._codes.get
        return np.fromiter((get(item, -1) for item in items), dtype=np.int64)

    def decode(self, codes: Iterable[int]) -> list[Item]:
        items = self._items
        return [items[code] for code in codes]

    def to_array(self) -> np.ndarray:
        """Ids as one homogeneous array (int64 or unicode) so `numpy.savez` needs no pickling."""
        if all(isinstance(item, int | np.integer) and not isinstance(item, bool) for item in self._items):
            return np.asarray(self._items, dtype=np.int64)
        if all(isinstance(item, str) for item in self._items):
            return np.asarray(self._items, dtype=np.str_)
        raise TypeError("only all-int or all-str item ids can be saved in a model state")

    @classmethod
    def from_array(cls, items: Iterable[Item]) -> ItemIndex:
        ids = np.asarray(items)
        if ids.ndim != 1:
            raise ValueError("item ids in a model state must be a flat list")
        # tolist() turns numpy scalars back into plain int/str, which hash like the originals
        return cls(ids.tolist())
