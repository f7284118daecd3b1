"""Start-up checks that turn an unreachable service into one clear line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise, connections

from app.db import tortoise_config
from app.settings import Settings
from store import crypto


class StartupError(Exception):
    """A service the settings point at cannot be used; the message names it."""


def redact(url: str) -> str:
    """The URL without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def check_database(settings: Settings) -> None:
    try:
        await Tortoise.init(config=tortoise_config(settings.database_url))
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"cannot use the database at {redact(settings.database_url)}: {reason}") from None
    finally:
        await Tortoise.close_connections()


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
    await check_database(settings)
    await check_redis(settings)


def install_secrets(settings: Settings) -> None:
    """Give the store's encrypted fields the key ring from SECRET_KEY (and its fallbacks)."""
    crypto.configure(settings.secret_key.get_secret_value(),
                     *(s.get_secret_value() for s in settings.secret_key_fallbacks))


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
