"""Schema migrations with Tortoise's built-in migration system (one folder for both backends).

aerich writes SQL in the dialect that generated it, so one aerich folder cannot serve SQLite
and PostgreSQL; Tortoise's own migrations hold Python operations and render per backend.
SQLite table rebuilds run with ``foreign_keys=OFF`` so ``ON DELETE CASCADE`` children survive,
and every index the models declare is checked after migrating, because a rebuild drops them.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate as tortoise_migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from app.db import tortoise_config
from loyalty.ownership import settle_all
from store.introspect import describe
from store.sql import dialect_of


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
        conn = connections.get("default")
        if dialect_of(conn).sqlite:
            await restore_indexes(conn)
        await Tortoise.close_connections()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        await settle_all()  # balances kept before loyalty tracked ownership (migration 0007)
    return applied


async def expected_schema() -> dict[str, Any]:
    """The schema the models describe, read back from a scratch in-memory database."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config("sqlite://:memory:"))
        await ctx.generate_schemas()
        return await describe(ctx.db())


async def restore_indexes(conn: BaseDBAsyncClient) -> list[str]:
    """Recreate indexes a SQLite table rebuild dropped (unique ones included); returns them."""
    expected, actual = await expected_schema(), await describe(conn)
    created = []
    for table, shape in expected.items():
        have = actual[table].indexes if table in actual else set()
        for columns, unique in sorted(shape.indexes - have):
            name = f"rx_{table}_{'_'.join(columns)}"
            cols = ", ".join(f'"{c}"' for c in columns)
            kind = "UNIQUE INDEX" if unique else "INDEX"
            await conn.execute_script(f'CREATE {kind} IF NOT EXISTS "{name}" ON "{table}" ({cols})')
            created.append(name)
    return created


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
