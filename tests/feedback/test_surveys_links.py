"""The survey link over HTTP: the email's score link opens an accessible form with that score
chosen and answers nothing; the form's POST answers once; forged, altered, another survey's,
reused and expired links are refused and store nothing; links survive a key rotation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from tortoise import Tortoise

from app.db import tortoise_config
from app.settings import Settings
from app.web import create_app
from campaigns.survey_mail import send_due_surveys
from feedback.links import SurveyLinks
from feedback.models import Survey, SurveyStatus
from feedback.surveys import schedule_surveys
from loyalty.models import Entry
from store.link_signing import link_key
from tests.app.serving import caller, serving
from tests.feedback.survey_world import BASE, KEYS, LINKS, account, days, order, shop
from tests.support.servers import SECRET

pytestmark = pytest.mark.db

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def sent_surveys(count: int = 1, points: int = 0) -> list[Survey]:
    """Surveys sent just now (the pages check expiry against the clock)."""
    now = datetime.now(UTC)
    store = await shop(survey_points=points)
    for _ in range(count):
        await order(store, await account(store), now - days(3))
    await schedule_surveys(store.merchant_id, now)
    await send_due_surveys(now=now, base_url=BASE, keys=KEYS)
    return list(await Survey.all().order_by("id"))


def path(token: str) -> str:
    return f"/feedback/survey/{token}"


async def test_the_score_link_opens_the_form_with_the_score_chosen_and_answers_nothing(database_url, db):
    (survey,) = await sent_surveys()
    async with serving(database_url) as app, caller(app) as client:
        opened = await client.get(path(LINKS.token(survey.id)), params={"score": "9"})
    assert opened.status_code == 200
    page = opened.text
    assert '<html lang="en">' in page and "<script" not in page and "http" not in page.split("<body>")[1]
    assert 'id="score-9" name="score" value="9" required checked' in page
    assert page.count(" checked") == 1 and page.count('type="radio"') == 11
    assert '<label for="comment">' in page and 'maxlength="2000"' in page and "<legend" in page
    assert opened.headers["referrer-policy"] == "no-referrer" and opened.headers["cache-control"] == "no-store"
    assert (await Survey.get(id=survey.id)).status == SurveyStatus.SENT
    async with serving(database_url) as app, caller(app) as client:
        french = await client.get(path(LINKS.token(survey.id)), headers={"accept-language": "fr-FR"})
    assert '<html lang="fr">' in french.text and "recommandiez" in french.text


async def test_the_form_answers_once_and_a_second_post_changes_nothing(database_url, db):
    (survey,) = await sent_surveys(points=15)
    link = path(LINKS.token(survey.id))
    async with serving(database_url) as app, caller(app) as client:
        done = await client.post(link, content="score=6&comment=Too+slow%21", headers=FORM)
        assert done.status_code == 200 and "answer is recorded" in done.text and "15 points" in done.text
        again = await client.post(link, content="score=10&comment=Great", headers=FORM)
        assert again.status_code == 409 and "answered already" in again.text
        reopened = await client.get(link)
        assert reopened.status_code == 409
    kept = await Survey.get(id=survey.id)
    assert (kept.status, kept.score, kept.comment, kept.points_paid) == (SurveyStatus.ANSWERED, 6, "Too slow!", 15)
    assert await Entry.filter(cause="survey").count() == 1


async def test_forged_altered_foreign_and_cut_links_are_refused_and_store_nothing(database_url, db):
    mine, theirs = await sent_surveys(2)
    good = LINKS.token(mine.id)
    number, mac = good.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    tokens = {
        "forged": f"{mine.id}.{'A' * len(mac)}",
        "altered": f"{number}.{flipped}",
        "other survey's id with this mac": f"{theirs.id}.{mac}",
        "cut": good[:-3],
        "no mac": number,
        "leading zero": f"0{good}",
        "other key": SurveyLinks([b"x" * 32]).token(mine.id),
        "oversized": good + "A" * 5000,
        "not a number": f"abc.{mac}",
    }
    async with serving(database_url) as app, caller(app) as client:
        for name, token in tokens.items():
            shown = await client.get(path(token), params={"score": "10"})
            posted = await client.post(path(token), content="score=10", headers=FORM)
            assert shown.status_code == 400 and posted.status_code == 400, name
            assert "not valid" in posted.text and "<form" not in posted.text, name
    assert await Survey.filter(status=SurveyStatus.ANSWERED).count() == 0


async def test_bad_answers_oversized_bodies_and_expired_surveys_are_refused(database_url, db):
    (survey,) = await sent_surveys()
    link = path(LINKS.token(survey.id))
    async with serving(database_url) as app, caller(app) as client:
        for body in ("score=11", "score=-1", "score=seven", "comment=no+score", "score=5&comment=" + "x" * 2001):
            refused = await client.post(link, content=body, headers=FORM)
            assert refused.status_code == 422 and 'role="alert"' in refused.text, body
        big = await client.post(link, content="score=5&comment=" + "x" * 20_000, headers=FORM)
        assert big.status_code == 413
        json = await client.post(link, json={"score": 5})
        assert json.status_code == 415
    assert (await Survey.get(id=survey.id)).status == SurveyStatus.SENT
    await Survey.filter(id=survey.id).update(expires_at=datetime.now(UTC) - days(1))
    async with serving(database_url) as app, caller(app) as client:
        late = await client.post(link, content="score=5", headers=FORM)
        assert late.status_code == 410 and "closed" in late.text
    assert (await Survey.get(id=survey.id)).score is None


async def test_a_link_mailed_before_a_key_rotation_still_answers(database_url, db):
    (survey,) = await sent_surveys()
    old = LINKS.token(survey.id)
    settings = Settings(database_url=database_url, secret_key="n" * 48, secret_key_fallbacks=[SecretStr(SECRET)])
    app = create_app(settings, run_jobs=False)
    try:
        async with app.router.lifespan_context(app), caller(app) as client:
            done = await client.post(path(old), content="score=8", headers=FORM)
    finally:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    assert done.status_code == 200
    assert (await Survey.get(id=survey.id)).score == 8
    assert SurveyLinks([link_key("n" * 48)]).token(survey.id) != old


async def test_survey_pages_are_rate_limited_per_client_address(database_url, db):
    (survey,) = await sent_surveys()
    link = path(LINKS.token(survey.id))
    async with serving(database_url, rate_limit_email_ip="2/minute") as app:
        async with caller(app) as client:
            assert [(await client.get(link)).status_code for _ in range(3)] == [200, 200, 429]
        async with caller(app, "198.51.100.9") as elsewhere:
            assert (await elsewhere.get(link)).status_code == 200
