"""The email as it reads: each kind in English and French with the merchant's look, a merchant's
own Liquid text checked before it is saved and rendered in a sandbox, and headers that cannot be
forged through it."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from campaigns.errors import InvalidCampaign
from campaigns.mail import check_template, message_id, preview, to_email_message
from campaigns.mail.render import compose
from campaigns.models import Campaign, CampaignKind
from campaigns.settings import LOCALES, MailConfig
from store.models import Merchant

CONFIG = MailConfig(brand_colour="#204060", accent_colour="#e0a010")
DATA = {
    "first_name": "Camille",
    "balance": 1250,
    "tier": "Gold",
    "code": "WB-7K2Q",
    "code_kind": "fixed_amount",
    "code_value": "10",
    "currency": "EUR",
    "code_expires_at": "2027-01-31T00:00:00+00:00",
    "points_granted": 200,
    "expiring_points": 300,
    "expiring_at": "2027-01-31",
    "tier_drop_at": "2027-01-31",
    "store_name": "Lune Paris",
    "store_url": "https://lune.example",
}
LONG_DATE = {"en": "January 31, 2027", "fr": "31 janvier 2027"}


def render(kind: str, locale: str, **overrides):
    return compose(
        template=kind,
        locale=locale,
        data={**DATA, **overrides.pop("data", {})},
        merchant_name="Maison Lune",
        config=CONFIG,
        subject_source=overrides.pop("subject", ""),
        body_source=overrides.pop("body", ""),
        marketing=overrides.pop("marketing", True),
        unsubscribe_url="https://rapport.example/email/unsubscribe?t=x",
        open_url=None,
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", [*CampaignKind, "reward_issued"])
def test_every_kind_reads_in_both_locales_with_the_merchant_look(kind: str, locale: str):
    mail = render(kind, locale)
    assert mail.subject and "\n" not in mail.subject
    for part in (mail.html, mail.text):
        assert "Maison Lune" in part and "WB-7K2Q" in part
    assert "#204060" in mail.html and "#e0a010" in mail.html and f'lang="{locale}"' in mail.html
    assert LONG_DATE[locale] in mail.text
    assert ("1,250 points" if locale == "en" else "1\u202f250 points") in mail.text
    assert "https://lune.example" in mail.html


def test_a_missing_value_leaves_no_dangling_word():
    mail = render("at_risk", "fr", data={"first_name": None, "tier": None, "code": None})
    assert "Bonjour, nous vous avons" in mail.text and "niveau" not in mail.text and "Votre code" not in mail.text


def test_shopper_data_is_escaped_in_html_and_a_subject_is_one_line():
    mail = render("win_back", "en", data={"first_name": '<img src=x onerror="alert(1)">'})
    assert "<img src=x" not in mail.html and "&lt;img src=x onerror=" in mail.html
    forged = render("custom", "en", subject="Hi\r\nBcc: everyone@example.com", body="<b>bold</b> {{ first_name }}")
    assert forged.subject == "Hi Bcc: everyone@example.com"
    assert "&lt;b&gt;bold&lt;/b&gt; Camille" in forged.html
    email = to_email_message(
        forged,
        mail_from="rewards@shop.example",
        sender_name="Maison Lune",
        to="camille@example.com",
        message_id=message_id(1, 2, "rewards@shop.example"),
        unsubscribe_url="https://rapport.example/email/unsubscribe?t=x",
        marketing=True,
    )
    parsed = message_from_bytes(bytes(email), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["Message-ID"] == "<rapport.1.2@shop.example>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{% include "secrets" %}', "unexpected tag 'include'"),
        ('{% render "layout.html" %}', "unexpected tag 'render'"),
        ("{{ first_name | no_such_filter }}", "unknown filter"),
        ("{% for i in (1..100000) %}x{% endfor %}", "loop iteration limit"),
        ("{% if first_name %}unclosed", "expected"),
        ("x" * 6000, "at most 5000 characters"),
    ],
)
def test_a_merchant_template_that_cannot_work_is_refused_with_its_path(text: str, reason: str):
    with pytest.raises(InvalidCampaign, match=reason) as refused:
        check_template(text, path=("input", "body"))
    assert refused.value.path == ("input", "body")


def test_a_merchant_text_may_use_the_documented_variables():
    check_template(
        "{{ first_name | default: 'friend' }}, {{ code_value }} until {{ code_expires }} at {{ store_name }}"
    )
    mail = render("custom", "en", body="{{ first_name | upcase }}: {{ code_value }} until {{ code_expires }}")
    assert "CAMILLE: €10.00 off until January 31, 2027" in mail.text


@pytest.mark.db
async def test_the_preview_shows_the_campaign_text_for_a_sample_shopper(db):
    merchant = await Merchant.create(name="Maison Lune")
    campaign = Campaign(
        merchant=merchant,
        name="Back",
        kind=CampaignKind.WIN_BACK,
        audience={},
        actions={},
        subject="Come back, {{ first_name }}",
    )
    shown = preview(campaign, MailConfig(sender_name="Lune"), merchant, {"first_name": "Zoé"}, "fr")
    assert shown.subject == "Come back, Zoé"
    assert "Lune" in shown.html and "SAMPLE-CODE" in shown.text and "Ne plus recevoir" in shown.text
    transactional = Campaign(merchant=merchant, name="Exp", kind=CampaignKind.POINTS_EXPIRY, audience={}, actions={})
    assert "unsubscribe" not in preview(transactional, MailConfig(), merchant, None, "en").text.lower()
