"""Identity corrections, privacy requests and the refresh through the admin API (each test on its own copy)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from app.auth.api_keys import issue
from app.jobs.local_queue import LocalQueue
from app.web import create_app
from insights.errors import SplitRefused
from insights.models import IdentityDecision, PrivacyAudit, ProfileStats, RefreshRun
from insights.refresh import refresh_merchant
from schema.core.ids import to_gid
from store.ingest import upsert_customers
from store.models import Customer, Job, Order, Profile
from store.people import ensure_profiles
from store.records import CustomerRecord
from tests.schema.conftest import AS_OF, admin, cross_store_profile, data, make_settings

pytestmark = pytest.mark.db

SPLIT = """mutation($ids: [ID!]!) { splitProfile(input: {customerIds: $ids}) {
  profile { id customers(first: 5) { nodes { id } } } remainingProfile { id identity { decisions { ruling actor customers { id } } links { keys } } }
  userErrors { field message code } } }"""
MERGE = """mutation($ids: [ID!]!) { mergeProfiles(input: {profileIds: $ids}) {
  profile { id customers(first: 5) { nodes { id } } identity { links { keys } decisions { ruling } } } userErrors { field message code } } }"""
EXPORT = (
    """mutation($id: ID!) { exportProfile(input: {profileId: $id}) { document userErrors { field message code } } }"""
)
ERASE = """mutation($id: ID!) { eraseProfile(input: {profileId: $id}) { profileId counts userErrors { field message code } } }"""
REFRESH = """mutation($asOf: DateTime) { refreshInsights(input: {asOf: $asOf}) {
  queued lastRun { status startedAt steps { name } } userErrors { field message code } } }"""


def actor(world) -> str:
    return f"admin:session_token:merchant:{world.merchant.id}:store:{world.shopify.id}"


async def _accounts(profile_id: int, world) -> tuple[Customer, Customer]:
    members = await Customer.filter(profile_id=profile_id).order_by("id")
    return (
        next(c for c in members if c.store_id == world.shopify.id),
        next(c for c in members if c.store_id == world.woo.id),
    )


async def _foreign_customer(world) -> Customer:
    await upsert_customers(
        world.other_store,
        [CustomerRecord(platform_id="f1", updated_at=datetime.now(UTC), email="someone@other.example")],
    )
    customer = await Customer.get(store_id=world.other_store.id, platform_id="f1")
    await ensure_profiles([customer.id])
    return await Customer.get(id=customer.id)


async def test_a_split_moves_customers_to_a_new_profile_and_a_later_refresh_keeps_them_apart(client, world):
    profile_id = await cross_store_profile(world)
    shopify, woo = await _accounts(profile_id, world)
    done = data(await admin(client, SPLIT, {"ids": [to_gid("Customer", woo.id)]}))["splitProfile"]
    assert done["userErrors"] == []
    new_profile = int(done["profile"]["id"].rsplit("/", 1)[1])
    assert done["profile"]["customers"]["nodes"] == [{"id": to_gid("Customer", woo.id)}]
    remaining = done["remainingProfile"]
    assert remaining["id"] == to_gid("Profile", profile_id) and remaining["identity"]["links"] == []
    assert remaining["identity"]["decisions"] == [
        {
            "ruling": "DO_NOT_MERGE",
            "actor": actor(world),
            "customers": [{"id": to_gid("Customer", shopify.id)}, {"id": to_gid("Customer", woo.id)}],
        }
    ]
    await refresh_merchant(world.merchant.id, as_of=AS_OF)
    assert (await Customer.get(id=woo.id)).profile_id == new_profile
    assert (await Customer.get(id=shopify.id)).profile_id == profile_id


async def test_a_split_refuses_foreign_unknown_scattered_or_all_customers_and_changes_nothing(client, world):
    profile_id = await cross_store_profile(world)
    shopify, woo = await _accounts(profile_id, world)
    foreign = await _foreign_customer(world)
    before = dict(await Customer.all().values_list("id", "profile_id"))
    cases = (
        ([to_gid("Customer", foreign.id)], ["input", "customerIds", "0"], "NOT_FOUND"),
        ([to_gid("Customer", woo.id), "gid://rapport/Order/1"], ["input", "customerIds", "1"], "NOT_FOUND"),
        (
            [to_gid("Customer", woo.id), to_gid("Customer", world.shopper.id)],
            ["input", "customerIds"],
            "NOT_ONE_PROFILE",
        ),
        ([to_gid("Customer", woo.id), to_gid("Customer", shopify.id)], ["input", "customerIds"], "NOTHING_LEFT"),
        ([], ["input", "customerIds"], "INVALID"),
    )
    for ids, field, code in cases:
        refused = data(await admin(client, SPLIT, {"ids": ids}))["splitProfile"]
        assert (refused["profile"], refused["remainingProfile"]) == (None, None)
        [error] = refused["userErrors"]
        assert (error["field"], error["code"]) == (field, code) and error["message"], ids
    assert dict(await Customer.all().values_list("id", "profile_id")) == before
    assert not await IdentityDecision.exists()


async def test_a_split_refused_by_insights_is_a_user_error_but_a_value_error_from_a_bug_is_not(
    client, world, monkeypatch
):
    profile_id = await cross_store_profile(world)
    _, woo = await _accounts(profile_id, world)

    async def changed_meanwhile(*args, **kwargs):
        raise SplitRefused("the customers to split off must all belong to one profile")

    monkeypatch.setattr("schema.insights.mutations.split_customers", changed_meanwhile)
    refused = data(await admin(client, SPLIT, {"ids": [to_gid("Customer", woo.id)]}))["splitProfile"]
    assert refused["userErrors"] == [
        {
            "field": ["input", "customerIds"],
            "message": "the customers to split off must all belong to one profile",
            "code": "INVALID",
        }
    ]

    async def broken(*args, **kwargs):
        return int("a bug deep inside identity")

    monkeypatch.setattr("schema.insights.mutations.split_customers", broken)
    body = (await admin(client, SPLIT, {"ids": [to_gid("Customer", woo.id)]})).json()
    assert body["data"] is None or body["data"]["splitProfile"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "bug deep inside" not in str(body)


async def test_merging_split_profiles_withdraws_the_ruling_and_joins_them_on_their_shared_keys(client, world):
    profile_id = await cross_store_profile(world)
    shopify, woo = await _accounts(profile_id, world)
    split = data(await admin(client, SPLIT, {"ids": [to_gid("Customer", woo.id)]}))["splitProfile"]
    merged = data(await admin(client, MERGE, {"ids": [split["profile"]["id"], to_gid("Profile", profile_id)]}))[
        "mergeProfiles"
    ]
    assert merged["userErrors"] == []
    assert {n["id"] for n in merged["profile"]["customers"]["nodes"]} == {
        to_gid("Customer", shopify.id),
        to_gid("Customer", woo.id),
    }
    assert merged["profile"]["identity"]["decisions"] == [] and merged["profile"]["identity"]["links"][0]["keys"]
    assert not await IdentityDecision.exists()
    assert len({c.profile_id for c in await Customer.filter(id__in=[shopify.id, woo.id])}) == 1


async def test_a_merge_without_shared_keys_is_refused_and_rolls_back_every_withdrawn_ruling(client, world):
    profile_id = await cross_store_profile(world)
    _, woo = await _accounts(profile_id, world)
    split = data(await admin(client, SPLIT, {"ids": [to_gid("Customer", woo.id)]}))["splitProfile"]
    before = dict(await Customer.all().values_list("id", "profile_id"))
    rulings = set(await IdentityDecision.all().values_list("customer_a_id", "customer_b_id"))
    stranger = to_gid("Profile", world.shopper.profile_id)
    refused = data(
        await admin(client, MERGE, {"ids": [split["profile"]["id"], to_gid("Profile", profile_id), stranger]})
    )
    assert refused["mergeProfiles"]["profile"] is None
    [error] = refused["mergeProfiles"]["userErrors"]
    assert (
        error["code"] == "NO_EVIDENCE"
        and error["field"] == ["input", "profileIds"]
        and "email or phone" in error["message"]
    )
    assert dict(await Customer.all().values_list("id", "profile_id")) == before
    assert set(await IdentityDecision.all().values_list("customer_a_id", "customer_b_id")) == rulings and rulings


async def test_a_merge_needs_two_different_profiles_of_this_merchant(client, world):
    mine = to_gid("Profile", world.shopper.profile_id)
    twice = data(await admin(client, MERGE, {"ids": [mine, mine]}))["mergeProfiles"]["userErrors"]
    assert [e["code"] for e in twice] == ["TOO_FEW_PROFILES"]
    foreign = to_gid("Profile", (await _foreign_customer(world)).profile_id)
    refused = data(await admin(client, MERGE, {"ids": [mine, foreign, "not-an-id"]}))["mergeProfiles"]["userErrors"]
    assert [(e["field"], e["code"]) for e in refused] == [
        (["input", "profileIds", "1"], "NOT_FOUND"),
        (["input", "profileIds", "2"], "NOT_FOUND"),
    ]


async def test_an_export_returns_the_persons_whole_document_and_is_audited(client, world):
    profile_id = await cross_store_profile(world)
    document = data(await admin(client, EXPORT, {"id": to_gid("Profile", profile_id)}))["exportProfile"]
    assert document["userErrors"] == []
    exported = document["document"]
    members = await Customer.filter(profile_id=profile_id)
    assert exported["profile"]["profile_id"] == profile_id
    assert {c["id"] for c in exported["customers"]} == {c.id for c in members}
    assert len(exported["orders"]) == await Order.filter(customer_id__in=[c.id for c in members]).count()
    assert {c.email for c in members} <= {c["email"] for c in exported["customers"]}
    [audit] = await PrivacyAudit.filter(action="export")
    assert (audit.subject_id, audit.actor, audit.merchant_id) == (profile_id, actor(world), world.merchant.id)


async def test_an_erasure_blanks_the_person_on_every_store_keeps_order_sums_and_is_audited_once(client, world):
    profile_id = await cross_store_profile(world)
    members = [c.id for c in await Customer.filter(profile_id=profile_id)]
    totals = set(await Order.filter(customer_id__in=members).values_list("id", "total"))
    erased = data(await admin(client, ERASE, {"id": to_gid("Profile", profile_id)}))["eraseProfile"]
    assert erased["userErrors"] == [] and erased["profileId"] == to_gid("Profile", profile_id)
    assert erased["counts"]["customers"] == len(members)
    for customer in await Customer.filter(id__in=members):
        assert customer.deleted_at is not None and (customer.email, customer.phone, customer.first_name) == (
            None,
            None,
            None,
        )
    assert set(await Order.filter(customer_id__in=members).values_list("id", "total")) == totals
    assert not await ProfileStats.filter(profile_id=profile_id).exists()
    profile = data(
        await admin(
            client,
            """query($id: ID!) { profile(id: $id) { transactions { orders } segment { name }
        facts { kind } } }""",
            {"id": to_gid("Profile", profile_id)},
        )
    )["profile"]
    assert profile == {"transactions": None, "segment": None, "facts": []}
    again = data(await admin(client, ERASE, {"id": to_gid("Profile", profile_id)}))["eraseProfile"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_ERASED"] and again["counts"] is None
    assert [(a.action, a.subject_id, a.actor) for a in await PrivacyAudit.all()] == [
        ("erase", profile_id, actor(world))
    ]


async def test_export_and_erase_refuse_unknown_and_other_merchants_profiles_and_audit_nothing(client, world):
    foreign = (await _foreign_customer(world)).profile_id
    for mutation, name in ((EXPORT, "exportProfile"), (ERASE, "eraseProfile")):
        for value in (to_gid("Profile", foreign), to_gid("Profile", 10**9), to_gid("Customer", world.shopper.id), "x"):
            refused = data(await admin(client, mutation, {"id": value}))[name]
            assert refused["userErrors"] == [
                {"field": ["input", "profileId"], "message": "no such profile of this merchant", "code": "NOT_FOUND"}
            ], (name, value)
    assert not await PrivacyAudit.exists()
    assert (await Customer.get(profile_id=foreign)).email == "someone@other.example"


async def test_another_merchant_sees_none_of_this_merchants_insights(client, world):
    key = (await issue(world.other_merchant.id, "other")).secret
    found = data(
        await admin(
            client,
            """query($id: ID!) { profile(id: $id) { id } profiles(first: 5, tier: VIP) { nodes { id } }
        insights { segments { name } tiers { profiles } churnBands { profiles } clvDistribution { profiles } lastRefresh { status } } }""",
            {"id": to_gid("Profile", await cross_store_profile(world))},
            token=key,
        )
    )
    assert found["profile"] is None and found["profiles"]["nodes"] == []
    overview = found["insights"]
    assert overview["segments"] == [] and overview["clvDistribution"] == [] and overview["lastRefresh"] is None
    assert {t["profiles"] for t in overview["tiers"]} == {b["profiles"] for b in overview["churnBands"]} == {0}


async def test_a_person_without_orders_has_facts_but_no_transactions_segment_or_prediction(client, world):
    await upsert_customers(
        world.shopify,
        [
            CustomerRecord(
                platform_id="new-1", updated_at=AS_OF, email="quiet@example.com", first_name="Quinn", last_name="Quiet"
            )
        ],
    )
    customer = await Customer.get(store_id=world.shopify.id, platform_id="new-1")
    await refresh_merchant(world.merchant.id, as_of=AS_OF)
    profile_id = (await Customer.get(id=customer.id)).profile_id
    found = data(
        await admin(
            client,
            """query($id: ID!) { profile(id: $id) { displayName facts { kind current { value } }
        transactions { orders } preferences { mainCurrencyCode } segment { name } prediction { model } churnBand } }""",
            {"id": to_gid("Profile", profile_id)},
        )
    )["profile"]
    assert found["displayName"] == "Quinn Quiet"
    assert {"kind": "EMAIL", "current": {"value": "quiet@example.com"}} in found["facts"]
    assert [found[k] for k in ("transactions", "preferences", "segment", "prediction", "churnBand")] == [None] * 5


@pytest.fixture
async def with_jobs(db, database_url):
    """The app with the insights jobs registered, as a worker that runs them would have."""
    settings = make_settings(database_url, job_modules=["app.jobs.insights"])
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield c, settings


async def test_a_refresh_is_queued_once_runs_on_a_worker_and_then_shows_as_the_last_refresh(with_jobs, world):
    client, settings = with_jobs
    seeded = await RefreshRun.get(merchant_id=world.merchant.id)
    first = data(await admin(client, REFRESH, {"asOf": "1998-07-01T00:00:00Z"}))["refreshInsights"]
    assert first["queued"] and first["userErrors"] == [] and first["lastRun"]["status"] == "COMPLETE"
    [job] = await Job.filter(function="insights_refresh")
    assert job.args == [world.merchant.id, "1998-07-01T00:00:00+00:00"]
    again = data(await admin(client, REFRESH))["refreshInsights"]
    assert not again["queued"] and [e["code"] for e in again["userErrors"]] == ["ALREADY_QUEUED"]
    await LocalQueue(settings).work(burst=True)
    latest = data(await admin(client, "{ insights { lastRefresh { status startedAt steps { name } } } }"))["insights"][
        "lastRefresh"
    ]
    assert latest["status"] == "COMPLETE" and datetime.fromisoformat(latest["startedAt"]) > seeded.started_at
    assert [s["name"] for s in latest["steps"]] == [
        "identity",
        "profiles",
        "segments",
        "predictions",
        "recommendations",
    ]
    assert data(await admin(client, REFRESH))["refreshInsights"]["queued"]


async def test_a_refresh_in_the_future_or_without_the_job_is_refused(with_jobs, world, monkeypatch):
    client, _ = with_jobs
    future = data(await admin(client, REFRESH, {"asOf": "2999-01-01T00:00:00Z"}))["refreshInsights"]
    assert future["userErrors"] == [
        {"field": ["input", "asOf"], "message": "asOf cannot be in the future", "code": "INVALID"}
    ]
    from app.jobs.registry import registry

    monkeypatch.delitem(registry, "insights_refresh")
    missing = data(await admin(client, REFRESH))["refreshInsights"]
    assert not missing["queued"] and [e["code"] for e in missing["userErrors"]] == ["UNAVAILABLE"]
    assert not await Job.exists() and await Profile.exists()
