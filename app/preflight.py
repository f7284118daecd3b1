"""Start-up checks that turn an unreachable service into one clear line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url

from app.db import tortoise_config
from app.settings import Settings
from store import crypto
from store.introspect import applied_migrations, table_names


class StartupError(Exception):
    """A service the settings point at cannot be used; the message names it."""


class SchemaError(StartupError):
    """The database is reachable but not migrated (or behind): the fix is ``rapport migrate``."""


def redact(url: str) -> str:
    """The URL without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def check_database(settings: Settings, *, schema: bool = False) -> None:
    """Connect once; with ``schema``, also demand the migrated tables, before a missing SQLite
    file gets created empty by connecting to it."""
    if schema and _sqlite_file_missing(settings.database_url):
        raise _no_schema(settings)
    folder = _sqlite_folder(settings.database_url)
    if folder is not None and not folder.is_dir():
        raise StartupError(f"cannot use the database at {redact(settings.database_url)}: there is no folder {folder}")
    try:
        try:
            await Tortoise.init(config=tortoise_config(settings.database_url))
            await connections.get("default").execute_query("SELECT 1")
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StartupError(f"cannot use the database at {redact(settings.database_url)}: {reason}") from None
        if schema and not await schema_is_current(connections.get("default")):
            raise _no_schema(settings)
    finally:
        await Tortoise.close_connections()


async def schema_is_current(conn: BaseDBAsyncClient) -> bool:
    """Every model's table exists and, when the database was migrated, every migration on disk
    is applied (a schema made by ``generate_schemas``, as tests do, has no record to compare)."""
    tables = await table_names(conn)
    if not {model._meta.db_table for model in Tortoise.apps["models"].values()} <= tables:
        return False
    if "tortoise_migrations" not in tables:
        return True
    return migrations_on_disk() <= await applied_migrations(conn)


def migrations_on_disk() -> set[str]:
    package = import_module(tortoise_config("sqlite://:memory:")["apps"]["models"]["migrations"])
    return {p.stem for path in package.__path__ for p in Path(path).glob("[0-9][0-9][0-9][0-9]_*.py")}


def _sqlite_file_missing(url: str) -> bool:
    path = _sqlite_path(url)
    return path is not None and not path.exists()


def _sqlite_folder(url: str) -> Path | None:
    """Where a SQLite file goes; checked first, because a failed open leaves aiosqlite's thread
    to print a traceback after the command has ended."""
    path = _sqlite_path(url)
    return None if path is None else path.resolve().parent


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = expand_db_url(url)["credentials"]["file_path"]
    return None if path == ":memory:" else Path(path)


def _no_schema(settings: Settings) -> SchemaError:
    return SchemaError(
        f"the database at {redact(settings.database_url)} has no schema (or is behind): run rapport migrate"
    )


async def check_redis(settings: Settings) -> None:
    if not settings.redis_url:
        return
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        raise StartupError(f"cannot reach Redis at {redact(settings.redis_url)}: {exc}") from None
    finally:
        await client.aclose()


async def check_services(settings: Settings) -> None:
    """Redis first, so an unreachable queue is named even on a database still to migrate."""
    await check_redis(settings)
    await check_database(settings, schema=True)


def install_secrets(settings: Settings) -> None:
    """Give the store's encrypted fields the key ring from SECRET_KEY (and its fallbacks)."""
    crypto.configure(
        settings.secret_key.get_secret_value(), *(s.get_secret_value() for s in settings.secret_key_fallbacks)
    )


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[None]:
    """Check the services, then hold the ORM open for a CLI command."""
    await check_services(settings)
    install_secrets(settings)
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()
