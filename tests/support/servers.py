"""Where the test servers are, and how a test asks for one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BACKEND = os.environ.get("RAPPORT_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("RAPPORT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS", "redis://127.0.0.1:6379/7")
IN_CI = os.environ.get("CI", "").lower() == "true"
SECRET = "test-secret-key-" + "x" * 32
ROOT = Path(__file__).resolve().parents[2]


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def need_server(name: str, url: str) -> None:
    """Skip (or, in CI, fail) when the server behind ``url`` is down."""
    if reachable(url):
        return
    message = f"{name} at {urlsplit(url).hostname}:{urlsplit(url).port} is not reachable"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing server fails the run)")
    pytest.skip(message)


def subprocess_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET, PYTHONPATH=str(ROOT), **extra)
    return env


def run_cli(command: str, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One of the CLI's command groups (``"app.cli_loyalty:loyalty_cli"``) in a process of its own, as an
    operator runs it against ``database_url``."""
    module, function = command.split(":")
    return subprocess.run(
        [sys.executable, "-c", f"from {module} import {function}; {function}()", *args],
        cwd=ROOT,
        env=subprocess_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def rapport_serve(database_url: str, log: Path | None = None, **extra: str) -> Iterator[str]:
    """``rapport serve`` on a free port, as an operator starts it (preflight checks included);
    yields its base URL once ``/healthz`` answers, and stops it afterwards."""
    import httpx

    port = free_port()
    env = subprocess_env(database_url, SCHEDULER="false", LOG_LEVEL="WARNING", **extra)
    sink = log.open("wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=sink, stderr=sink
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"rapport serve exited with {process.returncode}")
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log is not None:
            sink.close()


def unavailable(message: str) -> None:
    """Skip when a tool is missing on a developer's machine; under CI that is a failure."""
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tool fails the run)")
    pytest.skip(message)


def npm_install(where: Path, *packages: str, needs_node: bool = True) -> Path:
    """Pinned packages from the npm registry into ``where`` for this run; their ``node_modules``."""
    import shutil

    if not shutil.which("npm") or (needs_node and not shutil.which("node")):
        unavailable(f"node and npm are needed for {', '.join(packages)}")
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(where), *packages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        unavailable(f"npm install {' '.join(packages)} failed (registry unreachable?): {done.stderr[-300:]}")
    return where / "node_modules"


async def pg_admin(sql: str) -> None:
    """One statement on the PostgreSQL server's admin database (creating and dropping databases)."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(folder: Path) -> AsyncIterator[str]:
    """An empty database of a module's own: a file in ``folder`` on SQLite, a new database on the
    PostgreSQL server (dropped afterwards)."""
    if BACKEND == "sqlite":
        yield f"sqlite://{folder / 'rapport.sqlite3'}"
        return
    need_server("PostgreSQL", PG_ADMIN_URL)
    name = f"rapport_t_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
