"""The order test files run in, and how ``pytest -n N --dist loadfile`` shares them out.

xdist's own order puts the files with most tests first, so files of few but long tests (the
browser tests behind one ``rapport demo``, the demo's own test, the end-to-end ones) came last and
one process ran them while the other had finished. Here the browser files go first, as one unit
of work for one process (one demo and one Chromium per run instead of one per process), then the
files marked ``slow``, then the rest, most tests first. Inside a file the order is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

BROWSER = "tests/browser/"
"""Files under this folder share the session's demo: one process runs them all."""


def _file(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def order_files(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place, whole files at a time (see the module's docstring)."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(_file(item), []).append(item)

    def rank(entry: tuple[int, tuple[str, list[pytest.Item]]]) -> tuple[int, int, int]:
        position, (name, tests) = entry
        if name.startswith(BROWSER):
            return (0, 0, position)
        slow = any(test.get_closest_marker("slow") for test in tests)
        return (1 if slow else 2, -len(tests), position)

    ranked: Sequence[tuple[int, tuple[str, list[pytest.Item]]]] = sorted(enumerate(files.items()), key=rank)
    items[:] = [test for _, (_, tests) in ranked for test in tests]


def make_scheduler(config: pytest.Config, log: object) -> object | None:
    """For ``--dist loadfile``: the files in the order given, the browser files one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTogether(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            scope: str = super()._split_scope(nodeid)
            return BROWSER if scope.startswith(BROWSER) else scope

    config.option.loadscopereorder = False  # the files come ordered by ``order_files``
    return BrowserTogether(config, log)
