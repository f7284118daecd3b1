"""The storefront's best-sellers (every shopper without a list of their own) read a store's newest
orders along an index: a sort of all the store's orders cost 76 ms a widget call at 3x."""

from __future__ import annotations

import pytest

from schema.catalog.recommendations import best_sellers
from tests.schema.test_members_page_plan import member_reads, plan

pytestmark = [pytest.mark.db, pytest.mark.reads_only]


async def test_best_sellers_take_the_newest_orders_from_an_index_without_sorting_the_store(client, world):
    with member_reads("order_lines") as seen:
        assert await best_sellers(world.shopify.id)
    [(sql, values)] = seen
    found = await plan(sql, values)
    # one ORDER BY is the ranking of products; the newest orders need none of their own
    assert found.count("TEMP B-TREE FOR ORDER BY") <= 1, found
    assert "Sort Key: orders.platform_created_at" not in found, found
    assert "Seq Scan on orders" not in found, found
