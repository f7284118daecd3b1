"""The WooCommerce simulator serves the sandbox history moved to end on a given day (``--ends``)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from sandbox.dataset import build
from sandbox.woocommerce import WooState

ENDS = date(2026, 12, 5)


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7, ends=ENDS)


async def test_its_orders_end_on_the_day_asked_with_the_recorded_ids_and_totals(api: httpx.AsyncClient) -> None:
    newest = (await api.get("orders", params={"per_page": 1, "orderby": "date", "order": "desc"})).json()[0]
    oldest = (await api.get("orders", params={"per_page": 1, "orderby": "date", "order": "asc"})).json()[0]
    recorded = build("sample", 7).by_store("woocommerce").orders
    moved = build("sample", 7, ends=ENDS).by_store("woocommerce").orders
    assert newest["date_created_gmt"].startswith(ENDS.isoformat())
    assert oldest["date_created_gmt"].startswith(moved[0].created_at.date().isoformat())
    assert (newest["id"], newest["total"]) == (recorded[-1].platform_id, f"{recorded[-1].total:.2f}")
