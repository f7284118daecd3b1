"""Writes of many rows given as tuples, and set-based updates and deletes by id.

``Write`` sends one typed array per column on PostgreSQL (``unnest``), which asyncpg encodes
in C, instead of ``Upsert``'s JSON document (encoding it, a Python callback per datetime and
Decimal, was a fifth of loyalty processing's CPU in the profile, and the server parses it
again); on SQLite it goes through ``Upsert`` unchanged. ``insert_rows``, ``set_column`` and
``delete_in`` write thousands of rows (the insights refresh) in a few statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.sql.dialect import dialect_of
from store.sql.encoding import dumps, is_json, pg_type
from store.sql.reads import Row
from store.sql.upsert import Upsert

CHUNK = 5000
"""Rows per statement of the set-based writes."""


@dataclass(frozen=True)
class Write:
    """``INSERT ... ON CONFLICT`` (or, with ``update_by``, an ``UPDATE``) of many rows given as
    tuples in ``columns`` order: column arrays on PostgreSQL, ``Upsert`` on SQLite."""

    model: type[Model]
    columns: Sequence[str]
    conflict: Sequence[str] = ()
    update: Sequence[str] = ()
    update_by: str | None = None
    """Update existing rows matched on this column instead of inserting (every row exists)."""
    returning: Sequence[str] = ()

    @cached_property
    def _upsert(self) -> Upsert:
        return Upsert(
            self.model,
            columns=self.columns,
            conflict=self.conflict or (self.update_by or "id",),
            update=self.update,
            returning=self.returning,
        )

    @cached_property
    def _sent(self) -> tuple[int, ...]:
        """Indexes of the columns sent to PostgreSQL (an update sends its key and updated columns only)."""
        if self.update_by is None:
            return tuple(range(len(self.columns)))
        return tuple(i for i, c in enumerate(self.columns) if c == self.update_by or c in self.update)

    @cached_property
    def _json(self) -> tuple[int, ...]:
        """Positions, among the columns sent, of JSON columns (sent as text)."""
        fmap = self.model._meta.fields_map
        return tuple(n for n, i in enumerate(self._sent) if is_json(fmap.get(self.columns[i])))

    @cached_property
    def _pg_sql(self) -> str:
        """Built on first use: Tortoise adds the ``*_id`` fields of relations at initialisation."""
        return self._postgres_sql(self.returning)

    @cached_property
    def _pg_count_sql(self) -> str:
        return f"WITH w AS ({self._postgres_sql(('1',))}) SELECT count(*) FROM w"

    def _postgres_sql(self, returning: Sequence[str]) -> str:
        fmap = self.model._meta.fields_map
        table = self.model._meta.db_table

        def array_type(name: str) -> str:
            f = fmap.get(name)
            return "text" if is_json(f) else pg_type(f)

        def value(name: str) -> str:
            return f'r."{name}"::jsonb' if is_json(fmap.get(name)) else f'r."{name}"'

        sent = [self.columns[i] for i in self._sent]
        arrays = ", ".join(f"${n}::{array_type(c)}[]" for n, c in enumerate(sent, start=1))
        names = ", ".join(f'"{c}"' for c in sent)
        source = f"unnest({arrays}) AS r({names})"
        returned = (" RETURNING " + ", ".join(c if c == "1" else f'"{c}"' for c in returning)) if returning else ""
        if self.update_by is not None:
            sets = ", ".join(f'"{c}" = {value(c)}' for c in self.update)
            return f'UPDATE "{table}" AS t SET {sets} FROM {source} WHERE t."{self.update_by}" = r."{self.update_by}"{returned}'
        conflict = ", ".join(f'"{c}"' for c in self.conflict)
        if self.update:
            action = "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in self.update)
        else:
            action = "DO NOTHING"
        names = ", ".join(f'"{c}"' for c in self.columns)
        values = ", ".join(value(c) for c in self.columns)
        return (
            f'INSERT INTO "{table}" ({names}) SELECT {values} FROM {source} ON CONFLICT ({conflict}) {action}{returned}'
        )

    def _arrays(self, rows: Sequence[Row]) -> list[list[Any]]:
        columns = list(zip(*rows, strict=True))
        arrays = [list(columns[i]) for i in self._sent]
        for n in self._json:
            arrays[n] = [None if v is None else dumps(v) for v in arrays[n]]
        return arrays

    async def run(self, conn: BaseDBAsyncClient, rows: Sequence[Row]) -> list[Row]:
        """Write the rows; returns the ``returning`` columns of the rows written."""
        if not rows:
            return []
        if not dialect_of(conn).postgres:
            written = await self._upsert.run(conn, [dict(zip(self.columns, row, strict=True)) for row in rows])
            return [tuple(r[c] for c in self.returning) for r in written]
        if not self.returning:
            await conn.execute_query(self._pg_sql, self._arrays(rows))
            return []
        return [tuple(r.values()) for r in await conn.execute_query_dict(self._pg_sql, self._arrays(rows))]

    async def count(self, conn: BaseDBAsyncClient, rows: Sequence[Row]) -> int:
        """Write the rows; returns how many were written (rows skipped on conflict do not count).

        SQLite counts the ``returning`` rows, so a write counted there needs ``returning``.
        """
        if not rows:
            return 0
        if not dialect_of(conn).postgres:
            return len(await self.run(conn, rows))
        _, result = await conn.execute_query(self._pg_count_sql, self._arrays(rows))
        return int(result[0][0])


@cache
def _inserter(model: type[Model], columns: tuple[str, ...], returning: tuple[str, ...]) -> Upsert:
    """A plain insert: a conflict on the generated id cannot happen."""
    return Upsert(model, columns=columns, conflict=("id",), returning=returning)


async def insert_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Insert ``rows`` (all with the same keys) in chunks of ``CHUNK``; returns ``returning`` columns."""
    if not rows:
        return []
    upsert = _inserter(model, tuple(rows[0]), returning)
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), CHUNK):
        out.extend(await upsert.run(conn, rows[start : start + CHUNK]))
    return out


async def set_column(
    conn: BaseDBAsyncClient, model: type[Model], column: str, values: Mapping[int, int | None]
) -> None:
    """``UPDATE model SET column = values[id]`` for every id, integers or NULL, one statement per chunk."""
    table = model._meta.db_table
    sql = dialect_of(conn).pick(
        postgres=(
            f'UPDATE "{table}" AS t SET "{column}" = r.v FROM json_to_recordset($1::json) '
            f'AS r(i bigint, v bigint) WHERE t."id" = r.i'
        ),
        sqlite=(
            f'UPDATE "{table}" SET "{column}" = j.v FROM (SELECT json_extract(value, \'$.i\') AS i, '
            f'json_extract(value, \'$.v\') AS v FROM json_each(?)) AS j WHERE "{table}"."id" = j.i'
        ),
    )
    pairs = [{"i": key, "v": value} for key, value in values.items()]
    for start in range(0, len(pairs), CHUNK):
        await conn.execute_query(sql, [dumps(pairs[start : start + CHUNK])])


async def delete_in(conn: BaseDBAsyncClient, model: type[Model], column: str, ids: Iterable[int]) -> None:
    """``DELETE FROM model WHERE column IN ids``, one statement per chunk."""
    dialect = dialect_of(conn)
    where = dialect.in_ids(f'"{column}"', 1)
    sql = f'DELETE FROM "{model._meta.db_table}" WHERE {where}'
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        await conn.execute_query(sql, [dialect.ids(wanted[start : start + CHUNK])])


_FILL_PG = (
    'UPDATE "{table}" AS t SET "{column}" = r.v FROM json_to_recordset($1::json) AS r(i bigint, v bigint) '
    'WHERE t."id" = r.i AND t."{column}" IS NULL{also} RETURNING t."id"'
)
_FILL_SQLITE = (
    'UPDATE "{table}" SET "{column}" = j.v FROM (SELECT json_extract(value, \'$.i\') AS i, '
    "json_extract(value, '$.v') AS v FROM json_each(?)) AS j "
    'WHERE "{table}"."id" = j.i AND "{table}"."{column}" IS NULL{also} RETURNING "{table}"."id"'
)


async def fill_nulls(
    conn: BaseDBAsyncClient,
    model: type[Model],
    column: str,
    values: Mapping[int, int],
    *,
    while_equal: str | None = None,
) -> set[int]:
    """Set ``column`` to ``values[id]`` on the rows where it is still NULL, one statement per chunk;
    returns the ids set (a row someone filled meanwhile keeps theirs). ``while_equal`` names a
    column that must still hold the new value (a row moved elsewhere since it was read is left)."""
    if not values:
        return set()
    table = model._meta.db_table
    also = {"postgres": "", "sqlite": ""}
    if while_equal:
        also = {"postgres": f' AND t."{while_equal}" = r.v', "sqlite": f' AND "{table}"."{while_equal}" = j.v'}
    sql = dialect_of(conn).pick(
        postgres=_FILL_PG.format(table=table, column=column, also=also["postgres"]),
        sqlite=_FILL_SQLITE.format(table=table, column=column, also=also["sqlite"]),
    )
    pairs = [{"i": row_id, "v": value} for row_id, value in sorted(values.items())]
    done: set[int] = set()
    for start in range(0, len(pairs), CHUNK):
        for row in await conn.execute_query_dict(sql, [dumps(pairs[start : start + CHUNK])]):
            done.add(int(row["id"]))
    return done
