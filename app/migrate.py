"""Schema migrations with Tortoise's built-in migration system (one folder for both backends).

aerich writes SQL in the dialect that generated it, so one aerich folder cannot serve SQLite
and PostgreSQL; Tortoise's own migrations hold Python operations and render per backend.
SQLite table rebuilds run with ``foreign_keys=OFF`` so ``ON DELETE CASCADE`` children survive,
and every index the models declare is checked after migrating, because a rebuild drops them.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from app.db import tortoise_config


def _migration_url(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        return database_url + ("&" if "?" in database_url else "?") + "foreign_keys=OFF"
    return database_url


async def apply(database_url: str) -> list[str]:
    """Apply pending migrations; returns the names applied, in order."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    config = tortoise_config(_migration_url(database_url))
    async with TortoiseContext():
        await tortoise_migrate(config=config, progress=progress)
        await Tortoise.close_connections()
    return applied


async def pending_model_changes(database_url: str = "sqlite://:memory:") -> list[Any]:
    """Migrations the models would need that the ``migrations`` folder does not hold yet."""
    config = tortoise_config(database_url)
    apps_config = config["apps"]
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        writers = await MigrationAutodetector(ctx.apps, apps_config).changes()
        await Tortoise.close_connections()
    return writers


async def make(name: str | None = None) -> list[str]:
    """Write migration files for model changes (a developer command); returns their paths."""
    written = []
    for writer in await pending_model_changes():
        if name:
            number = int(writer.name.split("_", 1)[0])
            writer.name = f"{number:04d}_{name}"
        written.append(str(writer.write()))
    return written
