"""Raw SQL's one home: the dialect object, value encoding, batch writes and id-list reads.

Loyalty and insights write their hot paths through these, so what differs between
PostgreSQL and SQLite is decided here and nowhere else.
"""

from store.sql.columns import columns_of, values_of
from store.sql.dialect import POSTGRES, SQLITE, Dialect, dialect_of
from store.sql.reads import Row, select
from store.sql.upsert import Column, Upsert, delete_missing
from store.sql.writes import Write, delete_in, fill_nulls, insert_rows, set_column

__all__ = [
    "POSTGRES",
    "SQLITE",
    "Column",
    "Dialect",
    "Row",
    "Upsert",
    "Write",
    "columns_of",
    "values_of",
    "delete_in",
    "delete_missing",
    "dialect_of",
    "fill_nulls",
    "insert_rows",
    "select",
    "set_column",
]
