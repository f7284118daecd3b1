"""What the benchmarks share: a throwaway database on either backend, and a free port."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"


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
