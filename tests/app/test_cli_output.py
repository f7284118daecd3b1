"""What the command line prints: one line and a non-zero exit for every mistake, a sentence for
an empty list, tables within 80 columns, and never a traceback. Each test runs ``rapport`` as a
process against a real database."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from tortoise import connections
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from tests.support.servers import BACKEND, PG_ADMIN_URL, ROOT, need_server, pg_admin, subprocess_env

T = TypeVar("T")
NO_SCHEMA = "has no schema (or is behind): run rapport migrate"


def rapport(*args: str, database_url: str, cwd: Path = ROOT, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=subprocess_env(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_failure(result: subprocess.CompletedProcess, code: int = 1) -> str:
    """The failure's single stderr line, after checking there is nothing else."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rapport: "), result.stderr
    return lines[0]


def with_orm(database_url: str, work: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
            return await work()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database migrated by ``rapport migrate`` per module; each test gets a copy of it."""
    if BACKEND == "sqlite":
        url = f"sqlite://{tmp_path_factory.mktemp('cli') / 'template.sqlite3'}"
    else:
        need_server("PostgreSQL", PG_ADMIN_URL)
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/rapport_ct_{uuid.uuid4().hex[:12]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
    result = rapport("migrate", database_url=url)
    assert result.returncode == 0, result.stderr
    yield url
    if BACKEND != "sqlite":
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


@pytest.fixture
def migrated(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path / "rapport.sqlite3"
        shutil.copy(migrated_template.removeprefix("sqlite://"), path)
        yield f"sqlite://{path}"
        return
    name = f"rapport_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template.rsplit("/", 1)[1]}"'))
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


NEEDS_SCHEMA = [
    ("stores", "list"),
    ("jobs", "replay", "1"),
    ("webhooks", "list"),
    ("insights", "profile", "1"),
    ("loyalty", "expire"),
    ("worker", "--burst"),
    ("serve",),
]


@pytest.mark.db
@pytest.mark.parametrize("command", NEEDS_SCHEMA, ids=" ".join)
def test_a_command_on_a_database_without_schema_says_run_migrate_and_creates_nothing(database_url, tmp_path, command):
    failed = rapport(*command, database_url=database_url, cwd=tmp_path)
    assert one_line_failure(failed) == f"rapport: the database at {database_url} {NO_SCHEMA}"
    if database_url.startswith("sqlite"):
        assert not Path(database_url.removeprefix("sqlite://")).exists(), "the check must not create the file"


@pytest.mark.db
def test_a_database_behind_the_migrations_says_run_migrate(migrated):
    """A migration on disk that the database has no record of, as after pulling new code."""

    async def forget_the_last_migration() -> None:
        conn = connections.get("default")
        await conn.execute_query(
            'UPDATE "tortoise_migrations" SET "name" = "name" || \'_x\' '
            'WHERE "name" = (SELECT max("name") FROM "tortoise_migrations")'
        )

    with_orm(migrated, forget_the_last_migration)
    assert one_line_failure(rapport("stores", "list", database_url=migrated)).endswith(NO_SCHEMA)


@pytest.mark.db
def test_an_unexpected_database_error_is_one_line_too(migrated):
    async def drop_a_column() -> None:
        await connections.get("default").execute_script('ALTER TABLE "stores" DROP COLUMN "health"')

    with_orm(migrated, drop_a_column)
    line = one_line_failure(rapport("stores", "list", database_url=migrated))
    assert "health" in line


@pytest.mark.db
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("insights", "profile", "999999"), "no profile 999999"),
        (("insights", "export", "999999", "--actor", "staff:1"), "no profile 999999"),
        (("insights", "erase", "999999", "--actor", "staff:1", "--yes"), "no profile 999999"),
        (("insights", "split", "999998", "999999", "--actor", "staff:1"), "every customer to split off must exist"),
        (("insights", "refresh", "--merchant", "999999"), "no merchant 999999"),
        (("jobs", "replay", "12345"), "no job 12345 (rapport jobs failed lists the failed ones)"),
        (("webhooks", "replay", "--id", "12345"), "no webhook delivery #12345"),
        (("loyalty", "expire", "--merchant", "999999"), "no merchant 999999"),
        (("loyalty", "release", "--merchant", "999999"), "no merchant 999999"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_an_id_that_does_not_exist_is_one_line_and_exit_1(migrated, command, expected):
    assert one_line_failure(rapport(*command, database_url=migrated)) == f"rapport: {expected}"


@pytest.mark.db
def test_only_a_failed_job_is_replayed(migrated):
    async def jobs() -> tuple[int, int]:
        from store.models import Job, JobStatus

        now = datetime.now(UTC)
        done = await Job.create(key="k-done", function="noop", status=JobStatus.COMPLETE, run_at=now)
        failed = await Job.create(
            key="k-failed",
            function="noop",
            status=JobStatus.FAILED,
            run_at=now,
            tries=5,
            last_error="boom",
            finished_at=now,
        )
        return done.id, failed.id

    done, failed = with_orm(migrated, jobs)
    refused = rapport("jobs", "replay", str(done), database_url=migrated)
    assert (
        one_line_failure(refused) == f"rapport: job {done} is complete, not failed: only a failed job can be replayed"
    )
    replayed = rapport("jobs", "replay", str(failed), database_url=migrated)
    assert replayed.returncode == 0 and replayed.stdout.strip() == f"job {failed} queued again", replayed.stderr


@pytest.mark.db
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("stores", "list"), "no stores yet: install the app on a store, or run rapport demo for the sandbox merchant"),
        (("jobs", "failed"), "no failed jobs"),
        (("webhooks", "list"), "no webhook deliveries yet"),
        (("webhooks", "list", "--status", "failed"), "no failed webhook deliveries"),
        (("webhooks", "replay", "--failed"), "nothing to replay: no failed deliveries"),
        (("insights", "refresh"), "no merchants to refresh"),
        (("loyalty", "expire"), "nothing to do: no merchant has a loyalty program yet"),
        (("loyalty", "replay"), "nothing to do: no merchant has a loyalty program yet"),
        (("loyalty", "release"), "nothing to release: no pending points are past their return window"),
        (("loyalty", "rebuild-balances"), "every cached balance agrees with the ledger"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_an_empty_list_says_there_is_nothing_to_show(migrated, command, expected):
    result = rapport(*command, database_url=migrated)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.db
def test_loyalty_expire_reports_a_sentence_per_merchant_not_a_dict(migrated):
    async def merchant_with_a_program() -> int:
        from loyalty.program import publish
        from loyalty.rules import Rules
        from store.models import Merchant

        merchant = await Merchant.create(name="Acme")
        await publish(merchant.id, Rules(), datetime.now(UTC) - timedelta(days=30))
        return merchant.id

    merchant = with_orm(migrated, merchant_with_a_program)
    result = rapport("loyalty", "expire", database_url=migrated)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"merchant {merchant}: 0 points expired, 0 expiry reminders sent, 0 unused reward codes expired"
    )


@pytest.mark.db
def test_the_stores_table_fits_80_columns_and_cuts_no_cell(migrated):
    long_name = "Northwind Records and Vintage Audio Equipment Trading Company"
    domains = ["northwind-records-and-vintage-audio.myshopify.com", "shop.northwind-records-vintage-audio.example"]

    async def stores() -> None:
        from store.models import Merchant, Store

        merchant = await Merchant.create(name=long_name)
        for n, (platform, domain) in enumerate(zip(("shopify", "woocommerce"), domains, strict=True)):
            await Store.create(
                merchant=merchant,
                platform=platform,
                domain=domain,
                public_key=f"pk-{n}",
                last_synced_at=datetime(2026, 12, 5, 21, 4, 9, tzinfo=UTC),
            )

    with_orm(migrated, stores)
    result = rapport("stores", "list", database_url=migrated, COLUMNS="80")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    assert "…" not in result.stdout, "a cell was cut"
    columns: dict[int, str] = {}
    for line in lines:
        for n, cell in enumerate(line.split("│")[1:-1]):
            columns[n] = columns.get(n, "") + cell.replace(" ", "")
    merchant_column, store_column, synced_column = columns[1], columns[2], columns[5]
    assert merchant_column.count(long_name.replace(" ", "")) == 2
    assert f"shopify{domains[0]}" in store_column and f"woocommerce{domains[1]}" in store_column
    assert synced_column.count("2026-12-0521:04") == 2


def test_a_missing_actor_is_explained_and_the_help_says_what_it_is_for(tmp_path):
    url = f"sqlite://{tmp_path / 'unused.sqlite3'}"
    for command in (("insights", "export", "1"), ("insights", "erase", "1", "--yes"), ("insights", "split", "1")):
        line = one_line_failure(rapport(*command, database_url=url), code=2)
        assert (
            line
            == "rapport: --actor is required: the account id of who asks (e.g. --actor staff:42), recorded in the audit log"
        )
    email = rapport("insights", "export", "1", "--actor", "owner@example.com", database_url=url)
    assert "not an email address" in one_line_failure(email, code=2)
    help_text = " ".join(rapport("insights", "export", "--help", database_url=url, COLUMNS="200").stdout.split())
    assert "required: who asks, an account id such as staff:42, recorded with the request in the audit log" in help_text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("insights", "profile", "abc"), "rapport: Invalid value for 'profile_id'"),
        (("insights", "profile", "99999999999"), "rapport: Invalid value for 'profile_id'"),
        (("jobs", "replay", "0"), "rapport: Invalid value for 'job_id'"),
        (("insights", "refresh", "--as-of", "yesterday"), "rapport: --as-of 'yesterday' is not an ISO date"),
        (("webhooks", "list", "--status", "lost"), "rapport: Invalid value for '--status'"),
        (("stores", "list", "--colour"), "rapport: No such option: --colour"),
        (("shops",), "rapport: No such command 'shops'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, command, expected):
    line = one_line_failure(rapport(*command, database_url=f"sqlite://{tmp_path / 'x.sqlite3'}"), code=2)
    assert line.startswith(expected), line


def test_a_bad_database_url_is_one_line_for_any_command(tmp_path):
    result = rapport("stores", "list", database_url="mysql://root@localhost/db")
    assert one_line_failure(result, code=2).startswith("rapport: bad setting DATABASE_URL: scheme 'mysql'")
    nowhere = rapport("migrate", database_url=f"sqlite://{tmp_path / 'gone' / 'r.sqlite3'}")
    assert one_line_failure(nowhere, code=2).endswith(f"there is no folder {tmp_path / 'gone'}")


@pytest.mark.db
def test_an_export_that_cannot_be_written_is_one_line(migrated, tmp_path):
    async def person() -> int:
        from store.models import Merchant, Profile

        return (await Profile.create(merchant=await Merchant.create(name="Acme"))).id

    profile = with_orm(migrated, person)
    result = rapport(
        "insights",
        "export",
        str(profile),
        "--actor",
        "staff:1",
        "--out",
        str(tmp_path / "gone" / "x.json"),
        database_url=migrated,
    )
    assert "No such file or directory" in one_line_failure(result)


def test_the_demo_on_a_busy_port_stops_at_once_and_loads_nothing(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        began = time.monotonic()
        result = rapport(
            "demo", "--no-open", "--port", str(port), database_url=f"sqlite://{tmp_path / 'demo.sqlite3'}", cwd=tmp_path
        )
        took = time.monotonic() - began
    line = one_line_failure(result)
    assert line == (
        f"rapport: port {port} on 127.0.0.1 is already in use: stop what holds it, or pick another with --port or PORT"
    )
    assert result.stdout == "" and took < 10
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no database, .env or demo.json before the port is free"


def test_the_stores_json_of_an_empty_database_is_an_empty_list(tmp_path):
    url = f"sqlite://{tmp_path / 'r.sqlite3'}"
    assert rapport("migrate", database_url=url).returncode == 0
    assert json.loads(rapport("stores", "list", "--json", database_url=url).stdout) == []
