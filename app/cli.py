"""The ``rapport`` command line."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.cli_campaigns import campaigns_cli
from app.cli_common import (
    ACTOR_HELP,
    MAX_ID,
    actor_or_exit,
    fail,
    run,
    settings_or_exit,
    startup_failure,
)
from app.cli_loyalty import loyalty_cli
from app.cli_shopify import shopify_app_config
from app.cli_webhooks import webhooks_cli
from insights.errors import InsightsError, SplitRefused

cli = typer.Typer(
    help="Rapport: loyalty and customer insight for Shopify and WooCommerce stores.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stores_cli = typer.Typer(help="The stores Rapport syncs.", no_args_is_help=True)
jobs_cli = typer.Typer(help="Background jobs: failures and replays.", no_args_is_help=True)
insights_cli = typer.Typer(
    help="Customer insight: refresh, profiles, privacy requests, model evaluation.", no_args_is_help=True
)
cli.add_typer(stores_cli, name="stores")
cli.add_typer(jobs_cli, name="jobs")
cli.add_typer(insights_cli, name="insights")
console = Console()
ProfileId = Annotated[
    int, typer.Argument(min=1, max=MAX_ID, help="a profile id (an old id of a merged profile finds its person)")
]


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
        raise startup_failure(exc) from None
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
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):  # finish the running jobs, then exit
            loop.add_signal_handler(signum, queue.stop)
        scheduler = (
            None
            if burst or not settings.scheduler
            else asyncio.create_task(Scheduler(queue, timedelta(seconds=settings.sync_interval_seconds)).run(stop))
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
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="open the storefront page and the dashboard")
    ] = True,
) -> None:
    """Set up the sandbox merchant (stores, loyalty program, insights) and serve it with the
    Shopify and WooCommerce simulators beside it; writes demo.json with the URLs and credentials."""
    if serve_after and not _port_free(port):
        raise fail(
            f"port {port} on 127.0.0.1 is already in use: stop what holds it, or pick another with --port or PORT", 1
        )
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
    from app.demo.mailbox import DemoMailServer
    from app.demo.run import Simulator, WooSite, demo_env, prepare, prepare_program, utc_today

    today = utc_today()
    site = WooSite.launch(_free_port(), today) if serve_after else None
    taken = {site.port} if site is not None else set()
    simulator: Simulator | None = None
    mail: DemoMailServer | None = None
    try:
        migrate()
        summary = run(settings, lambda: prepare(today))
        base = f"http://127.0.0.1:{port}"
        if serve_after:
            shop_port = _free_port(taken)
            simulator = Simulator.start(
                shop_port, settings.shopify_api_key, settings.shopify_api_secret.get_secret_value(), today
            )
            mail = DemoMailServer(Path("mailbox").resolve(), _free_port({*taken, shop_port})).start()
        woo_site = site.ready() if site is not None else None
        info = run(settings, lambda: prepare_program(settings, base, simulator, today, woo_site))
        Path("demo.json").write_text(json.dumps(info, indent=2) + "\n")
        typer.echo(
            f"\nSandbox merchant ready: {summary}\n\n"
            f"  storefront  {info['storefront_url']}\n"
            f"  dashboard   {info['dashboard_url']}\n"
            f"  explorer    {info['explorer_url']}  (GraphiQL on the admin API)\n"
            f"  mailbox     {info['mailbox_url']}  (every email the demo sends; SMTP {mail.url if mail else 'off'})\n"
            + (
                f"  woocommerce {woo_site.base_url}  (the sandbox site; demo.json has its REST keys)\n"
                if woo_site
                else ""
            )
            + f"  health      {base}/healthz\n"
            f"  metrics     {base}/metrics  (Authorization: Bearer $METRICS_TOKEN, in .env)\n"
            f"  stores      .venv/bin/rapport stores list\n"
            f"  (demo.json holds the store keys, the sample shopper's token and the API key)\n"
        )
        if serve_after:
            demo_env(simulator, mail, base, woo_site)
            if open_browser:
                _open_later(info["storefront_url"], info["dashboard_url"])
            serve(host="127.0.0.1", port=port)
    finally:
        if simulator is not None:
            simulator.stop()
        if site is not None:
            site.stop()
        if mail is not None:
            mail.stop()


def _port_free(port: int) -> bool:
    """Whether the server could bind ``port``, asked before the demo loads anything; SO_REUSEADDR
    as uvicorn sets it, so a port left in TIME_WAIT counts as free."""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port(taken: set[int] | None = None) -> int:
    """A port nothing listens on, other than ``taken`` (given to a server still starting)."""
    import socket

    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in (taken or set()):
            return port


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
            {
                "id": s.id,
                "merchant": s.merchant.name,
                "platform": str(s.platform),
                "domain": s.domain,
                "state": str(s.install_state),
                "health": str(s.health),
                "failures": s.consecutive_failures,
                "last_synced_at": s.last_synced_at.isoformat() if s.last_synced_at else None,
            }
            for s in await Store.all().select_related("merchant").order_by("id")
        ]

    found = run(settings, rows)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    if not found:
        typer.echo("no stores yet: install the app on a store, or run rapport demo for the sandbox merchant")
        return
    table = fitting_table(
        ("id", 2, None),
        ("merchant", 8, 1),
        ("store", 11, 2),
        ("state", 11, None),
        ("health", 9, None),
        ("last synced (UTC)", 10, None),
    )
    for s in found:
        synced = s["last_synced_at"][:16].replace("T", " ") if s["last_synced_at"] else "-"
        failures = f"\n{s['failures']} failure{'' if s['failures'] == 1 else 's'}" if s["failures"] else ""
        table.add_row(
            str(s["id"]), s["merchant"], f"{s['platform']}\n{s['domain']}", s["state"], s["health"] + failures, synced
        )
    console.print(table)


def fitting_table(*columns: tuple[str, int, int | None]) -> Table:
    """A table within the terminal's width (rich reads COLUMNS; 80 when not a terminal): short
    columns keep their (header, minimum width), long ones share the rest by ratio, and a cell too
    long for its column wraps or folds onto more lines instead of being cut with an ellipsis."""
    table = Table()
    roomy = console.width >= 80
    for header, min_width, ratio in columns:
        table.add_column(header, overflow="fold", min_width=min_width if roomy else None, ratio=ratio)
    return table


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """Jobs that used up their tries, with their last error."""
    settings = settings_or_exit()

    async def rows() -> list[Any]:
        from store.models import Job, JobStatus

        return await Job.filter(status=JobStatus.FAILED).order_by("-finished_at")

    failed = run(settings, rows)
    if not failed:
        typer.echo("no failed jobs")
    for job in failed:
        typer.echo(f"#{job.id} {job.function}{tuple(job.args)} tries={job.tries} backend={job.backend}")
        typer.echo("    " + (job.last_error or "").strip().replace("\n", "\n    "))


@jobs_cli.command("replay")
def jobs_replay(
    job_id: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="a failed job's id (rapport jobs failed)")],
) -> None:
    """Run a failed job again from its first try."""
    settings = settings_or_exit()

    async def replay() -> None:
        from app.jobs import open_queue
        from store.models import Job, JobStatus

        job = await Job.get_or_none(id=job_id)
        if job is None:
            raise fail(f"no job {job_id} (rapport jobs failed lists the failed ones)", 1)
        if job.status != JobStatus.FAILED:
            raise fail(f"job {job_id} is {job.status}, not failed: only a failed job can be replayed", 1)
        queue = await open_queue(settings)
        try:
            await queue.replay(job_id)
        finally:
            await queue.close()

    run(settings, replay)
    typer.echo(f"job {job_id} queued again")


@insights_cli.command("evaluate-recs")
def evaluate_recs(
    baskets_file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="one basket per line, item ids separated by spaces (.gz ok)"),
    ],
    seed: Annotated[int, typer.Option(help="sampling seed")] = 0,
    sample: Annotated[int, typer.Option(help="baskets held out")] = 2000,
    k: Annotated[int, typer.Option(help="list length")] = 10,
) -> None:
    """Leave-one-out evaluation of the recommenders: HR@k and NDCG@k as JSON."""
    from insights.recommend.evaluate import evaluate_baskets_file

    try:
        result = evaluate_baskets_file(baskets_file, seed=seed, sample=sample, k=k)
    except ValueError as exc:  # a baskets file or --sample it cannot use: it checks arguments as numpy does
        raise fail(str(exc)) from None
    typer.echo(json.dumps(result, indent=2))


@insights_cli.command("refresh")
def insights_refresh(
    merchant: Annotated[
        list[int] | None, typer.Option(min=1, max=MAX_ID, help="merchant id (repeatable); default every merchant")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="ISO date or date-time taken as today (default: the start of today, UTC)"),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="full (everyone), incremental (only who changed since the last run) or auto "
            "(incremental unless a full run is due: weekly, new settings, no full run yet)",
        ),
    ] = "full",
) -> None:
    """Recompute identity, profiles, segments, predictions and recommendations, with a progress bar."""
    from datetime import UTC, datetime

    from insights.models import RefreshKind

    if kind != "auto" and kind not in {k.value for k in RefreshKind}:
        raise fail(f"--kind {kind!r} is not full, incremental or auto")
    wanted = None if kind == "auto" else RefreshKind(kind)

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
        unknown = sorted(set(ids) - set(await Merchant.filter(id__in=ids).values_list("id", flat=True)))
        if unknown:
            raise fail(f"no merchant {', '.join(map(str, unknown))}", 1)
        done: list[dict[str, Any]] = []
        if not ids:
            return done
        columns = (
            TextColumn("merchant {task.fields[merchant]}: {task.description:<16}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            for merchant_id in ids:
                task = bar.add_task("starting", total=len(STEPS), merchant=merchant_id)

                def progress(step: str, finished: int, total: int, task: Any = task) -> None:
                    bar.update(task, description=step, completed=finished)

                result = await refresh_merchant(merchant_id, progress, as_of=today, kind=wanted)
                done.append(
                    {
                        "merchant": merchant_id,
                        "kind": result.kind.value,
                        "why": result.counts.get("why"),
                        "seconds": result.step_seconds,
                        "counts": result.counts,
                        "merges": len(result.merges),
                        "warning": result.warning,
                    }
                )
        return done

    refreshed = run(settings, work)
    if not refreshed:
        typer.echo("no merchants to refresh")
    for row in refreshed:
        total = sum(row["seconds"].values())
        typer.echo(
            f"merchant {row['merchant']}: {row['kind']} refresh ({row['why']}) in {total:.1f}s "
            f"({row['counts'].get('profiles_with_orders', 0)} profiles with orders, {row['merges']} merges)"
        )
        if row["warning"]:
            typer.secho(f"WARNING merchant {row['merchant']}: {row['warning']}", err=True, fg="yellow", bold=True)


@insights_cli.command("profile")
def insights_profile(profile_id: ProfileId) -> None:
    """One person's unified profile as JSON (facts with provenance, transactions, segment, predictions)."""
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from insights.profiles import unified_profile

        await _need_profile(profile_id)
        return await unified_profile(profile_id)

    typer.echo(json.dumps(run(settings, work), indent=2))


@insights_cli.command("export")
def insights_export(
    profile_id: ProfileId,
    actor: Annotated[str | None, typer.Option(help=ACTOR_HELP, show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(help="write the JSON here instead of stdout", dir_okay=False)] = None,
) -> None:
    """Everything held on a person, as JSON (a data-subject access request); audited."""
    who = actor_or_exit(actor)
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from app.privacy import export_person

        await _need_profile(profile_id)
        return await export_person(profile_id, actor=who)

    try:
        document = json.dumps(run(settings, work), indent=2)
    except InsightsError as exc:
        raise fail(str(exc)) from None
    if out:
        out.write_text(document + "\n")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(document)


@insights_cli.command("erase")
def insights_erase(
    profile_id: ProfileId,
    actor: Annotated[str | None, typer.Option(help=ACTOR_HELP, show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
) -> None:
    """Erase a person's personal data across all the merchant's stores (orders' sums stay); audited."""
    who = actor_or_exit(actor)
    if not yes:
        raise fail("erasing cannot be undone: add --yes")
    settings = settings_or_exit()

    async def work() -> dict[str, Any]:
        from app.privacy import erase_person

        await _need_profile(profile_id)
        return await erase_person(profile_id, actor=who)

    try:
        counts = run(settings, work)
    except InsightsError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps(counts))


@insights_cli.command("split")
def insights_split(
    customer_ids: Annotated[
        list[int], typer.Argument(min=1, max=MAX_ID, help="customers to move out of their shared profile")
    ],
    actor: Annotated[
        str | None,
        typer.Option(
            help="who decides: an account id such as staff:42, recorded with the ruling so later runs keep it",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Undo a wrong merge: the customers get a profile of their own, and later runs keep it so."""
    who = actor_or_exit(actor)
    settings = settings_or_exit()

    async def work() -> int:
        from insights.identity import split_customers

        return await split_customers(customer_ids, actor=who)

    try:
        typer.echo(f"new profile {run(settings, work)}")
    except SplitRefused as exc:
        raise fail(str(exc), 1) from None


async def _need_profile(profile_id: int) -> None:
    from store.models import Profile

    if not await Profile.exists(id=profile_id):
        raise fail(f"no profile {profile_id}", 1)


cli.add_typer(loyalty_cli, name="loyalty")
cli.add_typer(campaigns_cli, name="campaigns")
cli.add_typer(webhooks_cli, name="webhooks")
cli.command("shopify-app-config")(shopify_app_config)


def main() -> None:
    """The ``rapport`` entry point: a user's mistake or an unreachable database ends in one line
    and a non-zero exit, never a traceback (those are kept for bugs)."""
    from tortoise.exceptions import BaseORMException
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        code = typer.main.get_command(cli).main(prog_name="rapport", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        code = 0
    except ClickException as exc:
        where = f" (see {exc.ctx.command_path} --help)" if getattr(exc, "ctx", None) else ""
        typer.echo(f"rapport: {exc.format_message()}{where}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    except (BaseORMException, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        typer.echo(f"rapport: {'database error: ' if isinstance(exc, BaseORMException) else ''}{reason}", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
