"""Measurement over the admin API is the caller's merchant's only: another merchant with orders of
its own reads exactly its own figures (live and kept), cannot name this merchant's store, and sees
none of this merchant's groups, months or tiers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.auth.api_keys import issue
from measure.refresh import refresh_measurement
from schema.core.ids import to_gid
from store.models import Customer, Order, Profile
from tests.measure.hand import raw_orders, retention_by_hand
from tests.measure.test_retention import CLV, COHORTS, RETENTION, assert_months_match
from tests.schema.conftest import AS_OF, admin, data, error_code

pytestmark = pytest.mark.db

TIERS = "{ valueTierRevenue { month tiers { valueTier revenue } } valueTierFlows { toMonth flows { customers } } }"


async def _other_orders(world) -> None:
    """Two shoppers of the other merchant: one orders in January and February 1997, one in February."""
    for n, days in enumerate(
        ([datetime(1997, 1, 5, tzinfo=UTC), datetime(1997, 2, 9, tzinfo=UTC)], [datetime(1997, 2, 20, tzinfo=UTC)])
    ):
        profile = await Profile.create(merchant=world.other_merchant)
        customer = await Customer.create(
            merchant=world.other_merchant,
            store=world.other_store,
            platform_id=f"other-{n}",
            profile=profile,
            platform_updated_at=days[0],
            content_hash=f"c{n}",
        )
        for i, at in enumerate(days):
            await Order.create(
                merchant=world.other_merchant,
                store=world.other_store,
                customer=customer,
                platform_id=f"other-{n}-{i}",
                currency="USD",
                subtotal=Decimal("20"),
                total_discount=Decimal("0"),
                shipping=Decimal("0"),
                tax=Decimal("0"),
                total=Decimal("20"),
                total_refunded=Decimal("0"),
                platform_created_at=at,
                platform_updated_at=at,
                content_hash=f"h{n}{i}",
            )


async def test_another_merchant_sees_only_its_own_and_not_the_others_store(client, world):
    await _other_orders(world)
    other = (await issue(world.other_merchant.id, "other")).secret
    for kept in (False, True):
        if kept:
            await refresh_measurement(world.merchant.id, AS_OF)
            await refresh_measurement(world.other_merchant.id, AS_OF)
        found = data(await admin(client, RETENTION, token=other))["retention"]["months"]
        assert [(m["month"], m["activeCustomers"], m["newCustomers"]) for m in found] == [
            ("1997-01", 1, 1),
            ("1997-02", 2, 1),
        ]
        assert_months_match(found, retention_by_hand(await raw_orders(world.other_merchant.id)))
        cohorts = data(await admin(client, COHORTS, token=other))["cohorts"]["cohorts"]
        assert [(c["month"], c["customers"], [x["activeCustomers"] for x in c["cells"]]) for c in cohorts] == [
            ("1997-01", 1, [1, 1]),
            ("1997-02", 1, [1]),
        ]
        response = await admin(client, RETENTION, {"store": to_gid("Store", world.shopify.id)}, token=other)
        assert error_code(response) == "BAD_USER_INPUT"
        for by in ("COHORT", "STORE", "PLATFORM"):
            assert data(await admin(client, CLV, {"by": by}, token=other))["clvBreakdown"] == []
    tiers = data(await admin(client, TIERS, token=other))
    assert [m["month"] for m in tiers["valueTierRevenue"]] == [
        "1997-01",
        "1997-02",
        *[f"1997-{m:02d}" for m in range(3, 13)],
        *[f"1998-{m:02d}" for m in range(1, 7)],
    ]
    assert sum(Decimal(t["revenue"]) for m in tiers["valueTierRevenue"] for t in m["tiers"]) == Decimal("60")
    assert sum(f["customers"] for f in tiers["valueTierFlows"]["flows"]) == 2
    mine = data(await admin(client, RETENTION))["retention"]["months"]
    assert sum(m["newCustomers"] for m in mine) == len({o.unit for o in await raw_orders(world.merchant.id)}) > 2
