"""Loyalty tests each get a fresh database copied from one built per session.

Creating the schema of every model costs about 1.6 s per test on PostgreSQL; a copy of a
template database (``CREATE DATABASE ... TEMPLATE``, made ahead, or a file copy on SQLite)
costs a fraction of that, and the test still starts from an empty database of its own
(``schema_copies`` in tests/conftest.py, shared with every other test that uses ``db``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from tests.loyalty.helpers import Shop, make_shop
from tests.support.databases import Copies


@pytest.fixture
def database_url(schema_copies: Copies, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the full schema, copied from the session's template."""
    url = schema_copies.take(tmp_path)
    yield url
    schema_copies.give_back(url)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[TortoiseContext]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        yield ctx


@pytest.fixture
async def shop(db) -> Shop:
    return await make_shop()
