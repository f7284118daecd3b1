"""``rapport loyalty``: checking and rebuilding the ledger, and running the periodic work by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from app.cli_common import run, settings_or_exit

loyalty_cli = typer.Typer(help="The loyalty program: ledger checks, replay, release and expiry.", no_args_is_help=True)
Merchant = Annotated[int | None, typer.Option("--merchant", help="one merchant id (default: every merchant with a program)")]


async def _merchants(merchant_id: int | None) -> list[int]:
    from loyalty.models import ProgramVersion

    if merchant_id is not None:
        return [merchant_id]
    return sorted(set(await ProgramVersion.all().values_list("merchant_id", flat=True)))


@loyalty_cli.command("rebuild-balances")
def rebuild_balances_command(
    merchant: Merchant = None,
    apply: Annotated[bool, typer.Option("--apply", help="write the ledger's sums over the cached balances")] = False,
) -> None:
    """Recompute balances from the ledger and report every disagreement (exit 1 when some are found)."""
    from loyalty.replay import rebuild_balances

    async def work() -> list[str]:
        lines = []
        for merchant_id in await _merchants(merchant):
            for d in await rebuild_balances(merchant_id, apply=apply):
                lines.append(f"merchant {merchant_id} {d.what} {d.id}: cached {d.cached} ledger {d.ledger}")
        return lines

    found = run(settings_or_exit(), work)
    typer.echo("\n".join(found) or "every cached balance agrees with the ledger")
    if found:
        typer.echo(f"{len(found)} disagreement(s)" + (", fixed" if apply else "; run with --apply to fix"))
        if not apply:
            raise typer.Exit(1)


@loyalty_cli.command("replay")
def replay_command(
    merchant: Merchant = None,
    apply: Annotated[bool, typer.Option("--apply", help="post the differences as adjustment entries")] = False,
    show: Annotated[int, typer.Option(help="differences to print per merchant")] = 50,
) -> None:
    """Recompute every order under the current program and show the differences (a dry run unless --apply)."""
    from loyalty.replay import replay

    async def work() -> list[str]:
        lines = []
        for merchant_id in await _merchants(merchant):
            report = await replay(merchant_id, apply=apply)
            lines.append(f"merchant {merchant_id}: {report.orders} orders, {len(report.differences)} differ, "
                         f"points {report.points_delta:+d} ({report.seconds:.2f} s){' applied' if apply else ' (dry run)'}")
            lines += [f"  order {d.order_id} profile {d.profile_id}: {d.posted} -> {d.replayed}"
                      for d in report.differences[:show]]
        return lines

    typer.echo("\n".join(run(settings_or_exit(), work)))


@loyalty_cli.command("release")
def release_command(merchant: Merchant = None) -> None:
    """Release pending points whose return window has passed."""
    from loyalty.release import release_due

    released = run(settings_or_exit(), lambda: release_due(datetime.now(UTC), merchant_id=merchant))
    typer.echo(f"released {released} order(s)")


@loyalty_cli.command("expire")
def expire_command(merchant: Merchant = None) -> None:
    """Expire due points and unused codes, and send expiry reminders."""
    from loyalty.expiry import expire_due

    async def work() -> list[str]:
        return [f"merchant {m}: {await expire_due(m, datetime.now(UTC))}" for m in await _merchants(merchant)]

    typer.echo("\n".join(run(settings_or_exit(), work)))
