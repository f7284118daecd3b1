"""The app under chosen settings, on the test's database, called over ASGI from chosen addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from tortoise import Tortoise

from app.db import tortoise_config
from app.settings import Settings
from app.web import create_app
from tests.support.rate_windows import clear_of_minute_edge, counts_per_minute
from tests.support.servers import SECRET


@asynccontextmanager
async def serving(database_url: str, **overrides: Any) -> AsyncIterator[Starlette]:
    """The app with its lifespan entered; the ORM the test shares is opened again afterwards."""
    if counts_per_minute(overrides):
        await clear_of_minute_edge()
    app = create_app(Settings(database_url=database_url, secret_key=SECRET, **overrides), run_jobs=False)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


def caller(app: Starlette, address: str = "203.0.113.7") -> httpx.AsyncClient:
    """A client whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://rapport.test")
