"""DataLoaders keep the SQL of a request flat: 100 profiles cost the statements 10 do."""

from __future__ import annotations

import pytest

from loyalty.models import Entry
from store.models import Customer
from tests.schema.conftest import admin, app_client, data, storefront
from tests.store.test_upsert import counted_statements

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

MEMBERS = """query($n: Int!) { profiles(first: $n) { nodes { id email displayName
  customers(first: 5) { nodes { id email store { domain name } } }
  orders(first: 5) { nodes { id total { amount } store { domain } lines(first: 5) { nodes { title quantity } } } } } } }"""
INSIGHTS = """query($n: Int!) { profiles(first: $n) { nodes { id displayName churnBand
  segment { name tier rfm monetary { amount currencyCode } }
  prediction { model dataStatus churnBand probabilityAlive { value } expectedOrders { value } clv { value { amount } low { amount } high { amount } } }
  transactions { orders revenue { revenue { amount } byStore { store { name } revenue { amount } } } }
  preferences { preferredStore { name } topCategories { name } }
  facts { kind current { value store { name } } }
  identity { links { keys customers { id } } decisions { ruling } } } } }"""
CATALOG = """query($n: Int!) { recommendations(first: $n) { nodes { title price { amount } availableForSale
  frequentlyBoughtTogether(first: 4) { source nodes { title price { amount } } } } } }"""


@pytest.fixture
async def roomy(database_url, world):
    """The app with a cost limit high enough for 100 members with their relations."""
    async with app_client(database_url, graphql_max_cost=100_000) as c:
        yield c


async def test_a_members_page_of_100_costs_the_statements_of_a_page_of_10(roomy, world):
    data(await admin(roomy, "{ merchant { name } }"))  # the app's connection is open before counting
    with counted_statements() as ten:
        small = data(await admin(roomy, MEMBERS, {"n": 10}))
    with counted_statements() as hundred:
        large = data(await admin(roomy, MEMBERS, {"n": 100}))
    assert len(small["profiles"]["nodes"]) == 10 and len(large["profiles"]["nodes"]) == 100
    assert sum(len(p["orders"]["nodes"]) for p in large["profiles"]["nodes"]) > 100
    assert len(hundred) == len(ten) <= 8, hundred


async def test_a_page_of_100_profiles_with_segment_churn_band_and_clv_costs_the_statements_of_10(roomy, world):
    data(await admin(roomy, "{ merchant { name } }"))
    with counted_statements() as ten:
        small = data(await admin(roomy, INSIGHTS, {"n": 10}))["profiles"]["nodes"]
    with counted_statements() as hundred:
        large = data(await admin(roomy, INSIGHTS, {"n": 100}))["profiles"]["nodes"]
    assert len(small) == 10 and len(large) == 100
    # Everyone with a purchase (a day of positive net spend) has both; free orders alone make neither.
    assert all(bool(p["segment"]) == bool(p["prediction"]) for p in large)
    assert sum(1 for p in large if p["segment"] and p["prediction"] and p["churnBand"]) > 90
    assert sum(len(p["identity"]["links"]) for p in large) > 0
    assert len(hundred) == len(ten) <= 12, hundred


LOYALTY_MEMBERS = """query($n: Int!) { members(first: $n) { nodes { id balance { available pending lifetime }
  tier { name multiplier } nextTier { name } tierProgress { current remaining fraction }
  profile { displayName email prediction { clv { value { amount } } } } } } }"""


async def test_a_page_of_100_loyalty_members_with_profile_tier_and_clv_costs_the_statements_of_10(roomy, world):
    data(await admin(roomy, "{ merchant { name } }"))
    with counted_statements() as ten:
        small = data(await admin(roomy, LOYALTY_MEMBERS, {"n": 10}))["members"]["nodes"]
    with counted_statements() as hundred:
        large = data(await admin(roomy, LOYALTY_MEMBERS, {"n": 100}))["members"]["nodes"]
    assert len(small) == 10 and len(large) == 100
    assert all(m["tier"] and m["profile"]["displayName"] for m in large)
    assert sum(1 for m in large if m["profile"]["prediction"]) > 90
    assert len(hundred) == len(ten) <= 10, hundred


async def test_recommended_products_with_their_bought_together_lists_cost_the_same_for_2_or_10(roomy, world):
    data(await storefront(roomy, world.shopify, "{ shop { name } }"))
    with counted_statements() as two:
        small = data(await storefront(roomy, world.shopify, CATALOG, {"n": 2}))["recommendations"]["nodes"]
    with counted_statements() as ten:
        large = data(await storefront(roomy, world.shopify, CATALOG, {"n": 10}))["recommendations"]["nodes"]
    assert len(small) == 2 and len(large) == 10 and all(p["frequentlyBoughtTogether"]["nodes"] for p in large)
    assert len(ten) == len(two) <= 8, ten


async def test_the_storefront_me_query_is_a_small_constant(client, world):
    token = data(
        await admin(
            client,
            """mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }""",
            {"id": f"gid://rapport/Customer/{world.shopper.id}"},
        )
    )["shopperTokenCreate"]["token"]
    with counted_statements() as seen:
        found = data(
            await storefront(
                client,
                world.shopify,
                """{ shop { name } me { email orders(first: 10) {
            nodes { name lines(first: 10) { nodes { title } } } } } }""",
                headers={"X-Rapport-Shopper-Token": token},
            )
        )
    assert found["me"]["orders"]["nodes"]
    assert len(seen) <= 5, seen


LOYALTY = """{ me { loyalty { balance { available pending lifetime } tier { name } nextTier { name }
  tierProgress { current remaining fraction } rewards(first: 5) { nodes { name pointsCost value { amount } } }
  codes(first: 5) { nodes { code reward { name } } } ledger(first: 10) { nodes { kind points description } }
  referral { code link invited completed pending pointsEarned } } } }"""


async def test_the_storefront_loyalty_account_is_a_small_constant_for_short_and_long_ledgers(client, world):
    """A shopper with the fewest ledger entries and one with the most cost the same statements."""
    counts: dict[int, int] = {}
    for customer in await Customer.filter(store_id=world.shopify.id, is_guest=False, owner_id__not_isnull=True):
        counts[customer.id] = await Entry.filter(profile_id=customer.owner_id).count()
    fewest, most = min(counts, key=lambda c: (counts[c], c)), max(counts, key=lambda c: (counts[c], -c))
    assert 0 < counts[fewest] < 10 < counts[most]
    seen = []
    for customer_id in (fewest, most):
        token = data(
            await admin(
                client,
                """mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }""",
                {"id": f"gid://rapport/Customer/{customer_id}"},
            )
        )["shopperTokenCreate"]["token"]
        with counted_statements() as statements:
            found = data(await storefront(client, world.shopify, LOYALTY, headers={"X-Rapport-Shopper-Token": token}))
        ledger = found["me"]["loyalty"]["ledger"]["nodes"]
        assert len(ledger) == min(10, counts[customer_id]) and all(e["description"] for e in ledger)
        seen.append(statements)
    assert len(seen[0]) == len(seen[1]) <= 14, seen[1]
