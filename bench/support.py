"""What the benchmarks share: a throwaway database on either backend, a free port, and a
process's peak memory."""

from __future__ import annotations

import asyncio
import resource
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
STATUS = Path("/proc/self/status")


def peak_rss_mib() -> float:
    """This process's peak resident set so far, in MiB: the kernel's high-water mark ``VmHWM``
    (it starts afresh at exec, so a child's figure is its own), else ``ru_maxrss`` where /proc is
    absent (a child started by vfork inherits its parent's peak in it)."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def memory_measure() -> str:
    """Which of the two measures ``peak_rss_mib`` reads on this machine."""
    if STATUS.exists():
        return "VmHWM from /proc/self/status, the kernel's high-water mark of the process (starts afresh at exec)"
    return "resource.getrusage ru_maxrss (no /proc here: a child's figure may carry its parent's peak)"


async def pg(sql: str) -> None:
    """One statement on the PostgreSQL server's admin database (creating and dropping databases)."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database(backend: str = "postgres", *, prefix: str = "rapport_bench", params: str = "") -> Iterator[str]:
    """The URL of an empty database for one run: a temp SQLite file, or a PostgreSQL database
    created now and dropped afterwards (``params`` is appended to its URL)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}{params}"
    finally:
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_until_up(base: str, seconds: float = 30) -> None:
    """Poll ``base``'s /healthz until the server answers (a web process just started)."""
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
