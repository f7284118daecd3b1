"""Loyalty tests each get a fresh database copied from one built per session.

Creating the schema of every model costs about 1.6 s per test on PostgreSQL; a copy of a
template database (``CREATE DATABASE ... TEMPLATE``, or a file copy on SQLite) costs a
fraction of that, and the test still starts from an empty database of its own.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from tests.loyalty.helpers import Shop, make_shop
from tests.support.servers import BACKEND, PG_ADMIN_URL, need_server, pg_admin


async def _build_schema(url: str) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("loyalty") / "template.sqlite3"
        asyncio.run(_build_schema(f"sqlite://{path}"))
        yield str(path)
        return
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_lt_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_build_schema(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"))
    yield name
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(template_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the full schema, copied from the session's template."""
    if BACKEND == "sqlite":
        path = tmp_path / "rapport.sqlite3"
        shutil.copy(template_url, path)
        yield f"sqlite://{path}"
        return
    name = f"rapport_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_url}"'))
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[TortoiseContext]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        yield ctx


@pytest.fixture
async def shop(db) -> Shop:
    return await make_shop()
