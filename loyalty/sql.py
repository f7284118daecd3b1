"""Raw SQL for the batch paths: reads by large id lists, and writes of many rows in one statement.

The ORM spends more Python building a 1,000-id ``IN (...)`` than the database spends
answering it, and turns every row into a dict or a model. Here an id list is one parameter
(a PostgreSQL array, a JSON array on SQLite), rows come back as the driver's records, and
values are converted only where the driver's type differs from what Tortoise would return.

Writes on PostgreSQL send one typed array per column (``unnest``), which asyncpg encodes in
C, instead of ``store.bulk.Upsert``'s JSON document (encoding it, a Python callback per
datetime and Decimal, was a fifth of the processing's CPU in the profile, and the server
parses it again); on SQLite they go through ``store.bulk.Upsert`` unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.bulk import Upsert, dialect

Row = Sequence[Any]
_PG_ARRAY_TYPES: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.BooleanField, "boolean"),
    (fields.DecimalField, "numeric"),
    (fields.DatetimeField, "timestamptz"),
    (fields.DateField, "date"),
    (fields.JSONField, "text"),
    (fields.IntField, "bigint"),
)


def _json_default(value: Any) -> Any:
    """As ``store.bulk`` encodes them: ``Decimal`` as a string, dates in ISO format."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} for a batch")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return dialect(conn) == "postgres"


def in_ids(conn: BaseDBAsyncClient, column: str, n: int) -> str:
    """``column`` is one of the ids bound as parameter ``n`` (see ``ids_param``)."""
    if is_postgres(conn):
        # A subquery, not ``= ANY($n)``: the planner hashes it for a scan of an unindexed
        # column, where ``ANY`` over a parameter compares each row with every id.
        return f"{column} IN (SELECT unnest(${n}::bigint[]))"
    return f"{column} IN (SELECT value FROM json_each(?))"


def ids_param(conn: BaseDBAsyncClient, ids: Iterable[int]) -> Any:
    return list(ids) if is_postgres(conn) else json.dumps(list(ids))


def param(conn: BaseDBAsyncClient, n: int) -> str:
    """The placeholder of the ``n``-th parameter."""
    return f"${n}" if is_postgres(conn) else "?"


def time_param(conn: BaseDBAsyncClient, when: datetime) -> Any:
    """A datetime to compare with a stored one: SQLite compares the text Tortoise writes."""
    return when if is_postgres(conn) else str(when.astimezone(UTC))


def _converter(field: fields.Field | None, postgres: bool) -> Callable[[Any], Any] | None:
    """How a raw driver value becomes what the ORM would return, or ``None`` if it already is.

    asyncpg returns booleans, numerics and timestamps typed (JSON as text); SQLite returns
    text and integers, which Tortoise's own fields convert.
    """
    if field is None:
        return None
    if isinstance(field, fields.JSONField):
        return field.to_python_value
    if postgres:
        return None
    if isinstance(field, fields.BooleanField | fields.DecimalField | fields.DatetimeField | fields.DateField):
        return field.to_python_value
    return None


async def select(
    conn: BaseDBAsyncClient,
    model: type[Model],
    columns: Sequence[str],
    where: str,
    params: list[Any],
    *,
    suffix: str = "",
) -> list[Row]:
    """Rows of ``columns`` (in that order, indexable), typed as the ORM would type them."""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in columns)
    _, rows = await conn.execute_query(f'SELECT {cols} FROM "{table}" WHERE {where}{suffix}', params)
    postgres = is_postgres(conn)
    fmap = model._meta.fields_map
    converters = [(i, c) for i, name in enumerate(columns) if (c := _converter(fmap.get(name), postgres))]
    if not converters:
        return list(rows)
    out = []
    for row in rows:
        values = list(row)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        out.append(values)
    return out


@dataclass(frozen=True)
class Write:
    """``INSERT ... ON CONFLICT`` (or, with ``update_by``, an ``UPDATE``) of many rows given as
    tuples in ``columns`` order: column arrays on PostgreSQL, ``store.bulk.Upsert`` on SQLite."""

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
            conflict=self.conflict or (self.update_by,),
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
        return tuple(n for n, i in enumerate(self._sent) if isinstance(fmap.get(self.columns[i]), fields.JSONField))

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

        def pg_type(name: str) -> str:
            f = fmap.get(name)
            return next((t for cls, t in _PG_ARRAY_TYPES if isinstance(f, cls)), "text")

        sent = [self.columns[i] for i in self._sent]
        arrays = ", ".join(f"${n}::{pg_type(c)}[]" for n, c in enumerate(sent, start=1))
        names = ", ".join(f'"{c}"' for c in sent)
        source = f"unnest({arrays}) AS r({names})"
        values = ", ".join(
            f'r."{c}"::jsonb' if isinstance(fmap.get(c), fields.JSONField) else f'r."{c}"' for c in self.columns
        )
        returning = (" RETURNING " + ", ".join(c if c == "1" else f'"{c}"' for c in returning)) if returning else ""
        if self.update_by is not None:
            sets = ", ".join(
                f'"{c}" = r."{c}"::jsonb' if isinstance(fmap.get(c), fields.JSONField) else f'"{c}" = r."{c}"'
                for c in self.update
            )
            return f'UPDATE "{table}" AS t SET {sets} FROM {source} WHERE t."{self.update_by}" = r."{self.update_by}"{returning}'
        conflict = ", ".join(f'"{c}"' for c in self.conflict)
        if self.update:
            action = "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in self.update)
        else:
            action = "DO NOTHING"
        names = ", ".join(f'"{c}"' for c in self.columns)
        return f'INSERT INTO "{table}" ({names}) SELECT {values} FROM {source} ON CONFLICT ({conflict}) {action}{returning}'

    def _arrays(self, rows: Sequence[Row]) -> list[list[Any]]:
        columns = list(zip(*rows, strict=True))
        arrays = [list(columns[i]) for i in self._sent]
        for n in self._json:
            arrays[n] = [None if v is None else _dumps(v) for v in arrays[n]]
        return arrays

    async def run(self, conn: BaseDBAsyncClient, rows: Sequence[Row]) -> list[Row]:
        """Write the rows; returns the ``returning`` columns of the rows written."""
        if not rows:
            return []
        if not is_postgres(conn):
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
        if not is_postgres(conn):
            return len(await self.run(conn, rows))
        _, result = await conn.execute_query(self._pg_count_sql, self._arrays(rows))
        return int(result[0][0])
