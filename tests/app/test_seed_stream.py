"""The streaming seed writes what the whole-set seed writes, row for row, and a scaled merchant in full."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from app.demo.seed import seed, seed_stream, stream_pages
from sandbox.dataset import build
from sandbox.dataset.scale import scaled
from store.models import Customer, Order, OrderLine, Product, Variant
from tests.support.databases import Copies

TABLES = (Product, Variant, Customer, Order, OrderLine)
ROW_CLOCK = {"created_at", "updated_at"}
"""The rows' own write times (auto_now): the only columns two loads of the same data may differ in."""


async def _tables() -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows by id (decrypted values, write times left out)."""
    out = {}
    for model in TABLES:
        rows = await model.all().order_by("id").values()
        text = repr([sorted((k, str(v)) for k, v in row.items() if k not in ROW_CLOCK) for row in rows])
        out[model.__name__] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
    return out


def _in_copy(copies: Copies, where: Path, load: Callable[[], Awaitable[Any]]) -> tuple[Any, dict[str, tuple[int, str]]]:
    where.mkdir()
    url = copies.take(where)

    async def main() -> tuple[Any, dict[str, tuple[int, str]]]:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            return await load(), await _tables()

    try:
        return asyncio.run(main())
    finally:
        copies.give_back(url)


def test_stream_pages_hold_one_page_and_lose_nothing() -> None:
    taken: list[int] = []

    def source() -> Any:
        for i in range(601):
            taken.append(i)
            yield i

    pages = stream_pages(source(), 250)
    first = next(pages)
    assert first == list(range(250)) and len(taken) == 250  # nothing read ahead of the page
    assert [len(p) for p in pages] == [250, 101]
    assert list(stream_pages([], 250)) == []


@pytest.mark.db
def test_scale_one_writes_exactly_what_seed_writes(schema_copies: Copies, tmp_path: Path) -> None:
    data = build("sample", 7)
    whole, tables = _in_copy(schema_copies, tmp_path / "whole", lambda: seed(data))
    streamed, streamed_tables = _in_copy(
        schema_copies, tmp_path / "stream", lambda: seed_stream(scaled("sample", 7, 1))
    )
    assert streamed == whole
    assert sum(whole.values()) == len(data.orders)
    assert tables["Order"][0] == len(data.orders) and tables["Customer"][0] > 0 and tables["OrderLine"][0] > 0
    assert streamed_tables == tables


@pytest.mark.db
def test_scaled_merchant_is_written_in_full(schema_copies: Copies, tmp_path: Path) -> None:
    data = scaled("sample", 7, 3)
    base = build("sample", 7)
    written, tables = _in_copy(schema_copies, tmp_path / "three", lambda: seed_stream(data))
    assert written == {p: 3 * len(base.by_store(p).orders) for p in base.stores}
    assert tables["Order"][0] == 3 * len(base.orders)
    assert tables["OrderLine"][0] == 3 * sum(len(o.lines) for o in base.orders)
    assert tables["Product"][0] == len(base.products)  # one catalogue shared by every replica
    assert tables["Customer"][0] == sum(1 for _ in data.customers()) + _guests(base) * 3


def _guests(base: Any) -> int:
    """Guest buyers (an email, no account): the store keeps one customer row per email and store."""
    return len({(o.store, o.email.lower()) for o in base.orders if o.customer_platform_id is None and o.email})
