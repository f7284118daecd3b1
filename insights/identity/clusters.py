"""Grouping customers into people: union-find that refuses to join what an admin kept apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Edge:
    """Evidence that customers ``a`` and ``b`` are one person."""

    a: int
    b: int
    keys: tuple[str, ...]
    score: float = 1.0

    @property
    def strength(self) -> tuple[int, float]:
        exact = sum(1 for k in self.keys if k != "name+address")
        return (exact, self.score)


class Clusters:
    """Disjoint sets of customer ids with cannot-link pairs.

    Edges are applied strongest first (more exact keys, then higher score); an edge that
    would put two customers of a cannot-link pair together is skipped, so a split stays
    split however the remaining evidence chains.
    """

    def __init__(self, members: Iterable[int], cannot_link: Iterable[tuple[int, int]] = ()) -> None:
        self._parent = {m: m for m in members}
        self._apart: dict[int, set[int]] = {m: set() for m in self._parent}
        for a, b in cannot_link:
            if a in self._parent and b in self._parent:
                self._apart[a].add(b)
                self._apart[b].add(a)
        self.used: list[Edge] = []

    def find(self, x: int) -> int:
        root = x
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[x] != root:
            self._parent[x], x = root, self._parent[x]
        return root

    def join(self, edge: Edge) -> bool:
        ra, rb = self.find(edge.a), self.find(edge.b)
        if ra == rb:
            return False
        if any(self.find(other) == rb for other in self._apart[ra]):
            return False
        if len(self._apart[ra]) < len(self._apart[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._apart[ra] |= self._apart.pop(rb)
        self.used.append(edge)
        return True

    def join_all(self, edges: Iterable[Edge]) -> None:
        for edge in sorted(edges, key=lambda e: (-e.strength[0], -e.strength[1], e.a, e.b)):
            self.join(edge)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for member in self._parent:
            out.setdefault(self.find(member), []).append(member)
        return sorted((sorted(g) for g in out.values()), key=lambda g: g[0])
