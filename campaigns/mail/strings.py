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
        "off": "{value} off",
        "free_shipping": "free shipping",
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
        "off": "{value} de réduction",
        "free_shipping": "livraison offerte",
    },
}
