"""The admin's members pages are read along an index in list order, so a first page costs the
same for a thousand members or a million (a sort of every member took 245 ms at 15x)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from store.sql import dialect_of
from tests.schema.conftest import admin, data

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

PAGE = """query($tier: String, $after: String) { members(first: 50, tier: $tier, after: $after) {
  pageInfo { endCursor } nodes { id } } }"""


@contextmanager
def member_reads(table: str = "loyalty_members") -> Iterator[list[tuple[str, list[Any]]]]:
    """The statements reading ``table`` the ORM runs meanwhile, with their parameters."""
    seen: list[tuple[str, list[Any]]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            args = record.args if isinstance(record.args, tuple) else ()
            if len(args) == 2 and f'FROM "{table}"' in str(args[0]):
                seen.append((str(args[0]), list(args[1] or [])))

    logger = logging.getLogger("tortoise.db_client")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def plan(sql: str, values: list[Any]) -> str:
    """The plan of ``sql`` when an ordered index scan is possible at all: PostgreSQL is told to
    avoid sorts and full scans (a tiny test table would rightly be sorted), SQLite says whether it
    needs a temporary b-tree for the ORDER BY."""
    conn = connections.get("default")
    if dialect_of(conn).sqlite:
        rows = await conn.execute_query_dict("EXPLAIN QUERY PLAN " + sql, values)
        return "\n".join(str(row["detail"]) for row in rows)
    async with in_transaction() as tx:
        await tx.execute_script(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off"
        )
        rows = await tx.execute_query_dict("EXPLAIN " + sql, values)
    return "\n".join(str(row["QUERY PLAN"]) for row in rows)


def sorts(found: str) -> bool:
    return "TEMP B-TREE" in found or "Sort" in found


def starts_at_cursor(found: str) -> bool:
    """The index search itself is bounded by the join time, not only a filter over its rows."""
    conditions = [line for line in found.splitlines() if "Index Cond" in line or "USING INDEX" in line]
    return any("created_at" in line for line in conditions)


@pytest.mark.parametrize("tier", [None, "Gold", "none"])
async def test_a_members_page_whole_or_by_tier_is_an_index_scan_in_list_order_without_a_sort(client, world, tier):
    first = data(await admin(client, PAGE, {"tier": tier}))["members"]
    with member_reads() as seen:
        data(await admin(client, PAGE, {"tier": tier}))
        data(await admin(client, PAGE, {"tier": tier, "after": first["pageInfo"]["endCursor"]}))
    pages = [(sql, values) for sql, values in seen if "ORDER BY" in sql]
    assert len(pages) == 2, seen
    first_plan, next_plan = [await plan(sql, values) for sql, values in pages]
    assert not sorts(first_plan), first_plan
    assert not sorts(next_plan), next_plan
    if tier != "none":  # the test world's members all have a tier, so that list has no next page
        assert first["pageInfo"]["endCursor"] is not None
        # the next page starts at its cursor in the index, not after reading every newer member
        assert starts_at_cursor(next_plan), next_plan
