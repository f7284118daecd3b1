"""What the insights refresh keeps (``measure.refresh``) answers exactly what the live statements
answer, and both the hand calculation: retention per store and across stores, the cohort matrix and
the CLV groups; a kept report costs fewer statements than a live one and still none per month."""

from __future__ import annotations

import pytest

from measure.models import ClvGroupTotal, CohortActivity, RetentionActivity
from measure.refresh import refresh_measurement
from schema.core.ids import to_gid
from tests.measure.hand import raw_orders, retention_by_hand
from tests.measure.test_retention import (
    CLV,
    COHORTS,
    RETENTION,
    assert_cohorts,
    assert_months_match,
)
from tests.schema.conftest import AS_OF, admin, data
from tests.store.test_upsert import counted_statements

pytestmark = pytest.mark.db


async def test_the_kept_reports_are_the_live_ones_and_the_hand_calculation(client, world):
    scopes = [{}, {"store": to_gid("Store", world.shopify.id)}, {"store": to_gid("Store", world.woo.id)}]
    live = [(data(await admin(client, RETENTION, v)), data(await admin(client, COHORTS, v))) for v in scopes]
    clv_live = {by: data(await admin(client, CLV, {"by": by})) for by in ("COHORT", "STORE", "PLATFORM")}
    counts = await refresh_measurement(world.merchant.id, AS_OF)
    assert counts["retention"] == await RetentionActivity.filter(merchant_id=world.merchant.id).count() > 3 * 12
    assert await CohortActivity.filter(merchant_id=world.merchant.id, store_id=None).count() > 12
    assert await ClvGroupTotal.filter(merchant_id=world.merchant.id).count() == counts["clv_groups"]
    for variables, (retention, cohorts) in zip(scopes, live, strict=True):
        assert data(await admin(client, RETENTION, variables)) == retention
        assert data(await admin(client, COHORTS, variables)) == cohorts
    for by, groups in clv_live.items():
        assert data(await admin(client, CLV, {"by": by})) == groups
    found = data(await admin(client, RETENTION, {"store": to_gid("Store", world.woo.id)}))["retention"]["months"]
    assert_months_match(found, retention_by_hand(await raw_orders(world.merchant.id, world.woo.id)))
    await assert_cohorts(client, world, None)
    assert not await RetentionActivity.filter(merchant_id=world.other_merchant.id).exists()


async def test_a_kept_report_costs_the_same_statements_for_three_months_or_all(client, world):
    await refresh_measurement(world.merchant.id, AS_OF)
    with counted_statements() as three:
        data(await admin(client, RETENTION, {"since": "1997-01-01", "until": "1997-03-31"}))
        data(await admin(client, COHORTS, {"since": "1997-01-01", "until": "1997-03-31"}))
    with counted_statements() as every:
        data(await admin(client, RETENTION))
        data(await admin(client, COHORTS))
    assert len(three) == len(every) <= 6
