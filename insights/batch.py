"""Set-based writes for the refresh: thousands of rows in a few statements, on both backends.

Inserts reuse the store's JSON-batch ``Upsert`` (rows travel as one parameter) with the
column types it lacks (floats); updates and deletes by id take the ids as one JSON parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.bulk import Upsert, dialect

CHUNK = 5000


class _Insert(Upsert):
    """A plain insert (a conflict on the generated id cannot happen) that also knows float columns."""

    def sql(self, flavour: str) -> str:
        text = super().sql(flavour)
        if flavour != "postgres":
            return text
        for name in self._inputs():
            if isinstance(self._field(name), fields.FloatField):
                text = text.replace(f'"{name}" text', f'"{name}" double precision', 1)
        return text


@cache
def _inserter(model: type[Model], columns: tuple[str, ...], returning: tuple[str, ...]) -> Upsert:
    return _Insert(model, columns=columns, conflict=("id",), returning=returning)


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
    pairs = [{"i": key, "v": value} for key, value in values.items()]
    for start in range(0, len(pairs), CHUNK):
        payload = json.dumps(pairs[start : start + CHUNK])
        if dialect(conn) == "postgres":
            sql = (
                f'UPDATE "{table}" AS t SET "{column}" = r.v FROM json_to_recordset($1::json) '
                f'AS r(i bigint, v bigint) WHERE t."id" = r.i'
            )
        else:
            sql = (
                f'UPDATE "{table}" SET "{column}" = j.v FROM (SELECT json_extract(value, \'$.i\') AS i, '
                f'json_extract(value, \'$.v\') AS v FROM json_each(?)) AS j WHERE "{table}"."id" = j.i'
            )
        await conn.execute_query(sql, [payload])


async def delete_in(conn: BaseDBAsyncClient, model: type[Model], column: str, ids: Iterable[int]) -> None:
    """``DELETE FROM model WHERE column IN ids``, one statement per chunk."""
    table = model._meta.db_table
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        payload = json.dumps(wanted[start : start + CHUNK])
        if dialect(conn) == "postgres":
            sql = f'DELETE FROM "{table}" WHERE "{column}" = ANY(ARRAY(SELECT json_array_elements_text($1::json)::bigint))'
        else:
            sql = f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT value FROM json_each(?))'
        await conn.execute_query(sql, [payload])
