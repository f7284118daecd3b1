"""Reads by large id lists without the ORM: rows come back as the driver's records.

The ORM spends more Python building a 1,000-id ``IN (...)`` than the database spends
answering it, and turns every row into a dict or a model. Here an id list is one parameter
(``Dialect.in_ids``), and values are converted only where the driver's type differs from
what Tortoise would return.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from store.sql.dialect import dialect_of
from store.sql.encoding import reader

Row = Sequence[Any]


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
    _, found = await conn.execute_query(f'SELECT {cols} FROM "{table}" WHERE {where}{suffix}', params)
    rows = cast(Sequence[Row], found)  # the driver's records, indexable by position
    postgres = dialect_of(conn).postgres
    fmap = model._meta.fields_map
    converters = [(i, c) for i, name in enumerate(columns) if (c := reader(fmap.get(name), postgres))]
    if not converters:
        return list(rows)
    out: list[Row] = []
    for row in rows:
        values = list(row)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        out.append(values)
    return out
