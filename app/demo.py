"""The demo's set-up: the sandbox merchant's two stores, loaded into the store."""

from __future__ import annotations

from app.seed import seed
from sandbox.dataset import build
from store.models import Customer, Order


async def prepare() -> str:
    """Load the sandbox stores (the database is migrated already); returns a one-line summary."""
    written = await seed(build("sample", 7))
    orders, customers = await Order.all().count(), await Customer.all().count()
    new = sum(written.values())
    return f"{orders} orders and {customers} customers across 2 stores ({new} orders new this run)"
