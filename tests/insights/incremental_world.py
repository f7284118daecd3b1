"""Made-up merchants for the incremental refresh tests, and a person's slice of a history.

``population`` draws a merchant the way real ones look to the ranking: most people bought once,
amounts and days repeat (ties), several currencies of very different sizes (SEK: three people,
so some score cuts are empty), people who also paid in a second currency, and refunds
that take a purchase away.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tortoise.context import TortoiseContext

from app.db import tortoise_config
from insights.history import MerchantHistory, OrderRow, load_history
from insights.identity.resolve import resolve
from tests.insights.sandbox_store import SandboxStore, load_sandbox
from tests.support.servers import scratch_database

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
CURRENCIES = (("EUR", 0.6), ("USD", 0.3), ("GBP", 0.08), ("CHF", 0.02))
PRICES = tuple(Decimal(p) for p in ("9.99", "19.99", "19.99", "25.00", "49.50", "120.00"))


def population(seed: int, people: int = 400) -> MerchantHistory:
    """A merchant of ``people`` profiles (ids 1..people) with their orders up to ``AS_OF``."""
    rng = random.Random(seed)
    orders: list[OrderRow] = []
    codes = [c for c, _ in CURRENCIES]
    weights = [w for _, w in CURRENCIES]
    for profile_id in range(1, people + 1):
        currency = "SEK" if profile_id <= 3 else rng.choices(codes, weights)[0]
        count = 1 if rng.random() < 0.6 else rng.choice((2, 2, 3, 4, 7))
        for _ in range(count):
            days_ago = rng.choice((0, 3, 30, 30, 90, 200, 400, 700)) + rng.choice((0, 0, 1))
            total = rng.choice(PRICES)
            refunded = total if rng.random() < 0.05 else Decimal("0")
            paid_in = rng.choice(codes) if rng.random() < 0.07 else currency
            at = AS_OF - timedelta(days=days_ago, hours=rng.randrange(1, 20))
            orders.append(OrderRow(len(orders) + 1, 1, profile_id, paid_in, total, refunded, False, at))
    orders.sort(key=lambda o: o.created_at)
    return MerchantHistory(1, {1: "shopify"}, orders, {}, {}, {p: 1 for p in range(1, people + 1)})


def only(history: MerchantHistory, profiles: Collection[int], *, without: Collection[int] = ()) -> MerchantHistory:
    """``history`` as an incremental run reads it for ``profiles``; ``without`` lose their orders
    (as if cancelled since), so they are chosen but have no purchase any more."""
    chosen = frozenset(profiles) | frozenset(without)
    return replace(
        history,
        orders=[o for o in history.orders if o.profile_id in chosen and o.profile_id not in without],
        home_store={p: s for p, s in history.home_store.items() if p in chosen},
        profiles=chosen,
    )


@dataclass
class Resolved:
    sandbox: SandboxStore
    history: MerchantHistory


@asynccontextmanager
async def resolved_sandbox(folder: Path) -> AsyncIterator[Resolved]:
    """The sandbox merchant in a database of its own, its customers resolved into profiles, and
    its history: what the segments and predictions steps read, without the rest of a refresh."""
    async with scratch_database(folder) as url, TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        sandbox = await load_sandbox()
        await resolve(sandbox.merchant_id)
        yield Resolved(sandbox, await load_history(sandbox.merchant_id))
