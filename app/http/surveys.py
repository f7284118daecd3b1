"""The survey page a survey email links to: ``/feedback/survey/{token}``, no login needed.

The token is the survey's signed link (``feedback.links``): a forged, altered or cut token, or
one naming a survey that was never sent, gets 400 and writes nothing. A GET shows the question
as a plain, accessible HTML form (the score from the email's link chosen; nothing answered, since
mail scanners open every link); the POST of that form answers, once: a survey answered already
gets 409, an expired one 410, and neither changes anything. The token travels in the URL, so
pages say ``no-referrer`` and are never cached.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from app.http.bodies import BodyTooLarge, read_capped
from app.http.email import HEADERS, language
from app.settings import Settings
from feedback.errors import AlreadyAnswered, FeedbackError, InvalidFeedback, SurveyExpired
from feedback.links import SurveyLinks
from feedback.models import Survey, SurveyKind
from feedback.settings import load_feedback_config
from feedback.surveys import COMMENT_MAX, answer_survey, open_survey, scale_of
from store.link_signing import link_key
from store.models import Store

MAX_BODY_BYTES = 16 * 1024
"""A comment of 2,000 characters, each up to 4 bytes and percent-encoded, fits with room to spare."""
WORDS = {
    "en": {
        "title": "Your opinion",
        "nps": "How likely are you to recommend {store} to a friend or colleague?",
        "csat": "How satisfied are you with your order from {store}?",
        "nps_low": "0 = not at all likely",
        "nps_high": "10 = extremely likely",
        "csat_low": "1 = very dissatisfied",
        "csat_high": "5 = very satisfied",
        "comment": "Anything you would like to add? (optional, up to {max} characters)",
        "send": "Send my answer",
        "points": "Answering earns you {points} points, whatever your score.",
        "thanks": "Thank you: your answer is recorded.",
        "earned": "{points} points were added to your account.",
        "answered": "This survey was answered already. Thank you!",
        "expired": "This survey is closed: it could be answered until its expiry date.",
        "bad": "This survey link is not valid. Use the link from the email you received, unchanged.",
        "problem": "Please check your answer:",
    },
    "fr": {
        "title": "Votre avis",
        "nps": "Quelle est la probabilité que vous recommandiez {store} à un proche ou un collègue ?",
        "csat": "Êtes-vous satisfait de votre commande chez {store} ?",
        "nps_low": "0 = pas du tout probable",
        "nps_high": "10 = très probable",
        "csat_low": "1 = très insatisfait",
        "csat_high": "5 = très satisfait",
        "comment": "Souhaitez-vous ajouter quelque chose ? (facultatif, {max} caractères au plus)",
        "send": "Envoyer ma réponse",
        "points": "Répondre vous rapporte {points} points, quelle que soit votre note.",
        "thanks": "Merci : votre réponse est enregistrée.",
        "earned": "{points} points ont été ajoutés à votre compte.",
        "answered": "Ce questionnaire a déjà reçu une réponse. Merci !",
        "expired": "Ce questionnaire est clos : il pouvait être rempli jusqu’à sa date d’expiration.",
        "bad": "Ce lien de questionnaire n’est pas valide. Utilisez le lien de l’e-mail reçu, tel quel.",
        "problem": "Merci de vérifier votre réponse :",
    },
}
STYLE = (
    "body{font-family:Helvetica,Arial,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328;"
    "line-height:1.5}fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:bold;margin-bottom:.5rem}"
    ".scale{display:flex;flex-wrap:wrap;gap:.25rem}.scale label{display:inline-flex;flex-direction:column;"
    "align-items:center;border:1px solid #8c959f;border-radius:4px;padding:.4rem .6rem;min-width:1.6rem;"
    "cursor:pointer}.scale input:focus-visible+span{outline:3px solid #0969da;outline-offset:2px}"
    "textarea{width:100%;box-sizing:border-box;font:inherit}button{font-size:1rem;padding:.6rem 1.2rem;"
    "margin-top:1rem}.hint{color:#57606a;font-size:.9rem}[role=alert]{color:#a40e26}"
)


def page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    title = WORDS[lang]["title"]
    text = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def notice(lang: str, key: str, status: int) -> HTMLResponse:
    return page(lang, f"<h1>{WORDS[lang]['title']}</h1><p>{WORDS[lang][key]}</p>", status)


def form(
    lang: str,
    survey: Survey,
    store: str,
    action: str,
    *,
    chosen: int | None,
    comment: str = "",
    problem: str | None = None,
    points: int = 0,
) -> str:
    words = WORDS[lang]
    kind = SurveyKind(survey.kind).value
    low, high = scale_of(survey.kind)
    question = words[kind].format(store=html.escape(store))
    choices = "".join(
        f'<label for="score-{n}"><input type="radio" id="score-{n}" name="score" value="{n}" required'
        f"{' checked' if n == chosen else ''}><span>{n}</span></label>"
        for n in range(low, high + 1)
    )
    alert = f'<div role="alert"><p>{words["problem"]} {html.escape(problem)}</p></div>' if problem is not None else ""
    reward = f"<p>{words['points'].format(points=points)}</p>" if points > 0 else ""
    return (
        f"<h1>{words['title']}</h1>{alert}{reward}"
        f'<form method="post" action="{html.escape(action, quote=True)}">'
        f'<fieldset><legend id="question">{question}</legend>'
        f'<div class="scale" role="radiogroup" aria-labelledby="question" aria-describedby="scale-hint">{choices}</div>'
        f'<p class="hint" id="scale-hint">{words[kind + "_low"]} · {words[kind + "_high"]}</p></fieldset>'
        f'<label for="comment">{words["comment"].format(max=f"{COMMENT_MAX:,}")}</label>'
        f'<textarea id="comment" name="comment" rows="5" maxlength="{COMMENT_MAX}">{html.escape(comment)}</textarea>'
        f'<button type="submit">{words["send"]}</button></form>'
    )


def score_of(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() and len(text) <= 2 else None


class SurveyPages:
    """The handlers, holding the link keys (the current secret's first, then the fallbacks')."""

    def __init__(self, settings: Settings) -> None:
        secrets = [settings.secret_key, *settings.secret_key_fallbacks]
        self.links = SurveyLinks([link_key(s.get_secret_value()) for s in secrets])

    async def survey(self, request: Request) -> Response:
        lang = language(request)
        token = request.path_params["token"]
        now = datetime.now(UTC)
        try:
            survey_id = self.links.verify(token)
            survey = await open_survey(survey_id, now)
        except AlreadyAnswered:
            return notice(lang, "answered", 409)
        except SurveyExpired:
            return notice(lang, "expired", 410)
        except FeedbackError:  # a bad link, or a survey never sent (scheduled, cancelled): the same refusal
            return notice(lang, "bad", 400)
        store = await Store.get(id=survey.store_id)
        store_name = store.name or store.domain
        points = (await load_feedback_config(survey.merchant_id)).survey_points
        action = f"/feedback/survey/{token}"
        if request.method == "GET":
            chosen = score_of(request.query_params.get("score"))
            return page(lang, form(lang, survey, store_name, action, chosen=chosen, points=points))
        return await self.answer(request, lang, survey, store_name, action, points, now)

    async def answer(
        self, request: Request, lang: str, survey: Survey, store: str, action: str, points: int, now: datetime
    ) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return page(lang, f"<h1>{WORDS[lang]['title']}</h1><p>{WORDS[lang]['bad']}</p>", 415)
        try:
            body = await read_capped(request, MAX_BODY_BYTES)
        except BodyTooLarge as exc:
            return exc.response()
        try:
            fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)
        except ValueError:
            return notice(lang, "bad", 400)
        raw_score = (fields.get("score") or [""])[0]
        comment = (fields.get("comment") or [""])[0]
        score: int | None = score_of(raw_score)
        try:
            answered = await answer_survey(survey.id, score if score is not None else raw_score, comment, now)
        except InvalidFeedback as exc:
            body_html = form(
                lang,
                survey,
                store,
                action,
                chosen=score,
                comment=comment[: COMMENT_MAX * 2],
                problem=str(exc),
                points=points,
            )
            return page(lang, body_html, 422)
        except AlreadyAnswered:
            return notice(lang, "answered", 409)
        except SurveyExpired:
            return notice(lang, "expired", 410)
        except FeedbackError:
            return notice(lang, "bad", 400)
        words = WORDS[lang]
        earned = f"<p>{words['earned'].format(points=answered.points)}</p>" if answered.points else ""
        return page(lang, f'<h1>{words["title"]}</h1><p role="status">{words["thanks"]}</p>{earned}')


def routes(settings: Settings) -> list[BaseRoute]:
    pages = SurveyPages(settings)
    return [Route("/feedback/survey/{token}", pages.survey, methods=["GET", "POST"])]
