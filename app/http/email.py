"""The links in campaign email: unsubscribe (a page with a button, and RFC 8058's one-click POST)
and the open pixel.

A GET never unsubscribes: mail scanners and link previews fetch every link of a message, so the
page asks for a click, and only a POST (the button, or the mailbox provider's one-click request)
records the suppression. A forged, altered or cut token gets 400 and stores nothing; the pixel
answers the same GIF whatever its token, and records an open only for a genuine one. The token
travels in the URL, so pages say ``no-referrer`` and are never cached.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from app.settings import Settings
from campaigns.models import Message, MessageStatus
from campaigns.unsubscribe import BadToken, Links, unsubscribe
from store.link_signing import link_key
from store.models import Merchant

PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
WORDS = {
    "en": {
        "title": "Unsubscribe",
        "ask": "Stop marketing email from {merchant} to {email}?",
        "button": "Unsubscribe",
        "done": "Done: you will get no more marketing email from {merchant}.",
        "still": "Messages about your own rewards account (points about to expire, a reward you chose) may still reach you.",
        "bad": "This unsubscribe link is not valid. Use the link from the latest email you received, unchanged.",
    },
    "fr": {
        "title": "Désinscription",
        "ask": "Ne plus recevoir d’e-mails marketing de {merchant} à l’adresse {email} ?",
        "button": "Me désinscrire",
        "done": "C’est fait : vous ne recevrez plus d’e-mails marketing de {merchant}.",
        "still": "Les messages sur votre compte fidélité (points qui expirent, récompense choisie) peuvent encore vous parvenir.",
        "bad": "Ce lien de désinscription n’est pas valide. Utilisez le lien du dernier e-mail reçu, tel quel.",
    },
}


def language(request: Request) -> str:
    return "fr" if request.headers.get("accept-language", "").lower().startswith("fr") else "en"


def page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    title = WORDS[lang]["title"]
    text = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head>"
        '<body style="font-family:Helvetica,Arial,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;'
        f'color:#1f2328;line-height:1.5"><main>{body}</main></body></html>'
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


class EmailLinks:
    """The handlers, holding the link keys (the current secret's first, then the fallbacks')."""

    def __init__(self, settings: Settings) -> None:
        secrets = [settings.secret_key, *settings.secret_key_fallbacks]
        self.links = Links([link_key(s.get_secret_value()) for s in secrets])

    async def unsubscribe(self, request: Request) -> Response:
        lang = language(request)
        words = WORDS[lang]
        token = request.query_params.get("t", "")
        try:
            merchant_id, email = self.links.verify_unsubscribe(token)
        except BadToken:
            return page(lang, f"<h1>{words['title']}</h1><p>{words['bad']}</p>", 400)
        merchant = await Merchant.get_or_none(id=merchant_id)
        if merchant is None:
            return page(lang, f"<h1>{words['title']}</h1><p>{words['bad']}</p>", 400)
        name = html.escape(merchant.name)
        if request.method == "POST":
            await unsubscribe(merchant_id, email, datetime.now(UTC))
            done = words["done"].format(merchant=name)
            return page(lang, f'<h1>{words["title"]}</h1><p role="status">{done}</p><p>{words["still"]}</p>')
        ask = words["ask"].format(merchant=name, email=html.escape(email))
        action = html.escape(f"/email/unsubscribe?t={token}", quote=True)
        form = (
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit" style="font-size:1rem;padding:.6rem 1.2rem">{words["button"]}</button></form>'
        )
        return page(lang, f"<h1>{words['title']}</h1><p>{ask}</p>{form}")

    async def opened(self, request: Request) -> Response:
        try:
            message_id = self.links.verify_open(request.path_params["token"])
        except BadToken:
            message_id = None
        if message_id is not None:
            await Message.filter(id=message_id, status=MessageStatus.SENT, opened_at=None).update(
                opened_at=datetime.now(UTC)
            )
        return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store, private"})


def routes(settings: Settings) -> list[BaseRoute]:
    links = EmailLinks(settings)
    return [
        Route("/email/unsubscribe", links.unsubscribe, methods=["GET", "POST"]),
        Route("/email/open/{token}.gif", links.opened, methods=["GET"]),
    ]
