"""The words of the mail layout in each locale the templates speak (``campaigns.settings.LOCALES``)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "your_code": "Your code",
        "valid_until": "Valid until",
        "minimum": "On orders from",
        "balance": "Your balance:",
        "points": "points",
        "tier": "tier",
        "visit": "Visit",
        "unsubscribe": "Unsubscribe from these emails",
        "why_marketing": "You receive this email because you agreed to hear from",
        "why_transactional": "This message is about your rewards account at",
        "why_reply": "This message answers a request you made to",
        "off": "{value} off",
        "free_shipping": "free shipping",
        "survey_nps_scale": "0 = not at all likely, 10 = extremely likely. Pick a score, then send it from the page that opens.",
        "survey_csat_scale": "1 = very dissatisfied, 5 = very satisfied. Pick a score, then send it from the page that opens.",
        "survey_open": "Open the survey",
    },
    "fr": {
        "your_code": "Votre code",
        "valid_until": "Valable jusqu’au",
        "minimum": "Dès",
        "balance": "Votre solde :",
        "points": "points",
        "tier": "niveau",
        "visit": "Aller sur",
        "unsubscribe": "Ne plus recevoir ces e-mails",
        "why_marketing": "Vous recevez cet e-mail car vous avez accepté les communications de",
        "why_transactional": "Ce message concerne votre compte fidélité chez",
        "why_reply": "Ce message répond à une demande que vous avez faite à",
        "off": "{value} de réduction",
        "free_shipping": "livraison offerte",
        "survey_nps_scale": "0 = pas du tout probable, 10 = très probable. Choisissez une note, puis envoyez-la depuis la page qui s’ouvre.",
        "survey_csat_scale": "1 = très insatisfait, 5 = très satisfait. Choisissez une note, puis envoyez-la depuis la page qui s’ouvre.",
        "survey_open": "Ouvrir le questionnaire",
    },
}
