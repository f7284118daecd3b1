"""What every ``rapport`` command group shares: one-line failures and running with services open."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from app.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

MAX_ID = 2**31 - 1
"""Row ids are 32-bit integers on both backends; a larger one is bad input, not a database error."""

ACTOR_HELP = (
    "required: who asks, an account id such as staff:42, recorded with the request in the audit log "
    "(an id, never a name or email, so the log itself holds no personal data)"
)


def actor_or_exit(actor: str | None, option: str = "--actor") -> str:
    """The audit trail must say who acted, so a missing or personal actor stops the command."""
    if actor is None or not actor.strip():
        raise fail(
            f"{option} is required: the account id of who asks (e.g. {option} staff:42), recorded in the audit log"
        )
    if "@" in actor:
        raise fail(f"{option} must be an account id such as staff:42, not an email address")
    return actor.strip()


def fail(message: str, code: int = 2) -> typer.Exit:
    """One line on stderr; exit 2 for bad input or settings, 1 when the command cannot do its work
    (nothing by that id, a database without its schema)."""
    typer.echo(f"rapport: {message}", err=True)
    return typer.Exit(code)


def startup_failure(exc: Exception) -> typer.Exit:
    from app.preflight import SchemaError

    return fail(str(exc), 1 if isinstance(exc, SchemaError) else 2)


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the database open, turning start-up failures into one line."""
    from app.preflight import StartupError, open_services

    async def main() -> T:
        async with open_services(settings):
            return await work()

    try:
        return asyncio.run(main())
    except StartupError as exc:
        raise startup_failure(exc) from None
