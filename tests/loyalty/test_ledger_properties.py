"""Property: whatever the sequence of orders, partial refunds, store credit, cancellations,
redemptions, duplicate and reordered processing, the ledger never double-credits, every
cached balance equals the sum of the ledger, each order holds exactly what a from-scratch
computation of its final state gives, and a balance only goes below zero as recorded debt."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.errors import InsufficientPoints
from loyalty.models import Entry, EntryKind, Member, OrderAccount, Reward, RewardKind
from loyalty.processing import process_orders
from loyalty.release import release_due
from loyalty.replay import rebuild_balances, replay
from loyalty.rewards import redeem
from loyalty.rules import Rules
from tests.loyalty.helpers import RecordingIssuer, at, make_shop, refund

pytestmark = pytest.mark.db

cents = st.integers(min_value=1, max_value=9999).map(lambda c: Decimal(c) / 100)
orders_st = st.lists(st.tuples(st.integers(0, 1), st.lists(cents, min_size=1, max_size=3)), min_size=1, max_size=3)
op = st.one_of(
    st.tuples(st.just("refund"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 100), st.integers(0, 60)),
    st.tuples(st.just("credit"), st.integers(0, 2), st.integers(1, 100), st.integers(0, 60)),
    st.tuples(st.just("cancel"), st.integers(0, 2)),
    st.tuples(st.just("process"), st.lists(st.integers(0, 2), min_size=1, max_size=4)),
    st.tuples(st.just("release"), st.integers(0, 60)),
    st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(1, 80)),
)


def oracle(lines: list[Decimal], refunded: dict[int, Decimal], credit: Decimal, cancelled: bool) -> int:
    """Points of an order's final state at 1 point per dollar, floored, in exact fractions."""
    if cancelled:
        return 0
    total = sum(lines, Decimal(0))
    kept = max(Fraction(0), 1 - Fraction(credit) / Fraction(total))
    net = sum(Fraction(t) - Fraction(min(refunded.get(j, Decimal(0)), t)) for j, t in enumerate(lines))
    return math.floor(net * kept)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(orders=orders_st, ops=st.lists(op, max_size=10))
async def test_balances_equal_the_ledger_and_a_from_scratch_computation(db, orders, ops):
    shop = await make_shop("prop")
    await shop.program(Rules(rounding="floor", return_window_days=30))
    reward = await Reward.create(
        merchant=shop.merchant,
        name="points to cash",
        kind=RewardKind.POINTS_TO_CASH,
        min_points=1,
        max_points=10_000,
        cash_per_point=Decimal("0.01"),
    )
    people = [await shop.customer(), await shop.customer()]
    state = []
    for i, (who, lines) in enumerate(orders):
        pid = f"prop-{shop.merchant.id}-{i}"
        oid = await shop.order(people[who][0], [(str(j), t) for j, t in enumerate(lines)], when=at(i), platform_id=pid)
        state.append(
            {
                "id": oid,
                "pid": pid,
                "who": who,
                "lines": lines,
                "refunds": [],
                "refunded": {},
                "credit": Decimal(0),
                "cancelled": None,
            }
        )
    redeemed = {0: 0, 1: 0}
    issuer = RecordingIssuer()

    async def write(o: dict) -> None:
        await shop.order(
            people[o["who"]][0],
            [(str(j), t) for j, t in enumerate(o["lines"])],
            when=at(state.index(o)),
            platform_id=o["pid"],
            refunds=tuple(o["refunds"]),
            cancelled_at=o["cancelled"],
        )

    for step, action in enumerate(ops):
        kind = action[0]
        if kind == "refund":
            o = state[action[1] % len(state)]
            j = action[2] % len(o["lines"])
            left = o["lines"][j] - o["refunded"].get(j, Decimal(0))
            amount = (left * action[3] / 100).quantize(Decimal("0.01"))
            if amount > 0:
                o["refunded"][j] = o["refunded"].get(j, Decimal(0)) + amount
                o["refunds"].append(refund(f"{o['pid']}-r{step}", o["pid"], at(action[4]), [(str(j), amount)]))
                await write(o)
        elif kind == "credit":
            o = state[action[1] % len(state)]
            total = sum(o["lines"], Decimal(0))
            amount = ((total - o["credit"]) * action[2] / 100).quantize(Decimal("0.01"))
            if amount > 0:
                o["credit"] += amount
                o["refunds"].append(
                    refund(f"{o['pid']}-c{step}", o["pid"], at(action[3]), amount=amount, store_credit=True)
                )
                await write(o)
        elif kind == "cancel":
            o = state[action[1] % len(state)]
            o["cancelled"] = at(5)
            await write(o)
        elif kind == "process":
            await process_orders([state[i % len(state)]["id"] for i in action[1]], now=at(10))
        elif kind == "release":
            await release_due(at(action[1]))
        else:
            profile = people[action[1]][1]
            try:
                await redeem(profile, reward.id, shop.store.id, issuer, points=action[2], now=at(20))
                redeemed[action[1]] += action[2]
            except InsufficientPoints:
                pass
            except LookupError:
                pass
        assert await rebuild_balances(shop.merchant.id) == []
        assert not await Member.filter(merchant_id=shop.merchant.id, pending__lt=0).exists()

    await process_orders([o["id"] for o in state], now=at(10))
    await release_due(at(100))

    assert await rebuild_balances(shop.merchant.id) == []
    assert (await replay(shop.merchant.id, now=at(100))).differences == []
    for o in state:
        expected = oracle(o["lines"], o["refunded"], o["credit"], o["cancelled"] is not None)
        account = await OrderAccount.get(order_id=o["id"])
        assert account.points == expected
        credited = sum(await Entry.filter(order_id=o["id"]).values_list("lifetime", flat=True))
        assert credited == expected
    for who, (_, profile) in enumerate(people):
        member = await Member.get_or_none(profile_id=profile)
        earned = sum(
            oracle(o["lines"], o["refunded"], o["credit"], o["cancelled"] is not None) for o in state if o["who"] == who
        )
        if member is None:
            assert earned == 0
            continue
        assert member.available + member.pending == earned - redeemed[who]
        assert member.pending == 0
        if member.available < 0:
            debts = sum(
                (e.data or {}).get("debt", 0)
                for e in await Entry.filter(profile_id=profile, kind__in=[EntryKind.CLAWBACK, EntryKind.REVERSAL])
            )
            assert debts >= -member.available
