"""The Relay arguments every connection field takes, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from schema.core.pagination import Ordering, PageRequest, page_request


@dataclass(frozen=True)
class Window:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def request(self, ordering: Ordering) -> PageRequest:
        return page_request(ordering, self.first, self.after, self.last, self.before)
