"""The memory of a full insights refresh is bounded: 3x the sample, refreshed in a child process.

The test seeds ``build("sample", 7, scale=3)`` (20,757 orders, 7,071 people with orders) into
a database of its own, then runs ``tests.insights.scaled_sandbox`` in a new process, which
refreshes it and reports its resident set size just before ``refresh_merchant`` and the
kernel's high-water mark during it (so nothing the refresh allocates and frees in between
escapes it; why not ``ru_maxrss``: ``tests.insights.scaled_sandbox``). The seeding is in this
process, so the growth is the refresh's own.

Measured (2026-12-07, 2-4 runs each, at load 1 to 8): a growth of 168-174 MiB on SQLite and
147-148 MiB on PostgreSQL at 3x, the spread between runs under 4 %. Then the predictions step
filled its parameter draws in place (229-232 MiB on SQLite, 216-219 on PostgreSQL before: the
draws held twice, a list and its ``np.stack``), and later the history became columns
(``insights.history.OrderColumns``: 33 MiB of Python objects at 3x before) and identity stopped
reading names and addresses it does not use: 127 MiB on SQLite, 115 on PostgreSQL (136 and 120
just before those two; the largest step left is predictions, 46 MiB over profiles).
``GROWTH_BOUND_MIB`` leaves 23 MiB over the highest, so a second copy of the draws, or of the
history as objects, fails here without the million-order run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from sandbox.dataset.scale import scaled
from tests.insights.scaled_sandbox import seed_scaled
from tests.insights.test_scale_answers import AS_OF
from tests.support.servers import scratch_database

pytestmark = [pytest.mark.db, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCALE = 3
GROWTH_BOUND_MIB = 150
"""The refresh's own peak RSS growth at 3x the sample; see the module docstring for why."""


async def test_refresh_of_3x_the_sample_stays_under_its_memory_bound(tmp_path: Path) -> None:
    async with scratch_database(tmp_path) as url:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            await ctx.generate_schemas()
            merchant_id, written = await seed_scaled(scaled("sample", 7, SCALE))
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.insights.scaled_sandbox",
            "refresh",
            url,
            str(merchant_id),
            AS_OF.isoformat(),
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(child.communicate(), timeout=600)
    assert child.returncode == 0, err.decode()[-2000:]
    report = json.loads(out.decode().splitlines()[-1])
    assert report["orders"] == written > 20_000
    assert set(report["step_s"]) == {"identity", "profiles", "segments", "predictions", "recommendations"}
    assert 0 < report["growth_mib"] <= GROWTH_BOUND_MIB, report
