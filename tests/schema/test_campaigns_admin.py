"""Campaigns over the admin API: created from a built-in kind, changed, previewed with the email as it
will be sent, launched onto the job queue (never sent in the request), paused, listed with results;
and refused, field by field, for another merchant's ids, a storefront key, audience bombs and
Liquid that cannot render."""

from __future__ import annotations

import json

import httpx
import pytest

from app.auth.api_keys import issue
from app.jobs.local_queue import LocalQueue
from app.web import create_app
from campaigns.models import Campaign, CampaignEntry, Message
from store.models import Job
from tests.schema.conftest import admin, data, error_code, make_settings, session_token, storefront

pytestmark = pytest.mark.db

PAYLOAD = (
    "campaign { id name kind status audience holdoutPercent subject actions { points code { kind value validDays } } }"
)
CREATE = f"""mutation($input: CampaignCreateInput!) {{ campaignCreate(input: $input) {{
  {PAYLOAD} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($input: CampaignUpdateInput!) {{ campaignUpdate(input: $input) {{
  {PAYLOAD} userErrors {{ field message code }} }} }}"""
LAUNCH = """mutation($input: CampaignIdInput!) { campaignLaunch(input: $input) {
  campaign { id status launchedAt } userErrors { field message code } } }"""
PAUSE = """mutation($input: CampaignIdInput!) { campaignPause(input: $input) {
  campaign { id status } userErrors { field message code } } }"""
PREVIEW = """mutation($input: CampaignIdInput!) { campaignPreview(input: $input) {
  preview { audienceSize treated holdout costBasis estimatedCost { amount currencyCode }
    sample { group profile { id displayName } member { id } }
    email { subject html text toEmail locale marketing } }
  userErrors { field message code } } }"""
ONE = """query($id: ID!) { campaign(id: $id) { id name status entered sent
  results { summary finding treated { members recipients delivered } holdout { members }
    definitions { figure label definition } } } }"""
LIST = """{ campaigns(first: 10) { nodes { id name status } }
  campaignTemplates { kind name messageKind audience actions { points code { kind value } } }
  mailSettings { senderName brandColour locale quietStartHour frequencyCap } }"""


async def _create(client: httpx.AsyncClient, **given) -> dict:
    payload = data(await admin(client, CREATE, {"input": {"kind": "WIN_BACK", "name": "Win back", **given}}))
    return payload["campaignCreate"]


@pytest.fixture
async def with_jobs(db, database_url):
    """The app with the campaign jobs registered, as a worker that runs them would have."""
    settings = make_settings(database_url, job_modules=["app.jobs.campaigns"])
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield c, settings


async def test_a_campaign_starts_from_its_kind_and_changes_field_by_field(client, world):
    created = await _create(client, holdoutPercent=20)
    assert created["userErrors"] == []
    campaign = created["campaign"]
    assert campaign["kind"] == "WIN_BACK" and campaign["status"] == "DRAFT" and campaign["holdoutPercent"] == 20
    assert {"field": "days_since_last_order", "op": "gte", "value": 90} in campaign["audience"]["all"]
    assert campaign["actions"]["code"] == {"kind": "PERCENTAGE", "value": "15.00", "validDays": 30}
    audience = json.loads(json.dumps(campaign["audience"]).replace('"value": 90', '"value": 120'))
    updated = data(
        await admin(
            client, UPDATE, {"input": {"id": campaign["id"], "audience": audience, "subject": "Hi {{ first_name }}"}}
        )
    )["campaignUpdate"]
    assert updated["userErrors"] == [] and updated["campaign"]["subject"] == "Hi {{ first_name }}"
    assert {"field": "days_since_last_order", "op": "gte", "value": 120} in updated["campaign"]["audience"]["all"]
    listed = data(await admin(client, LIST))
    assert [c["name"] for c in listed["campaigns"]["nodes"]] == ["Win back"]
    kinds = {t["kind"]: t for t in listed["campaignTemplates"]}
    assert "CUSTOM" not in kinds and kinds["BIRTHDAY"]["actions"]["points"] > 0
    assert kinds["POINTS_EXPIRY"]["messageKind"] == "TRANSACTIONAL" and kinds["WIN_BACK"]["messageKind"] == "MARKETING"
    assert listed["mailSettings"]["locale"] == "en"
    node = data(
        await admin(client, "query($id: ID!) { node(id: $id) { id ... on Campaign { name } } }", {"id": campaign["id"]})
    )
    assert node["node"] == {"id": campaign["id"], "name": "Win back"}
    taken = await _create(client)
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [(["input", "name"], "NAME_TAKEN")]


async def test_the_preview_counts_the_audience_and_shows_the_email_with_the_merchants_name(client, world):
    campaign = (await _create(client))["campaign"]
    preview = data(await admin(client, PREVIEW, {"input": {"id": campaign["id"]}}))["campaignPreview"]
    assert preview["userErrors"] == []
    found = preview["preview"]
    assert found["audienceSize"] == found["treated"] + found["holdout"]
    assert len(found["sample"]) == min(10, found["audienceSize"])
    email = found["email"]
    assert world.merchant.name in email["html"] and world.merchant.name in email["text"]
    assert email["subject"] and email["marketing"] is True and email["locale"] == "en"
    assert not await CampaignEntry.exists() and not await Message.exists(), "a preview enters nobody and sends nothing"


async def test_launch_queues_the_run_on_the_job_runner_and_pause_stops_it(with_jobs, world):
    client, settings = with_jobs
    campaign = (await _create(client, actions={"points": 10, "event": False}))["campaign"]
    launched = data(await admin(client, LAUNCH, {"input": {"id": campaign["id"]}}))["campaignLaunch"]
    assert launched["userErrors"] == [] and launched["campaign"]["status"] == "ACTIVE"
    [job] = await Job.filter(function="campaigns_run")
    assert job.args == [world.merchant.id]
    assert not await CampaignEntry.exists() and not await Message.exists(), "nothing runs in the request"
    await LocalQueue(settings).work(burst=True)
    entered = await CampaignEntry.filter(campaign_id=(await Campaign.get(name="Win back")).id).count()
    one = data(await admin(client, ONE, {"id": campaign["id"]}))["campaign"]
    assert one["entered"] == entered > 0
    results = one["results"]
    assert results["treated"]["members"] + results["holdout"]["members"] == entered
    assert {d["figure"] for d in results["definitions"]} >= {"members", "delivered", "conversionUplift"}
    log = """query($id: ID) { messages(first: 250, campaignId: $id) { nodes { id toEmail status campaign { id } } } }"""
    messages = data(await admin(client, log, {"id": campaign["id"]}))["messages"]["nodes"]
    assert len(messages) == await Message.filter(campaign_id=int(campaign["id"].rsplit("/", 1)[1])).count() > 0
    assert {m["campaign"]["id"] for m in messages} == {campaign["id"]}
    other = (await issue(world.other_merchant.id, "other")).secret
    assert data(await admin(client, log, {"id": None}, token=other))["messages"]["nodes"] == []
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert data(await admin(client, node, {"id": messages[0]["id"]}, token=other))["node"] is None
    assert data(await admin(client, node, {"id": messages[0]["id"]}))["node"] == {"id": messages[0]["id"]}
    again = data(await admin(client, LAUNCH, {"input": {"id": campaign["id"]}}))["campaignLaunch"]
    assert [e["code"] for e in again["userErrors"]] == ["WRONG_STATUS"]
    paused = data(await admin(client, PAUSE, {"input": {"id": campaign["id"]}}))["campaignPause"]
    assert paused["campaign"]["status"] == "PAUSED"


async def test_another_merchants_campaign_is_neither_seen_nor_changed(client, world):
    campaign = (await _create(client))["campaign"]
    other = (await issue(world.other_merchant.id, "other")).secret
    assert data(await admin(client, ONE, {"id": campaign["id"]}, token=other))["campaign"] is None
    node = data(await admin(client, "query($id: ID!) { node(id: $id) { id } }", {"id": campaign["id"]}, token=other))
    assert node["node"] is None
    assert data(await admin(client, LIST, token=other))["campaigns"]["nodes"] == []
    for mutation, field in ((LAUNCH, "campaignLaunch"), (PAUSE, "campaignPause"), (PREVIEW, "campaignPreview")):
        payload = data(await admin(client, mutation, {"input": {"id": campaign["id"]}}, token=other))[field]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "id"], "NOT_FOUND")]
    changed = data(await admin(client, UPDATE, {"input": {"id": campaign["id"], "name": "Mine now"}}, token=other))
    assert [e["code"] for e in changed["campaignUpdate"]["userErrors"]] == ["NOT_FOUND"]
    assert (await Campaign.get(id=int(campaign["id"].rsplit("/", 1)[1]))).name == "Win back"
    assert (await Campaign.get(name="Win back")).status == "draft"


async def test_a_storefront_key_cannot_reach_campaigns(client, world):
    refused = await client.post(
        "/graphql/admin",
        json={"query": CREATE, "variables": {"input": {"kind": "WIN_BACK", "name": "x"}}},
        headers={"X-Rapport-Store-Key": world.shopify.public_key},
    )
    assert refused.status_code == 401 and error_code(refused) == "UNAUTHENTICATED"
    absent = await storefront(client, world.shopify, CREATE, {"input": {"kind": "WIN_BACK", "name": "x"}})
    assert "Campaign" in absent.json()["errors"][0]["message"]
    assert not await Campaign.exists()


def _nested(depth: int) -> dict:
    audience: dict = {"field": "orders", "op": "gte", "value": 1}
    for _ in range(depth):
        audience = {"all": [audience]}
    return audience


@pytest.mark.parametrize(
    ("audience", "path", "words"),
    [
        (_nested(6), ["input", "audience", "all", "0", "all", "0", "all", "0", "all", "0"], "nest at most"),
        (
            {"all": [{"field": "days_since_last_order", "op": "gte", "value": "ninety"}]},
            ["input", "audience", "all", "0", "value"],
            "numbers",
        ),
        (
            {"all": [{"field": "no_such_field", "op": "eq", "value": 1}]},
            ["input", "audience", "all", "0", "field"],
            "unknown field",
        ),
        (
            {"all": [{"field": "value_tier", "op": "in", "value": ["vip"] * 101}]},
            ["input", "audience", "all", "0", "value"],
            "1 to 100",
        ),
        ({"all": [{"field": "orders", "op": "gte", "value": 1}] * 21}, ["input", "audience"], "at most 20"),
        ({"all": [], "any": []}, ["input", "audience"], "all"),
        ([1, 2, 3], ["input", "audience"], "all"),
        ("all", ["input", "audience"], "all"),
    ],
)
async def test_an_audience_that_cannot_work_is_refused_at_its_field(client, world, audience, path, words):
    created = await _create(client, audience=audience)
    [error] = created["userErrors"]
    assert error["field"] == path and error["code"] == "INVALID" and words in error["message"], error
    assert not await Campaign.exists()


async def test_an_audience_bomb_is_refused_without_a_server_error(client, world):
    condition = '{"field": "orders", "op": "gte", "value": 1}'
    headers = {"Authorization": f"Bearer {session_token()}", "content-type": "application/json"}
    for depth in (5000, 900, 300):
        deep = '{"all": [' * depth + condition + "]}" * depth
        body = (
            '{"query": ' + json.dumps(CREATE) + ', "variables": {"input": {"kind": "CUSTOM", "name": "deep", '
            '"actions": {}, "audience": ' + deep + "}}}"
        )
        nested = await client.post("/graphql/admin", content=body, headers=headers)
        assert nested.status_code in (200, 400, 413) and "Internal server error" not in nested.text, nested.text[:500]
        assert nested.json().get("errors") or nested.json()["data"]["campaignCreate"]["userErrors"]
    wide = await admin(
        client,
        CREATE,
        {"input": {"kind": "CUSTOM", "name": "wide", "audience": {"any": [{"field": "orders"}] * 2_000}}},
    )
    assert wide.status_code in (200, 400) and error_code(wide) == "BAD_USER_INPUT"
    assert not await Campaign.exists()


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("subject", "{% include 'secrets.liquid' %}"),
        ("body", "{{ first_name | no_such_filter }}"),
        ("body", "{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}"),
        ("subject", "{% if %}"),
    ],
)
async def test_liquid_that_cannot_render_is_refused_at_its_field(client, world, field, text):
    created = await _create(client, **{field: text})
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [(["input", field], "INVALID")]
    assert not await Campaign.exists()


async def test_mail_settings_are_saved_or_refused_at_their_field(client, world):
    update = """mutation($input: MailSettingsInput!) { mailSettingsUpdate(input: $input) {
      settings { senderName brandColour quietStartHour } userErrors { field message code } } }"""
    saved = data(await admin(client, update, {"input": {"senderName": "Northwind Rewards", "brandColour": "#112233"}}))
    assert saved["mailSettingsUpdate"]["settings"] == {
        "senderName": "Northwind Rewards",
        "brandColour": "#112233",
        "quietStartHour": 21,
    }
    bad = data(await admin(client, update, {"input": {"brandColour": "red; background:url(x)"}}))["mailSettingsUpdate"]
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [(["input", "brandColour"], "INVALID")]
    assert bad["userErrors"][0]["message"].startswith("brandColour is a colour")
    header = data(await admin(client, update, {"input": {"senderName": "Evil\r\nBcc: all@example.com"}}))
    assert [e["code"] for e in header["mailSettingsUpdate"]["userErrors"]] == ["INVALID"]
