"""Surveys over GraphQL: the signed-in shopper sees their own pending survey and answers it once
(points whatever the score); anonymous callers, other shoppers, bad scores and oversized
comments are refused with nothing stored; the merchant lists surveys with their answers and
changes the settings, with refusals at the input field; another merchant sees none of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.auth import api_keys
from app.auth.shopper_tokens import ShopperTokens
from campaigns.survey_mail import send_due_surveys
from feedback.models import Survey, SurveyStatus
from feedback.surveys import schedule_surveys
from loyalty.models import Entry
from schema.core.ids import to_gid
from store.models import Customer, Merchant, Order, Store
from tests.app.serving import caller, serving
from tests.feedback.survey_world import BASE, KEYS, account, days, order, shop
from tests.store.test_upsert import counted_statements
from tests.support.servers import SECRET

pytestmark = pytest.mark.db

PENDING = """{ me { feedback { pendingSurvey {
  id kind question scaleMin scaleMax orderName storeName expiresAt points } } } }"""
ANSWER = """mutation($input: SurveyAnswerInput!) { surveyAnswer(input: $input) {
  survey { id kind score comment answeredAt } pointsAwarded userErrors { field message code } } }"""
SURVEYS = """query($answered: Boolean, $profileId: ID, $kind: SurveyKind) {
  surveys(first: 10, answered: $answered, profileId: $profileId, kind: $kind) {
    nodes { id kind status channel pointsPaid answer { score comment kind } profile { id } order { id name } }
    pageInfo { hasNextPage } } }"""
SETTINGS_FIELDS = """surveysEnabled surveyKind surveyDelayDays surveyIntervalDays surveyValidDays surveyPoints
  responseTargetMinutes resolutionTargetHours"""
UPDATE = (
    "mutation($input: FeedbackSettingsInput!) { feedbackSettingsUpdate(input: $input) { settings { "
    + SETTINGS_FIELDS
    + " } userErrors { field message code } } }"
)


async def world(points: int = 20) -> tuple[Store, Customer, Customer]:
    """Two shoppers of one store, each with a survey sent just now."""
    now = datetime.now(UTC)
    store = await shop(survey_points=points)
    camille, dana = await account(store, first_name="Camille"), await account(store, first_name="Dana")
    for who in (camille, dana):
        await order(store, who, now - days(3))
    await schedule_surveys(store.merchant_id, now)
    await send_due_surveys(now=now, base_url=BASE, keys=KEYS)
    return store, camille, dana


def shopper_headers(store: Store, customer: Customer | None) -> dict[str, str]:
    headers = {"X-Rapport-Store-Key": store.public_key}
    if customer is not None:
        headers["X-Rapport-Shopper-Token"] = ShopperTokens(SECRET).mint(store.id, customer.id)[0]
    return headers


async def gql(client: httpx.AsyncClient, path: str, query: str, headers: dict[str, str], **variables: Any) -> dict:
    response = await client.post(path, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def answer(client, store, customer, survey_id, score, comment=None) -> dict:
    variables = {"input": {"surveyId": survey_id, "score": score, "comment": comment}}
    return await gql(client, "/graphql/storefront", ANSWER, shopper_headers(store, customer), **variables)


async def test_a_shopper_sees_their_pending_survey_and_answers_it_once(database_url, db):
    store, camille, _ = await world(points=20)
    mine = await Survey.get(customer_id=camille.id)
    async with serving(database_url) as app, caller(app) as client:
        shown = await gql(client, "/graphql/storefront", PENDING, shopper_headers(store, camille))
        pending = shown["data"]["me"]["feedback"]["pendingSurvey"]
        placed = await Order.get(id=mine.order_id)
        assert pending == {
            "id": to_gid("Survey", mine.id),
            "kind": "NPS",
            "question": "How likely are you to recommend Maison Lune to a friend or colleague?",
            "scaleMin": 0,
            "scaleMax": 10,
            "orderName": placed.name,
            "storeName": "Maison Lune",
            "expiresAt": pending["expiresAt"],
            "points": 20,
        }
        done = (await answer(client, store, camille, pending["id"], 3, "Slow delivery"))["data"]["surveyAnswer"]
        assert done["userErrors"] == [] and done["pointsAwarded"] == 20
        assert done["survey"]["score"] == 3 and done["survey"]["comment"] == "Slow delivery"
        again = (await answer(client, store, camille, pending["id"], 10))["data"]["surveyAnswer"]
        assert again["survey"] is None and again["pointsAwarded"] == 0
        assert again["userErrors"] == [
            {"field": ["input", "surveyId"], "message": again["userErrors"][0]["message"], "code": "ALREADY_ANSWERED"}
        ]
        after = await gql(client, "/graphql/storefront", PENDING, shopper_headers(store, camille))
        assert after["data"]["me"]["feedback"]["pendingSurvey"] is None
    kept = await Survey.get(id=mine.id)
    assert (kept.status, kept.score, kept.points_paid) == (SurveyStatus.ANSWERED, 3, 20)
    assert await Entry.filter(cause="survey").count() == 1


async def test_hostile_storefront_answers_are_refused_and_store_nothing(database_url, db):
    store, camille, dana = await world()
    theirs = to_gid("Survey", (await Survey.get(customer_id=dana.id)).id)
    mine = to_gid("Survey", (await Survey.get(customer_id=camille.id)).id)
    async with serving(database_url) as app, caller(app) as client:
        anonymous = await answer(client, store, None, mine, 9)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await gql(client, "/graphql/storefront", PENDING, shopper_headers(store, None)))["data"]["me"] is None
        foreign = (await answer(client, store, camille, theirs, 9))["data"]["surveyAnswer"]
        assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
        not_a_survey = (await answer(client, store, camille, to_gid("Order", 1), 9))["data"]["surveyAnswer"]
        assert [e["code"] for e in not_a_survey["userErrors"]] == ["NOT_FOUND"]
        for score in (-1, 11):
            bad = (await answer(client, store, camille, mine, score))["data"]["surveyAnswer"]
            assert bad["userErrors"][0]["code"] == "INVALID" and bad["userErrors"][0]["field"] == ["input", "score"]
        long = (await answer(client, store, camille, mine, 8, "x" * 2001))["data"]["surveyAnswer"]
        assert long["userErrors"][0]["code"] == "INVALID" and long["userErrors"][0]["field"] == ["input", "comment"]
        other_store = await Store.create(
            merchant=await Merchant.create(name="Other"),
            platform="shopify",
            domain="o.myshopify.com",
            name="O",
            public_key="pk_other_store_key_123456",
            install_state="installed",
        )
        stranger = await account(other_store)
        elsewhere = (await answer(client, other_store, stranger, mine, 9))["data"]["surveyAnswer"]
        assert [e["code"] for e in elsewhere["userErrors"]] == ["NOT_FOUND"]
    assert await Survey.filter(status=SurveyStatus.ANSWERED).count() == 0 and not await Entry.filter(cause="survey")


async def test_the_merchant_lists_surveys_and_answers_and_another_merchant_sees_none(database_url, db):
    store, camille, dana = await world()
    camille_survey = await Survey.get(customer_id=camille.id)
    owner = await api_keys.issue(store.merchant_id, "dashboard")
    stranger = await api_keys.issue((await Merchant.create(name="Stranger")).id, "theirs")
    mine = {"Authorization": f"Bearer {owner.secret}"}
    async with serving(database_url) as app, caller(app) as client:
        await answer(client, store, camille, to_gid("Survey", camille_survey.id), 10, "Lovely")
        everything = (await gql(client, "/graphql/admin", SURVEYS, mine))["data"]["surveys"]["nodes"]
        assert len(everything) == 2 and {n["status"] for n in everything} == {"ANSWERED", "SENT"}
        answered = (await gql(client, "/graphql/admin", SURVEYS, mine, answered=True))["data"]["surveys"]["nodes"]
        assert [n["answer"] for n in answered] == [{"score": 10, "comment": "Lovely", "kind": "NPS"}]
        assert answered[0]["profile"]["id"] == to_gid("Profile", camille.profile_id)
        assert answered[0]["order"]["id"] == to_gid("Order", camille_survey.order_id)
        open_ = (await gql(client, "/graphql/admin", SURVEYS, mine, answered=False))["data"]["surveys"]["nodes"]
        assert [n["answer"] for n in open_] == [None]
        by_person = await gql(client, "/graphql/admin", SURVEYS, mine, profileId=to_gid("Profile", dana.profile_id))
        assert [n["id"] for n in by_person["data"]["surveys"]["nodes"]] == [open_[0]["id"]]
        nobody = await gql(client, "/graphql/admin", SURVEYS, mine, profileId=to_gid("Profile", 999_999))
        assert nobody["data"]["surveys"]["nodes"] == []
        csat = await gql(client, "/graphql/admin", SURVEYS, mine, kind="CSAT")
        assert csat["data"]["surveys"]["nodes"] == []
        theirs = await gql(client, "/graphql/admin", SURVEYS, {"Authorization": f"Bearer {stranger.secret}"})
        assert theirs["data"]["surveys"]["nodes"] == []
        node = "query($id: ID!) { node(id: $id) { id } }"
        survey_id = to_gid("Survey", camille_survey.id)
        assert (await gql(client, "/graphql/admin", node, mine, id=survey_id))["data"]["node"] == {"id": survey_id}
        foreign = await gql(
            client, "/graphql/admin", node, {"Authorization": f"Bearer {stranger.secret}"}, id=survey_id
        )
        assert foreign["data"]["node"] is None


async def test_the_merchant_changes_feedback_settings_and_bad_values_are_refused_at_their_field(database_url, db):
    store = await shop()
    owner = await api_keys.issue(store.merchant_id, "dashboard")
    auth = {"Authorization": f"Bearer {owner.secret}"}
    async with serving(database_url) as app, caller(app) as client:
        read = await gql(client, "/graphql/admin", "{ feedbackSettings { " + SETTINGS_FIELDS + " } }", auth)
        assert read["data"]["feedbackSettings"]["surveyKind"] == "NPS"
        assert read["data"]["feedbackSettings"]["surveyDelayDays"] == 3
        changed = await gql(client, "/graphql/admin", UPDATE, auth, input={"surveyKind": "CSAT", "surveyPoints": 50})
        payload = changed["data"]["feedbackSettingsUpdate"]
        assert payload["userErrors"] == [] and payload["settings"]["surveyKind"] == "CSAT"
        assert payload["settings"]["surveyPoints"] == 50 and payload["settings"]["surveyDelayDays"] == 3
        refused = await gql(client, "/graphql/admin", UPDATE, auth, input={"surveyDelayDays": 400})
        errors = refused["data"]["feedbackSettingsUpdate"]["userErrors"]
        assert refused["data"]["feedbackSettingsUpdate"]["settings"] is None
        assert errors[0]["field"] == ["input", "surveyDelayDays"] and errors[0]["code"] == "INVALID"
        assert "surveyDelayDays" in errors[0]["message"]
        again = await gql(client, "/graphql/admin", "{ feedbackSettings { surveyKind surveyDelayDays } }", auth)
        assert again["data"]["feedbackSettings"] == {"surveyKind": "CSAT", "surveyDelayDays": 3}
        anonymous = await client.post("/graphql/admin", json={"query": "{ feedbackSettings { surveyKind } }"})
        assert anonymous.status_code in (200, 401) and "errors" in anonymous.json()


async def test_a_page_of_surveys_with_their_people_and_orders_costs_the_same_statements_for_3_or_12(database_url, db):
    now = datetime.now(UTC)
    store = await shop()
    for _ in range(12):
        await order(store, await account(store), now - days(3))
    await schedule_surveys(store.merchant_id, now)
    owner = await api_keys.issue(store.merchant_id, "dashboard")
    auth = {"Authorization": f"Bearer {owner.secret}"}
    page = "query($n: Int!) { surveys(first: $n) { nodes { id profile { id } order { id name } answer { score } } } }"
    async with serving(database_url) as app, caller(app) as client:
        await gql(client, "/graphql/admin", "{ feedbackSettings { surveyKind } }", auth)
        with counted_statements() as three:
            small = await gql(client, "/graphql/admin", page, auth, n=3)
        with counted_statements() as twelve:
            large = await gql(client, "/graphql/admin", page, auth, n=12)
    assert len(small["data"]["surveys"]["nodes"]) == 3 and len(large["data"]["surveys"]["nodes"]) == 12
    assert all(n["order"]["name"] for n in large["data"]["surveys"]["nodes"])
    assert 0 < len(twelve) == len(three) <= 8, twelve
