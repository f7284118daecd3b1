"""Start-up leaves its long-lived objects out of the garbage collector's scans, once per process."""

from __future__ import annotations

import gc

import pytest

from app.settings import load_settings
from app.web import create_app
from tests.support.servers import SECRET

pytestmark = pytest.mark.db


async def test_start_up_freezes_what_it_built_once_per_process(database_url):
    async def start() -> int:
        app = create_app(load_settings(database_url=database_url, secret_key=SECRET, scheduler=False), run_jobs=False)
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    first = await start()
    assert first > 0
    garbage = [[n] for n in range(10_000)]  # alive during the second start: must not be pinned for good
    second = await start()
    del garbage
    assert second <= first  # nothing was added (frozen objects that die leave the count)
