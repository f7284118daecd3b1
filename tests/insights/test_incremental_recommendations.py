"""An incremental recommendations run: "for you" lists of the given people only, from the model the
last full run kept in the database, equal to what that full run's model gives them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from app.db import tortoise_config
from insights.history import LineRow, MerchantHistory, OrderRow, load_history
from insights.models import InsightModel, ProductPairing, ProfileRecommendation
from insights.recommend import ItemKNN, Recommendation
from insights.recommend.stored import dump_model, load_model
from insights.recommendations import (
    STORED_NAME,
    MerchantRecommender,
    NoStoredModel,
    refresh_recommendations,
    stored_model,
)
from store.models import Customer
from store.people import ensure_profiles
from tests.insights.sandbox_store import load_sandbox
from tests.support.servers import scratch_database

pytestmark = pytest.mark.db

K = 10
FULL_AT = datetime(2026, 12, 1, tzinfo=UTC)
LATER = FULL_AT + timedelta(days=1)


@dataclass
class Merchant:
    merchant_id: int
    history: MerchantHistory
    """The whole merchant, as a full run reads it."""


@pytest_asyncio.fixture(scope="module")
async def merchant(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Merchant]:
    """The sandbox merchant with one profile per customer (no identity step: only the
    recommendations step is under test here)."""
    async with scratch_database(tmp_path_factory.mktemp("incremental_recs")) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        ids = cast("list[int]", await Customer.filter(merchant_id=sandbox.merchant_id).values_list("id", flat=True))
        await ensure_profiles(ids)
        yield Merchant(sandbox.merchant_id, await load_history(sandbox.merchant_id))


async def _run(history: MerchantHistory, now: datetime, rerank: Any = None) -> dict[str, int]:
    async with in_transaction() as conn:
        return await refresh_recommendations(conn, history, K, now, rerank)


async def _full_run(merchant: Merchant) -> dict[int, dict[str, Any]]:
    """A full run at ``FULL_AT``; its "for you" rows by profile."""
    await _run(merchant.history, FULL_AT)
    return await _rows(merchant.merchant_id)


async def _rows(merchant_id: int) -> dict[int, dict[str, Any]]:
    rows = await ProfileRecommendation.filter(merchant_id=merchant_id).values(
        "profile_id", "store_id", "model", "items", "computed_at"
    )
    return {row["profile_id"]: row for row in rows}


def _only(history: MerchantHistory, profiles: set[int], **changes: Any) -> MerchantHistory:
    """What an incremental run is given: these people's orders and homes, the whole catalog."""
    orders = [o for o in history.orders if o.profile_id in profiles]
    only = {
        "orders": orders,
        "lines": {o.id: history.lines[o.id] for o in orders if o.id in history.lines},
        "home_store": {p: s for p, s in history.home_store.items() if p in profiles},
        "profiles": frozenset(profiles),
    }
    return replace(history, **(only | changes))


def _assert_same_list(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert (got["store_id"], got["model"]) == (want["store_id"], want["model"])
    assert [i["product_id"] for i in got["items"]] == [i["product_id"] for i in want["items"]]
    for mine, theirs in zip(got["items"], want["items"], strict=True):
        assert mine["score"] == pytest.approx(theirs["score"], rel=0, abs=1e-9)


async def test_an_incremental_run_gives_everyone_the_list_of_the_full_run(merchant):
    full = await _full_run(merchant)
    everyone = set(merchant.history.home_store)
    await ProfileRecommendation.filter(merchant_id=merchant.merchant_id).update(items=[], model="stale")

    counts = await _run(_only(merchant.history, everyone), LATER)

    assert counts == {"profiles": len(everyone), "products": 0}
    again = await _rows(merchant.merchant_id)
    assert again.keys() == full.keys()
    for profile_id, row in again.items():
        _assert_same_list(row, full[profile_id])
        assert row["computed_at"] == LATER


async def test_only_the_given_people_are_rewritten_and_the_pairings_stay(merchant):
    full = await _full_run(merchant)
    pairings = await ProductPairing.filter(merchant_id=merchant.merchant_id).values(
        "product_id", "items", "computed_at"
    )
    buyers = sorted({o.profile_id for o in merchant.history.orders if o.profile_id is not None})
    chosen = set(buyers[::7])

    counts = await _run(_only(merchant.history, chosen), LATER)

    assert counts == {"profiles": len(chosen), "products": 0}
    after = await _rows(merchant.merchant_id)
    assert after.keys() == full.keys()
    assert {p for p, row in after.items() if row["computed_at"] == LATER} == chosen
    assert {p: after[p] for p in after.keys() - chosen} == {p: full[p] for p in full.keys() - chosen}
    assert (
        await ProductPairing.filter(merchant_id=merchant.merchant_id).values("product_id", "items", "computed_at")
        == pairings
    )


async def test_someone_no_longer_live_loses_the_row(merchant):
    full = await _full_run(merchant)
    gone, kept = sorted(full)[:2]
    history = _only(merchant.history, {gone, kept})
    del history.home_store[gone]

    counts = await _run(history, LATER)

    assert counts["profiles"] == 1
    after = await _rows(merchant.merchant_id)
    assert gone not in after and after[kept]["computed_at"] == LATER
    assert len(after) == len(full) - 1


def _buyer_with_orders(history: MerchantHistory, n: int) -> int:
    by_profile = history.orders_by_profile()
    return min(p for p, orders in by_profile.items() if len(orders) >= n and p in history.home_store)


async def test_new_purchases_are_answered_by_the_full_runs_model_not_retrained(merchant):
    await _full_run(merchant)
    history = merchant.history
    person = _buyer_with_orders(history, 2)
    store_id = history.home_store[person]
    trained = MerchantRecommender.train(history)
    bought_before = {line.product_id for o in history.orders if o.profile_id == person for line in history.lines[o.id]}
    new = next(
        pid
        for pid, p in sorted(history.products.items())
        if p.store_id == store_id and p.item in trained.known and pid not in bought_before
    )
    order = OrderRow(-1, store_id, person, "USD", Decimal("10.00"), Decimal("0"), False, LATER)
    changed = _only(history, {person})
    changed.orders.append(order)
    changed.lines[order.id] = [LineRow(order.id, new, Decimal("10.00"))]
    bought = [line.product_id for o in changed.orders for line in changed.lines[o.id]]

    await _run(changed, LATER)

    row = (await _rows(merchant.merchant_id))[person]
    model, recs = trained.for_you(bought, row["store_id"], K)
    assert new not in [i["product_id"] for i in row["items"]]
    _assert_same_list(row, {"store_id": row["store_id"], "model": model, "items": _items(recs)})


async def test_someone_whose_orders_are_all_gone_gets_the_full_runs_best_sellers(merchant):
    await _full_run(merchant)
    person = _buyer_with_orders(merchant.history, 1)
    changed = _only(merchant.history, {person}, orders=[], lines={})

    await _run(changed, LATER)

    row = (await _rows(merchant.merchant_id))[person]
    model, recs = MerchantRecommender.train(merchant.history).for_you([], merchant.history.home_store[person], K)
    assert row["model"] == model == "popularity"
    _assert_same_list(row, {"store_id": merchant.history.home_store[person], "model": model, "items": _items(recs)})


async def test_products_out_of_stock_since_the_full_run_are_left_out(merchant):
    full = await _full_run(merchant)
    person = _buyer_with_orders(merchant.history, 1)
    first = full[person]["items"][0]["product_id"]
    products = dict(merchant.history.products)
    products[first] = replace(products[first], buyable=False)
    changed = _only(merchant.history, {person}, products=products)

    await _run(changed, LATER)

    row = (await _rows(merchant.merchant_id))[person]
    assert first not in [i["product_id"] for i in row["items"]]
    trained = MerchantRecommender.over_catalog(MerchantRecommender.train(merchant.history).model, changed)
    bought = [line.product_id for o in changed.orders for line in changed.lines[o.id]]
    model, recs = trained.for_you(bought, row["store_id"], K)
    _assert_same_list(row, {"store_id": row["store_id"], "model": model, "items": _items(recs)})


async def test_a_rerank_hook_sees_the_same_candidates_as_in_a_full_run(merchant):
    seen: dict[str, dict[int, list[Recommendation]]] = {"full": {}, "incremental": {}}

    def lift_last(run: str) -> Any:
        def hook(profile_id: int, candidates: list[Recommendation]) -> list[Recommendation]:
            seen[run][profile_id] = candidates
            return [candidates[-1], *candidates[:-1]]

        return hook

    await _run(merchant.history, FULL_AT, lift_last("full"))
    full = await _rows(merchant.merchant_id)
    chosen = set(sorted(full)[:40])
    await _run(_only(merchant.history, chosen), LATER, lift_last("incremental"))

    after = await _rows(merchant.merchant_id)
    assert seen["incremental"].keys() == chosen
    for p in chosen:
        assert seen["incremental"][p] == seen["full"][p]
        _assert_same_list(after[p], full[p])


async def test_the_full_run_keeps_one_model_per_merchant_that_reads_back_the_same(merchant):
    await _full_run(merchant)
    await _full_run(merchant)
    kept = await InsightModel.filter(merchant_id=merchant.merchant_id).values("name", "payload", "created_at")
    assert [(k["name"], k["created_at"]) for k in kept] == [(STORED_NAME, FULL_AT)]
    async with in_transaction() as conn:
        model = await stored_model(conn, merchant.merchant_id)
    trained = MerchantRecommender.train(merchant.history).model
    assert model.items == trained.items
    query = trained.items[:3]
    assert model.recommend(query, 20) == trained.recommend(query, 20)
    assert model.similar_items(trained.items[5], 20) == trained.similar_items(trained.items[5], 20)


async def test_without_a_readable_stored_model_the_incremental_run_refuses_and_keeps_the_rows(merchant):
    full = await _full_run(merchant)
    chosen = set(sorted(full)[:5])
    await InsightModel.filter(merchant_id=merchant.merchant_id).update(payload=b"not a model")
    with pytest.raises(NoStoredModel):
        await _run(_only(merchant.history, chosen), LATER)
    await InsightModel.filter(merchant_id=merchant.merchant_id).delete()
    with pytest.raises(NoStoredModel):
        await _run(_only(merchant.history, chosen), LATER)
    assert await _rows(merchant.merchant_id) == full


async def test_an_incremental_run_of_nobody_changes_nothing(merchant):
    full = await _full_run(merchant)
    await InsightModel.filter(merchant_id=merchant.merchant_id).delete()
    assert await _run(_only(merchant.history, set()), LATER) == {"profiles": 0, "products": 0}
    assert await _rows(merchant.merchant_id) == full


def test_a_stored_model_round_trips_without_pickle() -> None:
    model = ItemKNN().fit([["a", "b"], ["a", "c"], ["b", "c", "d"], ["a", "b"]])
    again = load_model(dump_model(model), ItemKNN)
    assert again.items == model.items
    assert again.recommend(["a"], 3) == model.recommend(["a"], 3)


def test_a_payload_that_needs_unpickling_is_refused() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, model=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        load_model(buffer.getvalue(), ItemKNN)


def _items(recs: list[Recommendation]) -> list[dict[str, Any]]:
    return [{"product_id": int(cast("int", r.item)), "score": r.score} for r in recs]
