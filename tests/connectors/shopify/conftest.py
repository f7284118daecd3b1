"""Shopify fixtures: the simulator served over HTTP in a thread of its own (as a remote shop),
and Rapport's Shopify routes served in the test's loop (so they use the test's database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from connectors.shopify import pacing
from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app
from tests.connectors.shopify.support import Rapport, new_shop, serve_rapport


@pytest.fixture(autouse=True)
def _fresh_buckets() -> None:
    """Every test talks to a new simulated shop of the same name: forget the last one's bucket."""
    pacing._buckets.clear()


@pytest.fixture
def shop() -> ShopState:
    return new_shop()


@pytest.fixture
def shop_url(shop: ShopState) -> Iterator[str]:
    with serve(create_app(shop)) as url:
        yield url


@pytest_asyncio.fixture
async def rapport(db, database_url: str, shop_url: str) -> AsyncIterator[Rapport]:
    async with serve_rapport(database_url, shop_url) as served:
        yield served
