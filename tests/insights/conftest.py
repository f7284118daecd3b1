"""A sandbox merchant seeded and refreshed once per module, for tests that only read the result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.refresh import RefreshResult, refresh_merchant
from tests.insights.sandbox_store import SandboxStore, load_sandbox
from tests.support.servers import scratch_database

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
    async with scratch_database(tmp_path_factory.mktemp("refreshed")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        progress: list[tuple[str, int, int]] = []
        result = await refresh_merchant(sandbox.merchant_id, lambda *step: progress.append(step), as_of=AS_OF)
        yield Refreshed(sandbox, result, progress)
