"""Fresh test databases without waiting on PostgreSQL: copies of a template made ahead, and
databases dropped in the background.

On PostgreSQL ``DROP DATABASE`` waits for a checkpoint of the whole server (0.3-3 s, longer when
other databases are busy) and ``CREATE DATABASE ... TEMPLATE`` takes 0.2-1 s: a test that did
both itself would wait that long for nothing it checks. Here one thread keeps the next copies
ready and another drops used databases while the next tests run; a test process waits for its
last drops when it ends. On SQLite a copy is a file copy and nothing needs dropping.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tests.support.servers import BACKEND, PG_ADMIN_URL, pg_admin

_dropper: ThreadPoolExecutor | None = None
_drops: list[Future[None]] = []


def pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_later(name: str) -> None:
    """Drop the PostgreSQL database ``name`` on the background thread (connections left open are ended)."""
    global _dropper
    if _dropper is None:
        _dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-database-drops")
    _drops.append(_dropper.submit(asyncio.run, pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


def wait_for_drops() -> None:
    """Every database handed to ``drop_later`` is gone when this returns (end of the test process)."""
    while _drops:
        _drops.pop().result()


class Copies:
    """Copies of a template database (a SQLite file's path, or a PostgreSQL database's name), each
    an empty-of-rows database of its own; on PostgreSQL the next ``AHEAD`` are made in advance."""

    AHEAD = 1

    def __init__(self, template: str) -> None:
        self.template = template
        self.ahead: deque[Future[str]] = deque()
        self.maker: ThreadPoolExecutor | None = None
        if BACKEND != "sqlite":
            self.maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-database-copies")
            for _ in range(self.AHEAD):
                self._make_one()

    def _make_one(self) -> None:
        assert self.maker is not None
        name = f"rapport_t_{uuid.uuid4().hex[:12]}"
        sql = f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'
        self.ahead.append(self.maker.submit(lambda: (asyncio.run(pg_admin(sql)), name)[1]))

    def take(self, where: Path) -> str:
        """A new database's URL (a file in ``where`` on SQLite); give it back with ``give_back``."""
        if BACKEND == "sqlite":
            path = where / "rapport.sqlite3"
            shutil.copyfile(self.template, path)
            return f"sqlite://{path}"
        ready = self.ahead.popleft()
        self._make_one()
        return pg_url(ready.result())

    @staticmethod
    def give_back(url: str) -> None:
        if BACKEND != "sqlite":
            drop_later(url.rsplit("/", 1)[1])

    def close(self) -> None:
        """Drop the copies made ahead and unused."""
        if self.maker is None:
            return
        for unused in self.ahead:
            drop_later(unused.result())
        self.ahead.clear()
        self.maker.shutdown(wait=True)
