"""The demo's feedback: the sandbox's planted feedback goes into the feedback tables once (a
second run adds nothing), filed under the accounts, profiles and orders it is about, and the
demo's shopper gets one open NPS invitation for the widget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.demo.feedback import plant_pending_survey
from feedback.models import Complaint, ComplaintMessage, Review, Survey, SurveyStatus
from store.models import Customer, Order
from tests.schema.conftest import sandbox
from tests.schema.test_feedback_analytics import plant

pytestmark = pytest.mark.db


async def test_planted_feedback_is_loaded_once_under_the_right_accounts_and_orders(world):
    first = await plant(world)
    counts = [await t.all().count() for t in (Survey, Complaint, ComplaintMessage, Review)]
    assert counts == [first["surveys"], first["complaints"], first["messages"], first["reviews"]]
    assert await plant(world) == {"surveys": 0, "complaints": 0, "messages": 0, "reviews": 0}
    assert [await t.all().count() for t in (Survey, Complaint, ComplaintMessage, Review)] == counts

    stores = {world.shopify.id: "shopify", world.woo.id: "woocommerce"}
    planted = {(a.store, str(a.order_platform_id), a.kind): a for a in sandbox().feedback.surveys}
    for survey in await Survey.all():
        order = await Order.get(id=survey.order_id)
        account = await Customer.get(id=survey.customer_id)
        answer = planted[(stores[order.store_id], order.platform_id, survey.kind.value)]
        assert account.platform_id == str(answer.customer_platform_id) and order.customer_id == account.id
        assert survey.profile_id == account.profile_id and survey.score == answer.score
        assert survey.comment == answer.comment and survey.status == SurveyStatus.ANSWERED


async def test_the_demo_shopper_gets_one_open_nps_invitation(world):
    now = datetime(2026, 12, 7, tzinfo=UTC)
    shopper = await Customer.get(id=world.shopper.id)
    survey = await plant_pending_survey(shopper, now)
    assert survey is not None and survey.status == SurveyStatus.SENT and survey.expires_at > now
    assert survey.answered_at is None and survey.customer_id == shopper.id
    order = await Order.get(id=survey.order_id)
    assert order.customer_id == shopper.id
    assert await plant_pending_survey(shopper, now) is None, "one open invitation is enough"
