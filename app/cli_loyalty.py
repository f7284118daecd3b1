"""``rapport loyalty``: checking and rebuilding the ledger, and running the periodic work by hand
(release, expiry, and the tier perks' codes on the platforms)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from app.cli_common import MAX_ID, fail, run, settings_or_exit

loyalty_cli = typer.Typer(
    help="The loyalty program: ledger checks, replay, release, expiry and tier perks.", no_args_is_help=True
)
Merchant = Annotated[
    int | None,
    typer.Option("--merchant", min=1, max=MAX_ID, help="one merchant id (default: every merchant with a program)"),
]
NO_PROGRAM = "nothing to do: no merchant has a loyalty program yet"


async def _merchants(merchant_id: int | None) -> list[int]:
    from loyalty.models import ProgramVersion

    if merchant_id is not None:
        from store.models import Merchant

        if not await Merchant.exists(id=merchant_id):
            raise fail(f"no merchant {merchant_id}", 1)
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
            lines.append(
                f"merchant {merchant_id}: {report.orders} orders, {len(report.differences)} differ, "
                f"points {report.points_delta:+d} ({report.seconds:.2f} s){' applied' if apply else ' (dry run)'}"
            )
            lines += [
                f"  order {d.order_id} profile {d.profile_id}: {d.posted} -> {d.replayed}"
                for d in report.differences[:show]
            ]
        return lines

    typer.echo("\n".join(run(settings_or_exit(), work)) or NO_PROGRAM)


@loyalty_cli.command("release")
def release_command(merchant: Merchant = None) -> None:
    """Release pending points whose return window has passed."""
    from loyalty.release import release_due

    async def work() -> int:
        await _merchants(merchant)
        return await release_due(datetime.now(UTC), merchant_id=merchant)

    released = run(settings_or_exit(), work)
    typer.echo(
        f"released the pending points of {_count(released, 'order')}"
        if released
        else "nothing to release: no pending points are past their return window"
    )


@loyalty_cli.command("expire")
def expire_command(merchant: Merchant = None) -> None:
    """Expire due points and unused codes, and send expiry reminders."""
    from loyalty.expiry import expire_due

    async def work() -> list[str]:
        return [
            f"merchant {m}: {expiry_sentence(await expire_due(m, datetime.now(UTC)))}"
            for m in await _merchants(merchant)
        ]

    typer.echo("\n".join(run(settings_or_exit(), work)) or NO_PROGRAM)


@loyalty_cli.command("perks-sync")
def perks_sync_command(merchant: Merchant = None) -> None:
    """Create the free-shipping codes of members in a free-shipping tier on each of their stores,
    delete those of members who left it, and retry what failed (exit 1 if something still fails)."""
    from app.discounts import ConnectorIssuers
    from loyalty.perks import sync_perks

    settings = settings_or_exit()

    async def work() -> tuple[list[str], int]:
        lines, failed = [], 0
        for m in await _merchants(merchant):
            report = await sync_perks(m, ConnectorIssuers(settings), datetime.now(UTC))
            failed += report.failed
            line = (
                f"merchant {m}: {_count(report.issued, 'perk code')} created, {report.revoked:,} deleted, "
                f"{report.kept:,} kept, {report.failed:,} failed"
            )
            if report.unauthorized_stores:
                stores = ", ".join(map(str, report.unauthorized_stores))
                line += f" (store {stores} refused Rapport's credentials: reconnect it)"
            lines.append(line)
        return lines, failed

    lines, failed = run(settings, work)
    typer.echo("\n".join(lines) or NO_PROGRAM)
    if failed:
        raise typer.Exit(1)


def expiry_sentence(counts: dict[str, int]) -> str:
    return (
        f"{_count(counts['expired_points'], 'point')} expired, {_count(counts['reminders'], 'expiry reminder')} sent, "
        f"{_count(counts['codes'], 'unused reward code')} expired"
    )


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'' if n == 1 else 's'}"
