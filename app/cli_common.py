"""What every ``rapport`` command group shares: one-line failures and running with services open."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from app.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    typer.echo(f"rapport: {message}", err=True)
    return typer.Exit(2)


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
        raise fail(str(exc)) from None
