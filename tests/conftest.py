"""Test wiring: one database backend per pytest run, real servers or a clear skip.

``RAPPORT_TEST_DB=sqlite`` (default) or ``postgres`` picks the backend (Tortoise holds one
backend per process). PostgreSQL and Redis tests skip with a message naming the server when
it cannot be reached, except under ``CI=true``, where an unreachable server fails the run.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from store import crypto
from tests.support import scheduling, variants
from tests.support.databases import Copies, drop_later, pg_url, wait_for_drops
from tests.support.servers import (
    BACKEND,
    PG_ADMIN_URL,
    REDIS_URL,
    SECRET,
    need_server,
    pg_admin,
)
from tests.support.smtp import Mailbox


def pytest_report_header(config: pytest.Config) -> str:
    return f"rapport database backend: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run repeats only the tests that touch the database; long files run first."""
    if BACKEND == "postgres":
        keep = [item for item in items if item.get_closest_marker("db")]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep
    scheduling.order_files(items)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    return scheduling.make_scheduler(config, log)


@pytest.fixture(autouse=True, scope="session")
def _secrets() -> None:
    crypto.configure(SECRET)


_COPIED: set[str] = set()
"""Database URLs copied from the schema template: they need no tables created."""


async def _build_schema(url: str) -> None:
    async with TortoiseContext() as ctx:  # closed before any copy: a template must have no connections
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()


@pytest.fixture(scope="session")
def schema_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copies]:
    """Copies of an empty database with the full schema, built once per test process. Creating
    every table costs 0.6-0.9 s per test on PostgreSQL and 0.15 s on SQLite, a copy a fraction."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
        asyncio.run(_build_schema(f"sqlite://{path}"))
        yield Copies(str(path))
        return
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_st_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    copies = None
    try:
        asyncio.run(_build_schema(pg_url(name)))
        copies = Copies(name)
        yield copies
    finally:
        if copies is not None:
            copies.close()
        drop_later(name)


@pytest.fixture(autouse=True, scope="session")
def _databases_dropped() -> Iterator[None]:
    """The test process ends once the databases its tests used are dropped."""
    yield
    wait_for_drops()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for code under test to migrate and use (subprocesses too): empty, or, for
    a test that uses ``db``, a copy of the schema template (what ``db`` would create)."""
    if "db" in request.fixturenames:
        copies: Copies = request.getfixturevalue("schema_copies")
        url = copies.take(tmp_path)
        _COPIED.add(url)
        yield url
        _COPIED.discard(url)
        copies.give_back(url)
        return
    if BACKEND == "sqlite":
        yield f"sqlite://{tmp_path / 'rapport.sqlite3'}"
        return
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    yield pg_url(name)
    drop_later(name)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[TortoiseContext]:
    """The ORM on a fresh database with the full schema, open for the test's tasks."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        if database_url not in _COPIED:  # a database_url of another conftest's making
            await ctx.generate_schemas()
        yield ctx


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    """A real SMTP server on a free port, for the code under test to send to (``smtp.url``)."""
    mailbox = Mailbox().start()
    yield mailbox
    mailbox.stop()


@pytest.fixture(params=["local", "arq"])
def runner(request: pytest.FixtureRequest) -> str:
    """Each job runner in turn: the embedded one, then arq on Redis (skipped, or failed in CI, without Redis)."""
    if request.param == "arq":
        request.getfixturevalue("redis_url")
    return request.param


@pytest.fixture
def redis_url() -> str:
    need_server("Redis", REDIS_URL)
    return REDIS_URL


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Show which variants actually ran: the database backend and each job runner."""
    passed = terminalreporter.stats.get("passed", [])
    db_tests = sum(1 for r in passed if "db" in r.keywords)
    runners = {name: sum(1 for r in passed if f"[{name}]" in r.nodeid) for name in ("local", "arq")}
    terminalreporter.write_line(
        f"variants: {db_tests} database tests passed on {BACKEND}; job tests passed: "
        f"embedded runner {runners['local']}, arq/Redis {runners['arq']}"
    )
    skipped = variants.skipped_variants(terminalreporter.stats.get("skipped", []))
    variants.remember(BACKEND, skipped)
    terminalreporter.write_line(variants.verdict(skipped))
