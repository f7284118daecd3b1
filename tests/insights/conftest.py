"""A sandbox merchant seeded and refreshed once per module, for tests that only read the result."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.refresh import RefreshResult, refresh_merchant
from tests.insights.sandbox_store import SandboxStore, load_sandbox
from tests.support.servers import BACKEND, PG_ADMIN_URL, need_server, pg_admin

AS_OF = datetime(1998, 7, 1, tzinfo=UTC)
"""The day after the sandbox's CDNOW history ends: "today" for recency and CLV."""


@dataclass
class Refreshed:
    sandbox: SandboxStore
    result: RefreshResult
    progress: list[tuple[str, int, int]]


@pytest_asyncio.fixture(scope="module")
async def refreshed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refreshed]:
    """The sandbox merchant after one full refresh as of ``AS_OF`` (read it, do not change it)."""
    if BACKEND == "sqlite":
        url, name = f"sqlite://{tmp_path_factory.mktemp('refreshed') / 'rapport.sqlite3'}", None
    else:
        need_server("PostgreSQL", PG_ADMIN_URL)
        name = f"rapport_t_{uuid.uuid4().hex[:12]}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            await ctx.generate_schemas()
            sandbox = await load_sandbox()
            progress: list[tuple[str, int, int]] = []
            result = await refresh_merchant(sandbox.merchant_id, lambda *step: progress.append(step), as_of=AS_OF)
            yield Refreshed(sandbox, result, progress)
    finally:
        if name:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
