"""The ``rapport`` command line."""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli_common import fail, run, settings_or_exit
from app.cli_loyalty import loyalty_cli
from app.cli_webhooks import webhooks_cli

cli = typer.Typer(help="Rapport: loyalty and customer insight for Shopify and WooCommerce stores.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
stores_cli = typer.Typer(help="The stores Rapport syncs.", no_args_is_help=True)
jobs_cli = typer.Typer(help="Background jobs: failures and replays.", no_args_is_help=True)
insights_cli = typer.Typer(help="Customer insight: refresh, profiles, privacy requests, model evaluation.", no_args_is_help=True)
cli.add_typer(stores_cli, name="stores")
cli.add_typer(jobs_cli, name="jobs")
cli.add_typer(insights_cli, name="insights")
console = Console()


@cli.command()
def migrate() -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    from app.migrate import apply
    from app.preflight import StartupError, check_database

    settings = settings_or_exit()
    try:
        asyncio.run(check_database(settings))
        applied = asyncio.run(apply(settings.database_url))
    except StartupError as exc:
        raise fail(str(exc)) from None
    typer.echo("\n".join(f"applied {name}" for name in applied) or "database is up to date")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web app (GraphQL, webhooks, /healthz, /metrics); runs jobs too when REDIS_URL is unset."""
    import uvicorn

    from app.preflight import StartupError, check_services
    from app.web import create_app

    settings = settings_or_exit()
    try:
        asyncio.run(check_services(settings))
    except StartupError as exc:
        raise fail(str(exc)) from None
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@cli.command()
def worker(burst: Annotated[bool, typer.Option(help="exit when no job is due")] = False) -> None:
    """Run background jobs (arq on Redis when REDIS_URL is set, else the embedded runner)."""
    from app.jobs import open_queue
    from app.jobs.registry import load

    settings = settings_or_exit()
    load(settings.job_modules)

    async def work() -> None:
        from datetime import timedelta

        from app.jobs.schedule import Scheduler

        queue = await open_queue(settings)
        stop = asyncio.Event()
        scheduler = None if burst or not settings.scheduler else asyncio.create_task(
            Scheduler(queue, timedelta(seconds=settings.sync_interval_seconds)).run(stop)
        )
        try:
            await queue.work(burst=burst)
        finally:
            stop.set()
            if scheduler is not None:
                await scheduler
            await queue.close()

    try:
        run(settings, work)
    except KeyboardInterrupt:
        pass


@cli.command()
def demo(
    port: Annotated[int, typer.Option(envvar="PORT", help="port to serve on")] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="start the server")] = True,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open the storefront page and the dashboard")] = True,
) -> None:
    """Set up the sandbox merchant (stores, loyalty program, insights) and serve it with the
    Shopify simulator beside it; writes demo.json with the URLs and credentials."""
    env = Path(".env")
    if "SECRET_KEY" not in env.read_text() if env.exists() else True:
        with env.open("a") as fh:
            fh.write(f"SECRET_KEY={secrets.token_hex(32)}\n")
        typer.echo("wrote a new SECRET_KEY to .env")
    if "METRICS_TOKEN" not in env.read_text():
        with env.open("a") as fh:
            fh.write(f"METRICS_TOKEN={secrets.token_hex(24)}\n")
        typer.echo("wrote a new METRICS_TOKEN to .env (send it as Authorization: Bearer for /metrics)")
    settings = settings_or_exit()
    from app.demo import Simulator, demo_env, prepare, prepare_program

    migrate()
    summary = run(settings, prepare)
    base = f"http://127.0.0.1:{port}"
    simulator = Simulator.start(_free_port(), settings.shopify_api_key,
                                settings.shopify_api_secret.get_secret_value()) if serve_after else None
    try:
        info = run(settings, lambda: prepare_program(settings, base, simulator))
        Path("demo.json").write_text(json.dumps(info, indent=2) + "\n")
        typer.echo(
            f"\nSandbox merchant ready: {summary}\n\n"
            f"  storefront  {info['storefront_url']}\n"
            f"  dashboard   {info['dashboard_url']}\n"
            f"  health      {base}/healthz\n"
            f"  metrics     {base}/metrics  (Authorization: Bearer $METRICS_TOKEN, in .env)\n"
            f"  stores      .venv/bin/rapport stores list\n"
            f"  (demo.json holds the store keys, the sample shopper's token and the API key)\n"
        )
        if serve_after:
            demo_env(simulator)
            if open_browser:
                _open_later(info["storefront_url"], info["dashboard_url"])
            serve(host="127.0.0.1", port=port)
    finally:
        if simulator is not None:
            simulator.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _open_later(*urls: str) -> None:
    """Open the pages once the server answers; silently nothing on a machine without a browser."""
    import threading
    import time
    import webbrowser

    import httpx

    def opener() -> None:
        base = urls[0].split("/demo/", 1)[0]
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        for url in urls:
            try:
                webbrowser.open(url)
            except Exception:  # noqa: BLE001 - no browser is not an error for a demo
                return

    threading.Thread(target=opener, daemon=True).start()


@stores_cli.command("list")
def stores_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every store with its platform, install state and sync health."""
    settings = settings_or_exit()

    async def rows() -> list[dict[str, Any]]:
        from store.models import Store

        return [
            {"id": s.id, "merchant": s.merchant.name, "platform": str(s.platform), "domain": s.domain,
             "state": str(s.install_state), "health": str(s.health),
             "failures": s.consecutive_failures,
             "last_synced_at": s.last_synced_at.isoformat() if s.last_synced_at else None}
            for s in await Store.all().select_related("merchant").order_by("id")
        ]

    found = run(settings, rows)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    table = Table("id", "merchant", "platform", "domain", "state", "health", "failures", "last synced")
    for row in found:
        table.add_row(*(str(v if v is not None else "-") for v in row.values()))
    console.print(table)


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """Jobs that used up their tries, with their last error."""
    settings = settings_or_exit()

    async def rows() -> list[Any]:
        from store.models import Job, JobStatus

        return await Job.filter(status=JobStatus.FAILED).order_by("-finished_at")

    for job in run(settings, rows):
        typer.echo(f"#{job.id} {job.function}{tuple(job.args)} tries={job.tries} backend={job.backend}")
        typer.echo("    " + (job.last_error or "").strip().replace("\n", "\n    "))


@jobs_cli.command("replay")
def jobs_replay(job_id: int) -> None:
    """Run a failed job again from its first try."""
    settings = settings_or_exit()

    async def replay() -> None:
        from app.jobs import open_queue

        queue = await open_queue(settings)
        try:
            await queue.replay(job_id)
        finally:
            await queue.close()

    run(settings, replay)
    typer.echo(f"job {job_id} queued again")


@insights_cli.command("evaluate-recs")
def evaluate_recs(
    baskets_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="one basket per line, item ids separated by spaces (.gz ok)")],
    seed: Annotated[int, typer.Option(help="sampling seed")] = 0,
    sample: Annotated[int, typer.Option(help="baskets held out")] = 2000,
    k: Annotated[int, typer.Option(help="list length")] = 10,
) -> None:
    """Leave-one-out evaluation of the recommenders: HR@k and NDCG@k as JSON."""
    from insights.recommend.evaluate import evaluate_baskets_file

    try:
        result = evaluate_baskets_file(baskets_file, seed=seed, sample=sample, k=k)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps(result, indent=2))


@insights_cli.command("refresh")
def insights_refresh(
    merchant: Annotated[list[int] | None, typer.Option(help="merchant id (repeatable); default every merchant")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO date or date-time taken as today (default: the start of today, UTC)")] = None,
) -> None:
    """Recompute identity, profiles, segments, predictions and recommendations, with a progress bar."""
    from datetime import UTC, datetime

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    try:
        today = datetime.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of {as_of!r} is not an ISO date") from None
    if today is not None and today.tzinfo is None:
        today = today.replace(tzinfo=UTC)
    settings = settings_or_exit()

    async def work() -> list[dict[str, Any]]:
        from insights.refresh import STEPS, refresh_merchant
        from store.models import Merchant

        ids = merchant or list(await Merchant.all().order_by("id").values_list("id", flat=True))
        done = []
        columns = (TextColumn("merchant {task.fields[merchant]}: {task.description:<16}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            for merchant_id in ids:
                task = bar.add_task("starting", total=len(STEPS), merchant=merchant_id)

                def progress(step: str, finished: int, total: int, task: Any = task) -> None:
                    bar.update(task, description=step, completed=finished)

                result = await refresh_merchant(merchant_id, progress, as_of=today)
                done.append({"merchant": merchant_id, "seconds": result.step_seconds, "counts": result.counts,
                             "merges": len(result.merges)})
        return done

    for row in run(settings, work):
        total = sum(row["seconds"].values())
        typer.echo(f"merchant {row['merchant']}: refreshed in {total:.1f}s "
                   f"({row['counts'].get('profiles_with_orders', 0)} profiles, {row['merges']} merges)")


@insights_cli.command("profile")
def insights_profile(profile_id: int) -> None:
    """One person's unified profile as JSON (facts with provenance, transactions, segment, predictions)."""
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from insights.profiles import unified_profile

        return await unified_profile(profile_id)

    typer.echo(json.dumps(run(settings, work), indent=2))


@insights_cli.command("export")
def insights_export(
    profile_id: int,
    actor: Annotated[str, typer.Option(help="who asks, an account id (audited; not a name or email)")],
    out: Annotated[Path | None, typer.Option(help="write the JSON here instead of stdout")] = None,
) -> None:
    """Everything held on a person, as JSON (a data-subject access request); audited."""
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from app.privacy import export_person

        return await export_person(profile_id, actor=actor)

    try:
        document = json.dumps(run(settings, work), indent=2)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if out:
        out.write_text(document + "\n")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(document)


@insights_cli.command("erase")
def insights_erase(
    profile_id: int,
    actor: Annotated[str, typer.Option(help="who asks, an account id (audited; not a name or email)")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
) -> None:
    """Erase a person's personal data across all the merchant's stores (orders' sums stay); audited."""
    if not yes:
        raise fail("erasing cannot be undone: add --yes")
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from app.privacy import erase_person

        return await erase_person(profile_id, actor=actor)

    try:
        counts = run(settings, work)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps(counts))


@insights_cli.command("split")
def insights_split(
    customer_ids: Annotated[list[int], typer.Argument(help="customers to move out of their shared profile")],
    actor: Annotated[str, typer.Option(help="who decides, an account id")],
) -> None:
    """Undo a wrong merge: the customers get a profile of their own, and later runs keep it so."""
    settings = settings_or_exit()

    async def work() -> int:
        from insights.identity import split_customers

        return await split_customers(customer_ids, actor=actor)

    try:
        typer.echo(f"new profile {run(settings, work)}")
    except ValueError as exc:
        raise fail(str(exc)) from None


cli.add_typer(loyalty_cli, name="loyalty")
cli.add_typer(webhooks_cli, name="webhooks")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
