"""Database wiring: the Tortoise config for the one ``models`` app and its migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise

MODEL_MODULES = [
    "store.models",
    "insights.models",
    "loyalty.models",
    "feedback.models",
    "campaigns.models",
    "measure.models",
]


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _tortoise_url(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


POOL_MAXSIZE = 10
"""asyncpg's default pool of 5 connections queued webhook intake under 32 concurrent senders."""


def _tortoise_url(url: str) -> str:
    """Tortoise spells PostgreSQL ``postgres://``; accept ``postgresql://`` too, and size the pool
    unless the URL does."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://") and "maxsize=" not in url:
        url += ("&" if "?" in url else "?") + f"maxsize={POOL_MAXSIZE}"
    return url


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[None]:
    """Open the ORM for the current task tree (and as process fallback for other tasks)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()
