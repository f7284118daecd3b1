"""A served simulator and an authenticated REST client, per test module.

Each module provides its own ``state`` fixture (module scope) to pick the data set and clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox.woocommerce import WooState, serve_simulator


@pytest.fixture(scope="module")
def base_url(state: WooState) -> Iterator[str]:
    with serve_simulator(state, tls=True) as url:
        yield url


@pytest.fixture
async def api(state: WooState, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    key = state.create_api_key("read_write")
    async with httpx.AsyncClient(
        base_url=f"{base_url}/wp-json/wc/v3/",
        auth=(key.consumer_key, key.consumer_secret),
        verify=False,
    ) as client:
        yield client
