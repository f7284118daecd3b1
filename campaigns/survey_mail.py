"""Sending the surveys that are due: by email where the shopper allows marketing, in the widget always.

A survey email asks for an opinion the shopper did not request, so it follows the marketing
rules of ``campaigns.outbox``: only to an account that accepted marketing, never to a
suppressed address, within the frequency cap and outside quiet hours. When the rules say no,
the message is kept SKIPPED with its reason (the send log shows it) and the survey is still
SENT, on channel ``widget``: a signed-in shopper sees it in the widget. The email carries the
survey's signed link and one link per score, which opens the survey's page with that score
chosen (a GET never answers: mail scanners open every link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaigns.models import MessageKind, MessageStatus
from campaigns.outbox import MessageRequest, queue_messages
from feedback.links import SurveyLinks
from feedback.models import Survey
from feedback.settings import load_feedback_config
from feedback.surveys import cancel, due_surveys, expire_surveys, mark_sent, scale_of, why_not_send
from store.models import Customer, Store

TEMPLATE = "survey"
EMAIL = "email"
WIDGET = "widget"


@dataclass
class SurveySendReport:
    emailed: int = 0
    widget_only: int = 0
    cancelled: int = 0
    expired: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "emailed": self.emailed,
            "widget_only": self.widget_only,
            "cancelled": self.cancelled,
            "expired": self.expired,
        }


def survey_url(base_url: str, links: SurveyLinks, survey_id: int, score: int | None = None) -> str:
    url = f"{base_url.rstrip('/')}/feedback/survey/{links.token(survey_id)}"
    return url if score is None else f"{url}?score={score}"


def store_url(store: Store) -> str:
    domain = store.domain if store.domain.startswith(("http://", "https://")) else f"https://{store.domain}"
    return domain.rstrip("/")


async def send_due_surveys(
    *, now: datetime, base_url: str, keys: Sequence[bytes], merchant_id: int | None = None, limit: int = 500
) -> SurveySendReport:
    """Expire what lapsed, then send up to ``limit`` surveys due at ``now`` (see the module's docstring)."""
    report = SurveySendReport(expired=await expire_surveys(now, merchant_id=merchant_id))
    surveys = await due_surveys(now, merchant_id=merchant_id, limit=limit)
    reasons = await why_not_send(surveys, now)
    for survey in surveys:
        if survey.id in reasons and await cancel(survey.id, reasons[survey.id]):
            report.cancelled += 1
    surveys = [s for s in surveys if s.id not in reasons]
    if not surveys:
        return report
    links = SurveyLinks(keys)
    stores = {s.id: s for s in await Store.filter(id__in=sorted({s.store_id for s in surveys}))}
    names = dict(await Customer.filter(id__in=sorted({s.customer_id for s in surveys})).values_list("id", "first_name"))
    configs = {m: await load_feedback_config(m) for m in {s.merchant_id for s in surveys}}
    requests = [
        MessageRequest(
            merchant_id=survey.merchant_id,
            key=f"survey:{survey.id}",
            kind=MessageKind.MARKETING,
            template=TEMPLATE,
            profile_id=survey.profile_id,
            store_id=survey.store_id,
            data=_data(survey, stores[survey.store_id], names.get(survey.customer_id), links, base_url, configs),
        )
        for survey in surveys
    ]
    messages = await queue_messages(requests, now)
    for survey, message in zip(surveys, messages, strict=True):
        emailed = message.status != MessageStatus.SKIPPED
        if await mark_sent(survey.id, EMAIL if emailed else WIDGET, now, configs[survey.merchant_id].survey_valid_days):
            if emailed:
                report.emailed += 1
            else:
                report.widget_only += 1
    return report


def _data(
    survey: Survey,
    store: Store,
    first_name: str | None,
    links: SurveyLinks,
    base_url: str,
    configs: dict[int, Any],
) -> dict[str, Any]:
    low, high = scale_of(survey.kind)
    points = configs[survey.merchant_id].survey_points
    return {
        "first_name": first_name,
        "store_name": store.name or store.domain,
        "store_url": store_url(store),
        "survey_kind": survey.kind.value,
        "survey_id": survey.id,
        "survey_url": survey_url(base_url, links, survey.id),
        "survey_scores": [
            {"score": score, "url": survey_url(base_url, links, survey.id, score)} for score in range(low, high + 1)
        ],
        "points_granted": points or None,
    }
