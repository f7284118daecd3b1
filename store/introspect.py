"""What the database actually holds: tables, columns and indexes, on SQLite and PostgreSQL.

Used to prove migrations and models agree, and to find indexes a SQLite table rebuild lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient

from store.sql import dialect_of

BOOKKEEPING = {"tortoise_migrations", "sqlite_sequence"}


@dataclass
class TableShape:
    columns: dict[str, bool] = field(default_factory=dict)  # name -> nullable
    indexes: set[tuple[tuple[str, ...], bool]] = field(default_factory=set)  # (columns, unique)


async def table_names(conn: BaseDBAsyncClient) -> set[str]:
    """The tables the database holds (bookkeeping ones included): cheap enough for every command."""
    sql = dialect_of(conn).pick(
        postgres="SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
        sqlite="SELECT name FROM sqlite_master WHERE type = 'table'",
    )
    rows = await conn.execute_query_dict(sql)
    return {r["name"] for r in rows}


async def applied_migrations(conn: BaseDBAsyncClient, app: str = "models") -> set[str]:
    """Names of the migrations recorded as applied; empty when the database was never migrated."""
    if "tortoise_migrations" not in await table_names(conn):
        return set()
    rows = await conn.execute_query_dict(
        f'SELECT "name" FROM "tortoise_migrations" WHERE "app" = {dialect_of(conn).param(1)}',
        [app],
    )
    return {r["name"] for r in rows}


async def describe(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    describe_it = dialect_of(conn).pick(postgres=_describe_postgres, sqlite=_describe_sqlite)
    return await describe_it(conn)


async def _describe_sqlite(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    shapes: dict[str, TableShape] = {}
    tables = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (name,) in ((t["name"],) for t in tables):
        if name in BOOKKEEPING:
            continue
        shape = shapes.setdefault(name, TableShape())
        for col in await conn.execute_query_dict(f'PRAGMA table_info("{name}")'):
            shape.columns[col["name"]] = not col["notnull"] and not col["pk"]
        for index in await conn.execute_query_dict(f'PRAGMA index_list("{name}")'):
            cols = await conn.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
            key = tuple(c["name"] for c in sorted(cols, key=lambda c: c["seqno"]))
            if index["origin"] != "pk":
                shape.indexes.add((key, bool(index["unique"])))
    return shapes


async def _describe_postgres(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    shapes: dict[str, TableShape] = {}
    columns = await conn.execute_query_dict(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    )
    for col in columns:
        if col["table_name"] in BOOKKEEPING:
            continue
        shape = shapes.setdefault(col["table_name"], TableShape())
        shape.columns[col["column_name"]] = col["is_nullable"] == "YES"
    indexes = await conn.execute_query_dict(
        """
        SELECT t.relname AS table_name, ix.indisunique AS is_unique, ix.indisprimary AS is_pk,
               array_agg(a.attname::text ORDER BY k.ord) AS columns
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        GROUP BY t.relname, ix.indexrelid, ix.indisunique, ix.indisprimary
        """
    )
    for index in indexes:
        if index["table_name"] in BOOKKEEPING or index["is_pk"]:
            continue
        shapes[index["table_name"]].indexes.add((tuple(index["columns"]), index["is_unique"]))
    return shapes


def differences(actual: dict[str, TableShape], expected: dict[str, TableShape]) -> list[str]:
    """Human-readable differences; empty when the two schemas agree."""
    problems = []
    for table in sorted(expected.keys() | actual.keys()):
        if table not in actual:
            problems.append(f"table {table} is missing")
            continue
        if table not in expected:
            problems.append(f"table {table} is not in the models")
            continue
        want, have = expected[table], actual[table]
        if want.columns != have.columns:
            problems.append(f"{table}: columns {sorted(have.columns.items())} != {sorted(want.columns.items())}")
        for cols, unique in sorted(want.indexes - have.indexes):
            problems.append(f"{table}: {'unique ' if unique else ''}index on {', '.join(cols)} is missing")
        for cols, unique in sorted(have.indexes - want.indexes):
            problems.append(f"{table}: {'unique ' if unique else ''}index on {', '.join(cols)} is not in the models")
    return problems
