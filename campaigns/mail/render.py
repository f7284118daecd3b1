"""An email as the shopper will read it: subject, HTML and text, in their locale, with the
merchant's name and colours, from the built-in message of its kind or the campaign's own text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from liquid.exceptions import LiquidError

from campaigns.errors import InvalidCampaign
from campaigns.mail import formatting
from campaigns.mail.liquid import BODY_MAX, SUBJECT_MAX, layout, parsed
from campaigns.mail.strings import LABELS
from campaigns.models import Campaign, CampaignKind, Message, MessageKind
from campaigns.settings import LOCALES, MailConfig
from store.models import Merchant

TEMPLATES = resources.files("campaigns.mail") / "templates"
SEPARATOR = "\n---\n"
TRANSACTIONAL_TEMPLATES = ("reward_issued", "complaint_reply", "survey")
"""Templates beyond the campaign kinds: mail about something the shopper just did."""
WHY = {"complaint_reply": "why_reply"}
"""The footer of transactional mail that is not about the rewards account: why the shopper gets it."""
SAMPLE: dict[str, Any] = {
    "first_name": "Alex",
    "balance": 1250,
    "tier": "Gold",
    "code": "SAMPLE-CODE",
    "code_kind": "percentage",
    "code_value": "15",
    "currency": "USD",
    "code_expires_at": "2027-01-31T00:00:00+00:00",
    "minimum_subtotal": "50",
    "points_granted": 200,
    "expiring_points": 300,
    "expiring_at": "2027-01-31T00:00:00+00:00",
    "tier_drop_at": "2027-01-31T00:00:00+00:00",
    "store_name": "Sample store",
    "store_url": "https://shop.example",
}
"""What a preview (and the check of a merchant's text) fills in for a shopper."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def built_in(template: str, locale: str) -> tuple[str, str]:
    """The subject and message sources of a kind's built-in email."""
    name = template if template in {*CampaignKind, *TRANSACTIONAL_TEMPLATES} else CampaignKind.CUSTOM.value
    source = (TEMPLATES / (locale if locale in LOCALES else "en") / f"{name}.liquid").read_text(encoding="utf-8")
    subject, _, body = source.partition(SEPARATOR)
    return subject.strip(), body


def variables(data: dict[str, Any], merchant_name: str, locale: str) -> dict[str, Any]:
    """What templates can show: the message's data, formatted for the locale (see the README);
    a missing value is nil, since an empty string is true in Liquid."""
    currency = data.get("currency")
    labels = LABELS[locale]
    balance = formatting.points(data.get("balance"), locale)
    store_url = str(data.get("store_url") or "")
    values = {
        "merchant_name": merchant_name,
        "first_name": str(data.get("first_name") or ""),
        "store_name": str(data.get("store_name") or merchant_name),
        "store_url": store_url if store_url.startswith(("https://", "http://")) else "",
        "balance": f"{balance} {labels['points']}" if balance else "",
        "tier": str(data.get("tier") or ""),
        "code": str(data.get("code") or ""),
        "code_value": formatting.code_value(data.get("code_kind"), data.get("code_value"), currency, locale),
        "code_expires": formatting.day(data.get("code_expires_at"), locale),
        "minimum": formatting.money(data.get("minimum_subtotal"), currency, locale),
        "points_granted": formatting.points(data.get("points_granted"), locale),
        "expiring_points": formatting.points(data.get("expiring_points"), locale),
        "expiring_date": formatting.day(data.get("expiring_at"), locale),
        "tier_drop_date": formatting.day(data.get("tier_drop_at"), locale),
        "reference": str(data.get("reference") or ""),
        "complaint_subject": str(data.get("complaint_subject") or ""),
        "reply": str(data.get("reply") or ""),
        "survey_url": _link(data.get("survey_url")),
        "survey_scores": survey_scores(data.get("survey_scores")),
        "survey_kind": str(data.get("survey_kind") or ""),
    }
    return {name: value or None for name, value in values.items()}


def _link(value: Any) -> str:
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else ""


def survey_scores(value: Any) -> list[dict[str, Any]]:
    """A survey email's one-click score links (``[{score, url}]``), as ``campaigns.survey_mail`` wrote them."""
    if not isinstance(value, list):
        return []
    links = [
        {"score": item["score"], "url": _link(item.get("url"))}
        for item in value[:11]
        if isinstance(item, dict) and isinstance(item.get("score"), int)
    ]
    return [link for link in links if link["url"]]


def one_line(text: str) -> str:
    """A subject is one line (a header): no line breaks, whitespace collapsed, bounded."""
    return re.sub(r"\s+", " ", text).strip()[:SUBJECT_MAX]


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_template(text: str, *, path: tuple[str, ...] = ("body",), limit: int = BODY_MAX) -> None:
    """Refuse a merchant's Liquid that cannot render (syntax, unknown filter, file access,
    runaway loops) or is too long, with the path of the field at fault; called before saving."""
    if len(text) > limit:
        raise InvalidCampaign(f"{path[-1]} is at most {limit} characters", path)
    try:
        parsed(text).render(**variables(SAMPLE, "Sample shop", "en"))
    except LiquidError as exc:
        reason = str(exc.message) if exc.message else type(exc).__name__
        raise InvalidCampaign(f"{path[-1]} is not valid Liquid: {reason}", path) from None


def compose(
    *,
    template: str,
    locale: str,
    data: dict[str, Any],
    merchant_name: str,
    config: MailConfig,
    subject_source: str,
    body_source: str,
    marketing: bool,
    unsubscribe_url: str,
    open_url: str | None,
) -> Rendered:
    locale = locale if locale in LOCALES else config.locale
    own_subject, own_body = built_in(template, locale)
    values = variables(data, merchant_name, locale)
    subject = one_line(parsed(subject_source or own_subject).render(**values))
    lines = paragraphs(parsed(body_source or own_body).render(**values))
    context = {
        **values,
        "locale": locale,
        "subject": subject,
        "t": LABELS[locale],
        "brand_colour": config.brand_colour,
        "accent_colour": config.accent_colour,
        "marketing": marketing,
        "why_transactional": LABELS[locale][WHY.get(template, "why_transactional")],
        "unsubscribe_url": unsubscribe_url,
        "open_url": open_url or "",
    }
    html = layout(True).render(**context, paragraphs=lines)
    text = layout(False).render(**context, paragraphs=lines)
    return Rendered(subject, html, text)


def sender_of(merchant: Merchant, config: MailConfig) -> str:
    return config.sender_name or merchant.name


def render(
    message: Message,
    merchant: Merchant,
    config: MailConfig,
    *,
    campaign: Campaign | None,
    unsubscribe_url: str,
    open_url: str | None,
) -> Rendered:
    """The email of one message row, with the campaign's own subject and text when it has them."""
    return compose(
        template=message.template,
        locale=message.locale,
        data=message.data or {},
        merchant_name=sender_of(merchant, config),
        config=config,
        subject_source=campaign.subject if campaign else "",
        body_source=campaign.body if campaign else "",
        marketing=message.kind == MessageKind.MARKETING,
        unsubscribe_url=unsubscribe_url,
        open_url=open_url,
    )


def preview(
    campaign: Campaign, config: MailConfig, merchant: Merchant, data: dict[str, Any] | None, locale: str
) -> Rendered:
    """The campaign's email for a sample shopper (``data`` over ``SAMPLE``), as the dashboard shows it."""
    from campaigns.builtin import MESSAGE_KIND

    return compose(
        template=campaign.kind.value,
        locale=locale,
        data={**SAMPLE, **(data or {})},
        merchant_name=sender_of(merchant, config),
        config=config,
        subject_source=campaign.subject,
        body_source=campaign.body,
        marketing=MESSAGE_KIND.get(campaign.kind, MessageKind.MARKETING) == MessageKind.MARKETING,
        unsubscribe_url="#unsubscribe",
        open_url=None,
    )
