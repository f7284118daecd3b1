"""The incremental refresh: after a full run, only the people whose orders or records changed are
recomputed, with the figures a full run gives them; everyone else keeps their rows; and a run is
full whenever an incremental one could not be right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.models import (
    ClvPrediction,
    ProfileFact,
    ProfileRecommendation,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
    RefreshKind,
    RefreshRun,
)
from insights.refresh import refresh_merchant
from store.ingest import mark_deleted, upsert_orders
from store.models import Customer, Order, Store
from store.records import CustomerRecord, LineRecord, OrderRecord
from tests.insights.conftest import AS_OF
from tests.insights.sandbox_store import SandboxStore, load_sandbox
from tests.support.servers import scratch_database

pytestmark = pytest.mark.db

NEXT_DAY = AS_OF + timedelta(days=1)
PER_PERSON = (ProfileStats, ProfileRevenue, ProfileFact, ProfileSegment, ClvPrediction, ProfileRecommendation)
IGNORED = {"id", "computed_at", "created_at"}


async def _rows(model: Any, merchant_id: int) -> dict[int, list[dict[str, Any]]]:
    """A table's rows per profile, without ids and run times, in a stable order."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in await model.filter(merchant_id=merchant_id).values():
        out.setdefault(row["profile_id"], []).append({k: v for k, v in row.items() if k not in IGNORED})
    return {p: sorted(rows, key=repr) for p, rows in out.items()}


async def _snapshot(merchant_id: int) -> dict[str, dict[int, list[dict[str, Any]]]]:
    return {model.__name__: await _rows(model, merchant_id) for model in PER_PERSON}


@dataclass
class Changed:
    sandbox: SandboxStore
    before: dict[str, dict[int, list[dict[str, Any]]]]
    after: dict[str, dict[int, list[dict[str, Any]]]]
    run: RefreshRun
    buyer: int
    """The profile of an existing customer who placed a new order."""
    newcomer: int
    """The profile a new customer (another store, same email as ``buyer``'s) joined."""
    cancelled: int
    """The profile whose only order in the history was deleted."""


async def _order(store: Store, customer: CustomerRecord, number: str, total: str, product: str | None) -> None:
    lines = (LineRecord("l-" + number, 1, Decimal(total), Decimal(total), product_platform_id=product),)
    record = OrderRecord(
        platform_id=number,
        currency="USD",
        total=Decimal(total),
        created_at=AS_OF - timedelta(hours=3),
        updated_at=AS_OF - timedelta(hours=3),
        customer=customer,
        lines=lines if product else (),
    )
    await upsert_orders(store, [record])


@pytest_asyncio.fixture(scope="module")
async def changed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Changed]:
    """The sandbox merchant after a full run, three changes, then an automatic run the next day."""
    async with scratch_database(tmp_path_factory.mktemp("incremental")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        merchant_id = sandbox.merchant_id
        await refresh_merchant(merchant_id, as_of=AS_OF)
        before = await _snapshot(merchant_id)
        stores = {s.platform: s for s in await Store.filter(merchant_id=merchant_id)}
        shopify, woo = stores["shopify"], stores["woocommerce"]

        # an existing Shopify customer with orders orders again, a product the sandbox sells
        stats = {s.profile_id: s for s in await ProfileStats.filter(merchant_id=merchant_id)}
        existing = await Customer.filter(store_id=shopify.id, email__not_isnull=True).order_by("id").all()
        buyer = next(c for c in existing if c.profile_id in stats and c.profile_id is not None)
        product = await Order.filter(customer_id=buyer.id).first().values("id")
        line_product = (
            (await Order.get(id=product["id"]).prefetch_related("lines")).lines[0].product_platform_id
            if product
            else None
        )
        same = CustomerRecord(buyer.platform_id, buyer.platform_updated_at - timedelta(days=1))
        await _order(shopify, same, "incremental-1", "123.45", line_product)
        # a new WooCommerce customer with the same email: identity puts them in the buyer's profile
        newcomer = CustomerRecord("woo-new-1", AS_OF - timedelta(hours=2), email=buyer.email, first_name="New")
        await _order(woo, newcomer, "incremental-2", "20.00", None)
        # a one-order customer's order is deleted on the platform
        one_order = next(
            s.profile_id
            for s in sorted(stats.values(), key=lambda s: s.profile_id)
            if s.orders == 1 and s.profile_id != buyer.profile_id
        )
        customer = await Customer.filter(profile_id=one_order).first()
        assert customer is not None
        gone = await Order.filter(customer_id=customer.id).first()
        assert gone is not None
        await mark_deleted(await Store.get(id=gone.store_id), Order, [gone.platform_id])

        result = await refresh_merchant(merchant_id, as_of=NEXT_DAY, kind=None)
        run = await RefreshRun.get(id=result.run_id)
        after = await _snapshot(merchant_id)
        joined = await Customer.get(store_id=woo.id, platform_id="woo-new-1")
        assert joined.profile_id is not None and buyer.profile_id is not None
        yield Changed(sandbox, before, after, run, buyer.profile_id, joined.profile_id, one_order)


async def test_the_next_automatic_run_is_incremental_and_says_why(changed):
    assert changed.run.kind == RefreshKind.INCREMENTAL
    assert changed.run.counts["why"] == "changes since the last run"
    assert changed.run.counts["customers_changed"] == 3  # the buyer, the newcomer, the deleted order's
    full = await RefreshRun.filter(kind=RefreshKind.FULL).first()
    assert full is not None and changed.run.reference == full.reference


async def test_a_new_customer_with_a_known_email_joins_that_persons_profile(changed):
    assert changed.newcomer == changed.buyer


async def test_changed_people_get_new_figures_and_the_new_orders_count(changed):
    stats_before = changed.before["ProfileStats"][changed.buyer][0]
    stats_after = changed.after["ProfileStats"][changed.buyer][0]
    assert stats_after["orders"] == stats_before["orders"] + 2
    segment = changed.after["ProfileSegment"][changed.buyer][0]
    assert segment["as_of"] == NEXT_DAY and segment["recency_days"] == 2  # last order 1998-06-30 21:00
    assert changed.after["ClvPrediction"][changed.buyer][0]["as_of"] == NEXT_DAY
    facts = {f["kind"] for f in changed.after["ProfileFact"][changed.buyer]}
    assert {"email", "name"} <= facts


async def test_a_person_whose_only_order_went_loses_their_purchase_rows(changed):
    assert changed.cancelled in changed.before["ProfileStats"]
    for table in ("ProfileStats", "ProfileRevenue", "ProfileSegment", "ClvPrediction"):
        assert changed.cancelled not in changed.after[table], table


async def test_everyone_else_keeps_their_rows_untouched(changed):
    touched = {changed.buyer, changed.cancelled}
    # a day later, people silent exactly at a threshold crossed it: they are rescored too
    silent = {p for p, rows in changed.before["ProfileSegment"].items() if rows[0]["recency_days"] in (180, 365)}
    assert changed.run.counts["silence_crossed"] == len(silent - touched)
    for table, before in changed.before.items():
        after = changed.after[table]
        for profile_id, rows in before.items():
            if profile_id in touched or profile_id in silent:
                continue
            assert after.get(profile_id) == rows, (table, profile_id)


async def test_the_changed_peoples_exact_figures_equal_a_full_runs(changed):
    """Stats, revenue and facts are the person's own: a full run over everyone gives the same."""
    merchant_id = changed.sandbox.merchant_id
    await refresh_merchant(merchant_id, as_of=NEXT_DAY, kind=RefreshKind.FULL)
    full = await _snapshot(merchant_id)
    for table in ("ProfileStats", "ProfileRevenue", "ProfileFact"):
        for profile_id in (changed.buyer, changed.cancelled):
            assert full[table].get(profile_id) == changed.after[table].get(profile_id), (table, profile_id)
