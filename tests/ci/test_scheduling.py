"""The order test files run in under ``make test``: browser files first (one unit, one demo), then
slow files, then the rest, most tests first; tests inside a file keep their order."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest
from xdist.scheduler import LoadFileScheduling

from tests.support.scheduling import make_scheduler, order_files


@dataclass
class Item:
    nodeid: str
    markers: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def test_browser_files_come_first_then_slow_files_then_the_most_tests_first() -> None:
    items = [
        Item("tests/a/test_small.py::one"),
        Item("tests/a/test_big.py::one"),
        Item("tests/a/test_big.py::two"),
        Item("tests/app/test_cli.py::quick"),
        Item("tests/app/test_cli.py::demo", {"slow"}),
        Item("tests/browser/test_widget.py::first"),
        Item("tests/browser/test_widget.py::second"),
        Item("tests/browser/test_dashboard.py::only"),
    ]
    order_files(cast(list[pytest.Item], items))
    assert [i.nodeid for i in items] == [
        "tests/browser/test_widget.py::first",
        "tests/browser/test_widget.py::second",
        "tests/browser/test_dashboard.py::only",
        "tests/app/test_cli.py::quick",
        "tests/app/test_cli.py::demo",
        "tests/a/test_big.py::one",
        "tests/a/test_big.py::two",
        "tests/a/test_small.py::one",
    ]


def test_loadfile_keeps_that_order_and_gives_every_browser_file_to_one_process() -> None:
    config: Any = SimpleNamespace(
        option=SimpleNamespace(loadscopereorder=True, numprocesses=2, tx=[], maxschedchunk=None),
        getvalue=lambda name: "loadfile",
    )
    scheduler = make_scheduler(config, SimpleNamespace(loadfilesched=None, loadscopesched=None))
    assert isinstance(scheduler, LoadFileScheduling)
    assert config.option.loadscopereorder is False
    split = scheduler._split_scope
    assert split("tests/browser/test_widget.py::a") == split("tests/browser/test_dashboard.py::b")
    assert split("tests/app/test_cli.py::a") == "tests/app/test_cli.py" != split("tests/app/test_jobs.py::a")


def test_other_distributions_keep_xdist_s_own_scheduler() -> None:
    config: Any = SimpleNamespace(getvalue=lambda name: "load")
    assert make_scheduler(config, None) is None
