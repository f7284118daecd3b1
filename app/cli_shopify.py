"""``rapport shopify-app-config``: the Shopify app's ``shopify.app.toml`` from this deployment's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli_common import fail, settings_or_exit


def shopify_app_config(
    output: Annotated[Path | None, typer.Option(help="write the file here instead of printing it")] = None,
    example: Annotated[bool, typer.Option(help="use the README's example settings (the committed file)")] = False,
) -> None:
    """Print (or write) shopify.app.toml: scopes, webhooks, app proxy and admin URL from the settings."""
    from app.shopify_app import AppConfigError, app_config, example_settings, render

    settings = example_settings() if example else settings_or_exit()
    try:
        text = render(app_config(settings))
    except AppConfigError as exc:
        raise fail(str(exc)) from None
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}", 1) from None
    typer.echo(f"wrote {output}")
