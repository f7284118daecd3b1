"""One SQL statement per batch: rows travel as a single JSON parameter.

PostgreSQL unpacks it with ``json_to_recordset``, SQLite with ``json_each``; either way a page
of 250 orders is one ``INSERT ... ON CONFLICT`` however many rows it holds, with no limit on
bound parameters. Values are encoded the way Tortoise stores them on each backend, so the ORM
reads back what was written here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

Column = Callable[[str], str]
"""Given an input column name, the SQL expression that reads it from the batch."""

_PG_TYPES: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.BooleanField, "boolean"),
    (fields.DecimalField, "numeric"),
    (fields.DatetimeField, "timestamptz"),
    (fields.DateField, "date"),
    (fields.JSONField, "jsonb"),
    (fields.IntField, "bigint"),
)


def dialect(conn: BaseDBAsyncClient) -> str:
    return conn.capabilities.dialect


def _pg_type(field: fields.Field) -> str:
    for cls, sql_type in _PG_TYPES:
        if isinstance(field, cls):
            return sql_type
    return "text"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} for a batch")


def _sqlite_value(field: fields.Field | None, value: Any) -> Any:
    """The text SQLite holds for a value, exactly as Tortoise's fields write it."""
    if value is None:
        return None
    if isinstance(field, fields.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(field, fields.DatetimeField):
        return str(value.astimezone(UTC))
    if isinstance(field, fields.DateField):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Upsert:
    """An ``INSERT ... ON CONFLICT`` for one model, reusable across batches."""

    model: type[Model]
    columns: Sequence[str]
    update: Sequence[str] = ()
    conflict: Sequence[str] = ("store_id", "platform_id")
    fresher_only: bool = False
    returning: Sequence[str] = ()
    computed: Mapping[str, Callable[[Column], str]] | None = None
    extra_inputs: Mapping[str, str] | None = None
    """Batch columns that feed ``computed`` expressions only, with their PostgreSQL types."""
    _built: dict[str, str] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)
    """The statement per dialect, built once (hot paths such as webhook intake run it per request)."""

    def _field(self, name: str) -> fields.Field | None:
        return self.model._meta.fields_map.get(name)

    def _inputs(self) -> list[str]:
        return [c for c in self.columns if c not in (self.computed or {})] + list(self.extra_inputs or {})

    def sql(self, flavour: str) -> str:
        built = self._built.get(flavour)
        if built is None:
            built = self._built[flavour] = self._build(flavour)
        return built

    def _build(self, flavour: str) -> str:
        table = self.model._meta.db_table
        if flavour == "postgres":

            def col(name: str) -> str:
                return f'r."{name}"'

            types = {name: _pg_type(f) for name in self._inputs() if (f := self._field(name))}
            types |= dict(self.extra_inputs or {})
            record = ", ".join(f'"{n}" {types[n]}' for n in self._inputs())
            source = f"FROM json_to_recordset($1::json) AS r({record})"
        else:

            def col(name: str) -> str:
                return f"json_extract(value, '$.{name}')"

            source = "FROM json_each(?) WHERE true"
        select = ", ".join(
            (self.computed or {}).get(c, col)(col) if c in (self.computed or {}) else col(c) for c in self.columns
        )
        target = ", ".join(f'"{c}"' for c in self.columns)
        conflict = ", ".join(f'"{c}"' for c in self.conflict)
        if self.update:
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in self.update)
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

    def encode(self, rows: Sequence[Mapping[str, Any]], flavour: str) -> str:
        names = self._inputs()
        if flavour == "postgres":
            payload = [{n: row.get(n) for n in names} for row in rows]
        else:
            payload = [{n: _sqlite_value(self._field(n), row.get(n)) for n in names} for row in rows]
        return json.dumps(payload, default=_json_default, separators=(",", ":"))

    async def run(self, conn: BaseDBAsyncClient, rows: Sequence[Mapping[str, Any]]) -> list[dict]:
        """Write the batch in one statement; returns the ``returning`` columns of rows written."""
        if not rows:
            return []
        flavour = dialect(conn)
        return await conn.execute_query_dict(self.sql(flavour), [self.encode(rows, flavour)])


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
    if dialect(conn) == "postgres":
        sql = f'DELETE FROM "{table}" WHERE "{parent}" = ANY($1::bigint[]) AND NOT ("platform_id" = ANY($2::text[]))'
        await conn.execute_query(sql, [list(parent_ids), list(keep)])
    else:
        sql = (
            f'DELETE FROM "{table}" WHERE "{parent}" IN (SELECT value FROM json_each(?)) '
            f'AND "platform_id" NOT IN (SELECT value FROM json_each(?))'
        )
        await conn.execute_query(sql, [json.dumps(list(parent_ids)), json.dumps(list(keep))])
