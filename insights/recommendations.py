"""Recommendations per merchant: "frequently bought together" per product, "for you" per person.

One ``ItemKNN`` is trained on all the merchant's orders (a basket is the products of one
order). A product with the same handle on two stores is one catalog item, so what people
buy at one store informs the other. Lists are answered in product ids of one store and hold
only products that are active and in stock there (``Variant.in_stock``); "for you" leaves
out everything the person bought. A query the model knows nothing about (a new shopper, a
product nobody bought) gets best-sellers, and the row says ``popularity``. A full run ranks a
store's people (and products) in batches (``ItemKNN.recommend_many``), which gives exactly the
lists of one ``for_you`` per person at about a third of the CPU.

Loyalty can re-rank a person's list without this package knowing loyalty: pass
``rerank(profile_id, candidates) -> candidates`` (plain or async); it sees a longer
candidate list than is kept, so a product it lifts can enter the top, not only move in it.

A full run keeps its trained model in the database (``InsightModel`` named ``recommender``,
bytes of ``insights.recommend.stored``). An incremental run (``history.profiles`` set)
retrains nothing: it reads that model back and replaces only the "for you" rows of the
people it was given, so their lists are exactly what the full run's model gives for their
baskets today, against today's catalog (availability, new products).
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient

from insights.history import MerchantHistory
from insights.models import InsightModel, ProductPairing, ProfileRecommendation
from insights.recommend import ItemKNN, Recommendation
from insights.recommend.stored import dump_model, load_model
from store.sql import insert_rows
from store.sql.writes import CHUNK

MODEL_KNN = "item_knn"
MODEL_POPULARITY = "popularity"
CANDIDATES_FOR_RERANK = 3
STORED_NAME = "recommender"
"""``InsightModel.name`` of the model a full run leaves for the incremental runs."""

Rerank = Callable[[int, list[Recommendation]], Sequence[Recommendation] | Awaitable[Sequence[Recommendation]]]
"""(profile id, candidates as product ids, best first) -> the re-ordered candidates."""


@dataclass
class MerchantRecommender:
    """The trained model plus the catalog mapping between items and each store's products."""

    model: ItemKNN
    item_of: dict[int, str]
    product_at: dict[tuple[int, str], int]
    unavailable: dict[int, list[str]]
    """Per store, the items the model knows that the store cannot sell now (a short list)."""
    known: set[str]

    @classmethod
    def train(cls, history: MerchantHistory) -> MerchantRecommender:
        item_of = {pid: p.item for pid, p in history.products.items()}
        baskets = [
            [item_of[line.product_id] for line in history.lines.get(order.id, ()) if line.product_id in item_of]
            for order in history.orders
        ]
        return cls.over_catalog(ItemKNN().fit(b for b in baskets if b), history)

    @classmethod
    def over_catalog(cls, model: ItemKNN, history: MerchantHistory) -> MerchantRecommender:
        """A trained model against the catalog of ``history`` (today's products and stock)."""
        item_of = {pid: p.item for pid, p in history.products.items()}
        product_at = {(p.store_id, p.item): pid for pid, p in history.products.items()}
        buyable: dict[int, set[str]] = {store_id: set() for store_id in history.platforms}
        for p in history.products.values():
            if p.buyable:
                buyable[p.store_id].add(p.item)
        known = {str(item) for item in model.items}  # catalog items are strings (ProductRow.item)
        unavailable = {store_id: sorted(known - items) for store_id, items in buyable.items()}
        return cls(model, item_of, product_at, unavailable, known)

    def _known(self, items: Sequence[str]) -> bool:
        return any(item in self.known for item in items)

    def _products(self, store_id: int, recs: list[Recommendation]) -> list[Recommendation]:
        return [Recommendation(self.product_at[(store_id, str(r.item))], round(r.score, 6)) for r in recs]

    def for_you(self, bought: Sequence[int], store_id: int, k: int) -> tuple[str, list[Recommendation]]:
        """Products of ``store_id`` for someone who bought ``bought`` (product ids, oldest first)."""
        items = list(dict.fromkeys(self.item_of[p] for p in bought if p in self.item_of))
        recs = self.model.recommend(items, k, exclude=self.unavailable[store_id])
        return (MODEL_KNN if self._known(items) else MODEL_POPULARITY), self._products(store_id, recs)

    def for_you_many(
        self, bought: Sequence[Sequence[int]], store_id: int, k: int
    ) -> list[tuple[str, list[Recommendation]]]:
        """``for_you`` of many people of one store at once: the same lists, batched."""
        histories = [list(dict.fromkeys(self.item_of[p] for p in b if p in self.item_of)) for b in bought]
        answers = self.model.recommend_many(histories, k, exclude=self.unavailable[store_id])
        return [
            ((MODEL_KNN if self._known(items) else MODEL_POPULARITY), self._products(store_id, recs))
            for items, recs in zip(histories, answers, strict=True)
        ]

    def bought_together_many(
        self, product_ids: Sequence[int], store_id: int, k: int
    ) -> list[tuple[str, list[Recommendation]]]:
        """``bought_together`` of many products of one store at once: the same lists, batched."""
        items = [self.item_of[p] for p in product_ids]
        answers = self.model.similar_many(items, k, exclude=self.unavailable[store_id])
        return [
            ((MODEL_KNN if self._known([item]) else MODEL_POPULARITY), self._products(store_id, recs))
            for item, recs in zip(items, answers, strict=True)
        ]

    def bought_together(self, product_id: int, store_id: int, k: int) -> tuple[str, list[Recommendation]]:
        item = self.item_of[product_id]
        recs = self.model.similar_items(item, k, exclude=self.unavailable[store_id])
        return (MODEL_KNN if self._known([item]) else MODEL_POPULARITY), self._products(store_id, recs)


async def _reranked(rerank: Rerank, profile_id: int, recs: list[Recommendation]) -> list[Recommendation]:
    out = rerank(profile_id, recs)
    if inspect.isawaitable(out):
        out = await out
    return [Recommendation(int(cast("int", item)), float(score)) for item, score in out]


def _items(recs: list[Recommendation]) -> list[dict[str, Any]]:
    return [{"product_id": int(cast("int", r.item)), "score": r.score} for r in recs]


async def for_you_rows(
    recommender: MerchantRecommender, history: MerchantHistory, k: int, now: datetime, rerank: Rerank | None = None
) -> list[dict[str, Any]]:
    """One list per live profile, in its preferred store (most orders; a non-buyer's own store)."""
    bought: dict[int, list[int]] = {}
    store_orders: dict[int, Counter[int]] = {}
    for order in history.orders:
        if order.profile_id is None:
            continue
        store_orders.setdefault(order.profile_id, Counter())[order.store_id] += 1
        bought.setdefault(order.profile_id, []).extend(
            line.product_id for line in history.lines.get(order.id, ()) if line.product_id is not None
        )
    wanted = k * CANDIDATES_FOR_RERANK if rerank else k
    preferred: dict[int, int] = {}
    by_store: dict[int, list[int]] = {}
    for profile_id, home in sorted(history.home_store.items()):
        counts = store_orders.get(profile_id)
        store_id = max(counts, key=lambda s: (counts[s], -s)) if counts else home
        preferred[profile_id] = store_id
        by_store.setdefault(store_id, []).append(profile_id)
    # ranked a store at a time (one exclusion mask, people in batches), rows still in profile order
    lists: dict[int, tuple[str, list[Recommendation]]] = {}
    for store_id, people in by_store.items():
        answers = recommender.for_you_many([bought.get(p, []) for p in people], store_id, wanted)
        lists.update(zip(people, answers, strict=True))
    rows = []
    for profile_id, store_id in preferred.items():
        model, recs = lists.pop(profile_id)
        if rerank:
            recs = (await _reranked(rerank, profile_id, recs))[:k]
        rows.append(
            {
                "merchant_id": history.merchant_id,
                "profile_id": profile_id,
                "store_id": store_id,
                "model": model,
                "items": _items(recs),
                "computed_at": now,
            }
        )
    return rows


def pairing_rows(
    recommender: MerchantRecommender, history: MerchantHistory, k: int, now: datetime
) -> list[dict[str, Any]]:
    """One "bought together" list per product of the catalog."""
    known: dict[int, list[int]] = {}
    for product_id, product in history.products.items():
        if product.item in recommender.known:
            known.setdefault(product.store_id, []).append(product_id)
    together: dict[int, tuple[str, list[Recommendation]]] = {}
    for store_id, product_ids in known.items():
        together.update(zip(product_ids, recommender.bought_together_many(product_ids, store_id, k), strict=True))
    rows = []
    fallback: dict[int, list[Recommendation]] = {}
    for product_id, product in sorted(history.products.items()):
        if product_id in together:
            model, recs = together.pop(product_id)
        else:  # every unknown product of a store gets the same best-sellers: compute them once
            if product.store_id not in fallback:
                fallback[product.store_id] = recommender.bought_together(product_id, product.store_id, k + 1)[1]
            model = MODEL_POPULARITY
            recs = [r for r in fallback[product.store_id] if r.item != product_id][:k]
        rows.append(
            {
                "merchant_id": history.merchant_id,
                "product_id": product_id,
                "model": model,
                "items": _items(recs),
                "computed_at": now,
            }
        )
    return rows


class NoStoredModel(LookupError):
    """An incremental run found no usable model of a full run: the merchant needs a full refresh first."""


async def store_model(
    conn: BaseDBAsyncClient, merchant_id: int, model: ItemKNN, now: datetime, run_id: int | None = None
) -> int:
    """Keep ``model`` as the merchant's one stored recommender (replacing the last); returns its bytes."""
    payload = dump_model(model)
    kept = InsightModel.filter(merchant_id=merchant_id, name=STORED_NAME).using_db(conn)
    if not await kept.update(payload=payload, run_id=run_id, created_at=now):
        await InsightModel.create(
            merchant_id=merchant_id, name=STORED_NAME, payload=payload, run_id=run_id, created_at=now, using_db=conn
        )
    return len(payload)


async def stored_model(conn: BaseDBAsyncClient, merchant_id: int) -> ItemKNN:
    """The model the merchant's last full run kept; ``NoStoredModel`` when there is none it can read."""
    payload = (
        await InsightModel.filter(merchant_id=merchant_id, name=STORED_NAME)
        .using_db(conn)
        .values_list("payload", flat=True)
    )
    if not payload:
        raise NoStoredModel(f"merchant {merchant_id} has no stored recommender: run a full refresh")
    try:
        return load_model(bytes(payload[0]), ItemKNN)
    except ValueError as error:
        raise NoStoredModel(f"merchant {merchant_id}'s stored recommender is unreadable ({error})") from error


async def refresh_recommendations(
    conn: BaseDBAsyncClient,
    history: MerchantHistory,
    k: int,
    now: datetime,
    rerank: Rerank | None = None,
    *,
    run_id: int | None = None,
) -> dict[str, int]:
    """A full run trains, rewrites every list and keeps its model; an incremental run
    (``history.profiles``) rewrites only those people's "for you" lists from the kept model."""
    if history.profiles is not None:
        return await _refresh_profiles(conn, history, history.profiles, k, now, rerank)
    recommender = MerchantRecommender.train(history)
    people = await for_you_rows(recommender, history, k, now, rerank)
    pairings = pairing_rows(recommender, history, k, now)
    await ProfileRecommendation.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await ProductPairing.filter(merchant_id=history.merchant_id).using_db(conn).delete()
    await insert_rows(conn, ProfileRecommendation, people)
    await insert_rows(conn, ProductPairing, pairings)
    await store_model(conn, history.merchant_id, recommender.model, now, run_id)
    return {"profiles": len(people), "products": len(pairings)}


async def _refresh_profiles(
    conn: BaseDBAsyncClient,
    history: MerchantHistory,
    profiles: frozenset[int],
    k: int,
    now: datetime,
    rerank: Rerank | None,
) -> dict[str, int]:
    """Replace the "for you" rows of ``profiles`` only; one no longer live just loses its row."""
    if not profiles:
        return {"profiles": 0, "products": 0}
    recommender = MerchantRecommender.over_catalog(await stored_model(conn, history.merchant_id), history)
    live = {p: store_id for p, store_id in history.home_store.items() if p in profiles}
    people = await for_you_rows(recommender, replace(history, home_store=live), k, now, rerank)
    wanted = sorted(profiles)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        await (
            ProfileRecommendation.filter(merchant_id=history.merchant_id, profile_id__in=chunk).using_db(conn).delete()
        )
    await insert_rows(conn, ProfileRecommendation, people)
    return {"profiles": len(people), "products": 0}
