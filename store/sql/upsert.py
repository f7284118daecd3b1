"""One SQL statement per batch: rows travel as a single JSON parameter.

PostgreSQL unpacks it with ``json_to_recordset``, SQLite with ``json_each``; either way a page
of 250 orders is one ``INSERT ... ON CONFLICT`` however many rows it holds, with no limit on
bound parameters. Values are encoded the way Tortoise stores them on each backend, so the ORM
reads back what was written here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.sql.columns import model_columns
from store.sql.dialect import Dialect, dialect_of
from store.sql.encoding import dumps, pg_type, sqlite_value

Column = Callable[[str], str]
"""Given an input column name, the SQL expression that reads it from the batch."""


@dataclass(frozen=True)
class Upsert:
    """An ``INSERT ... ON CONFLICT`` for one model, reusable across batches.

    Without ``columns``, it writes every column of the model but ``exclude``, and every row
    must name them all; ``keep`` then updates every written column but those.
    """

    model: type[Model]
    columns: Sequence[str] = ()
    update: Sequence[str] = ()
    conflict: Sequence[str] = ("store_id", "platform_id")
    fresher_only: bool = False
    returning: Sequence[str] = ()
    computed: Mapping[str, Callable[[Column], str]] | None = None
    extra_inputs: Mapping[str, str] | None = None
    """Batch columns that feed ``computed`` expressions only, with their PostgreSQL types."""
    exclude: frozenset[str] = frozenset({"id"})
    keep: frozenset[str] | None = None
    """Columns a conflict leaves as they are (the rest are updated), instead of ``update``."""
    _built: dict[str, str] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)
    """The statement per dialect, built once (hot paths such as webhook intake run it per request)."""

    def _field(self, name: str) -> fields.Field[Any] | None:
        return self.model._meta.fields_map.get(name)

    @cached_property
    def _columns(self) -> tuple[str, ...]:
        """Resolved on first use: Tortoise adds the ``*_id`` fields of relations at initialisation."""
        return tuple(self.columns) or model_columns(self.model, exclude=self.exclude)

    @cached_property
    def _update(self) -> tuple[str, ...]:
        if self.keep is None:
            return tuple(self.update)
        return tuple(c for c in self._columns if c not in self.keep)

    @cached_property
    def _inputs(self) -> tuple[str, ...]:
        computed = self.computed or {}
        return tuple(c for c in self._columns if c not in computed) + tuple(self.extra_inputs or {})

    def sql(self, dialect: Dialect) -> str:
        built = self._built.get(dialect.name)
        if built is None:
            built = self._built[dialect.name] = self._build(dialect)
        return built

    def _build(self, dialect: Dialect) -> str:
        table = self.model._meta.db_table
        if dialect.postgres:

            def col(name: str) -> str:
                return f'r."{name}"'

            types = {name: pg_type(f) for name in self._inputs if (f := self._field(name))}
            types |= dict(self.extra_inputs or {})
            record = ", ".join(f'"{n}" {types[n]}' for n in self._inputs)
            source = f"FROM json_to_recordset($1::json) AS r({record})"
        else:

            def col(name: str) -> str:
                return f"json_extract(value, '$.{name}')"

            source = "FROM json_each(?) WHERE true"
        computed = self.computed or {}
        select = ", ".join(computed[c](col) if c in computed else col(c) for c in self._columns)
        target = ", ".join(f'"{c}"' for c in self._columns)
        conflict = ", ".join(f'"{c}"' for c in self.conflict)
        if self._update:
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in self._update)
            action = f"DO UPDATE SET {sets}"
            if self.fresher_only:
                mine, theirs = f'"{table}"."platform_updated_at"', 'excluded."platform_updated_at"'
                action += (
                    f" WHERE {mine} < {theirs} OR ({mine} = {theirs} AND"
                    f' "{table}"."content_hash" <> excluded."content_hash")'
                )
        else:
            action = "DO NOTHING"
        returning = ""
        if self.returning:
            returning = " RETURNING " + ", ".join(f'"{c}"' for c in self.returning)
        return f'INSERT INTO "{table}" ({target}) SELECT {select} {source} ON CONFLICT ({conflict}) {action}{returning}'

    def encode(self, rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> str:
        names = self._inputs
        if not self.columns and rows and not set(names) <= rows[0].keys():
            missing = sorted(set(names) - rows[0].keys())
            raise KeyError(f"rows for {self.model._meta.db_table} lack columns {missing}")
        if dialect.postgres:
            payload = [{n: row.get(n) for n in names} for row in rows]
        else:
            payload = [{n: sqlite_value(self._field(n), row.get(n)) for n in names} for row in rows]
        return dumps(payload)

    async def run(self, conn: BaseDBAsyncClient, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Write the batch in one statement; returns the ``returning`` columns of rows written."""
        if not rows:
            return []
        dialect = dialect_of(conn)
        return await conn.execute_query_dict(self.sql(dialect), [self.encode(rows, dialect)])


async def delete_missing(
    conn: BaseDBAsyncClient,
    model: type[Model],
    *,
    parent: str,
    parent_ids: Sequence[int],
    keep: Sequence[str],
) -> None:
    """Delete children of ``parent_ids`` whose platform id is not in ``keep``, in one statement."""
    if not parent_ids:
        return
    table = model._meta.db_table
    if dialect_of(conn).postgres:
        sql = f'DELETE FROM "{table}" WHERE "{parent}" = ANY($1::bigint[]) AND NOT ("platform_id" = ANY($2::text[]))'
        await conn.execute_query(sql, [list(parent_ids), list(keep)])
    else:
        sql = (
            f'DELETE FROM "{table}" WHERE "{parent}" IN (SELECT value FROM json_each(?)) '
            f'AND "platform_id" NOT IN (SELECT value FROM json_each(?))'
        )
        await conn.execute_query(sql, [dumps(list(parent_ids)), dumps(list(keep))])
