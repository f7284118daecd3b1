"""The links in campaign email over HTTP: unsubscribe asks before it acts, one-click POST works,
and forged, altered, cut or oversized tokens store nothing; the open pixel records genuine opens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.models import Message, MessageStatus, Suppression
from campaigns.outbox import queue_messages
from campaigns.sending import send_due
from campaigns.unsubscribe import Links
from store.link_signing import link_key
from tests.app.serving import caller, serving
from tests.campaigns.mailing import BASE, MAIL_FROM, NOW, merchant, request, shopper
from tests.support.servers import SECRET

pytestmark = pytest.mark.db

LINKS = Links([link_key(SECRET)])


def unsubscribe_path(merchant_id: int, email: str) -> str:
    return f"/email/unsubscribe?t={LINKS.unsubscribe_token(merchant_id, email)}"


async def test_unsubscribing_over_http_stops_marketing_mail_for_good(database_url, db, smtp):
    m, store = await merchant("Maison <Lune>")
    p = await shopper(store, "Camille@Example.com")
    await queue_messages([request(store, p, "first")], NOW)
    key = link_key(SECRET)
    await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=key, now=NOW)
    (received,) = smtp.received
    link = str(received.message["List-Unsubscribe"]).strip("<>").removeprefix(BASE)
    async with serving(database_url) as app, caller(app) as client:
        asked = await client.get(link)
        assert asked.status_code == 200 and "<form" in asked.text and "Maison &lt;Lune&gt;" in asked.text
        assert asked.headers["referrer-policy"] == "no-referrer" and asked.headers["cache-control"] == "no-store"
        assert not await Suppression.exists(), "a GET (a link scanner) must not unsubscribe"
        done = await client.post(
            link, content="List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert done.status_code == 200
        assert "no more marketing email from Maison &lt;Lune&gt;" in done.text
        again = await client.post(link)
        assert again.status_code == 200
    suppressed = await Suppression.filter(merchant_id=m.id).values_list("email", "reason")
    assert suppressed == [("camille@example.com", "unsubscribed")]
    (later,) = await queue_messages([request(store, p, "second")], NOW + timedelta(days=30))
    assert (later.status, later.reason) == (MessageStatus.SKIPPED, "unsubscribed")
    await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=key, now=NOW + timedelta(days=30))
    assert len(smtp.received) == 1


def _tampered(merchant_id: int, other_merchant_id: int) -> dict[str, str]:
    good = LINKS.unsubscribe_token(merchant_id, "a@example.com")
    number, address, mac = good.split(".")
    other_address = LINKS.unsubscribe_token(merchant_id, "b@example.com").split(".")[1]
    return {
        "forged": LINKS.unsubscribe_token(merchant_id, "a@example.com").replace(mac, "A" * len(mac)),
        "other key": Links([b"x" * 32]).unsubscribe_token(merchant_id, "a@example.com"),
        "truncated": good[:-5],
        "other merchant": f"{other_merchant_id}.{address}.{mac}",
        "other address": f"{number}.{other_address}.{mac}",
        "open token": LINKS.open_token(merchant_id),
        "huge": good + "A" * 60_000,
        "empty": "",
        "not base64": f"{number}.***.{mac}",
    }


async def test_hostile_unsubscribe_tokens_get_400_and_store_nothing(database_url, db):
    m, _ = await merchant()
    other, _ = await merchant("Other")
    async with serving(database_url) as app, caller(app) as client:
        for name, token in _tampered(m.id, other.id).items():
            for method in ("GET", "POST"):
                response = await client.request(method, "/email/unsubscribe", params={"t": token})
                assert response.status_code == 400, (name, method)
                assert "not valid" in response.text
        gone = LINKS.unsubscribe_token(999_999, "a@example.com")
        assert (await client.post("/email/unsubscribe", params={"t": gone})).status_code == 400
    assert not await Suppression.exists()


async def test_the_open_pixel_records_a_genuine_open_once_and_nothing_for_a_forged_one(database_url, db, smtp):
    _, store = await merchant()
    p = await shopper(store, "a@example.com")
    q = await shopper(store, "b@example.com")
    await queue_messages([request(store, p, "a"), request(store, q, "b")], NOW)
    await send_due(smtp_url=smtp.url, mail_from=MAIL_FROM, base_url=BASE, key=link_key(SECRET), now=NOW)
    a, b = await Message.get(key="a"), await Message.get(key="b")
    assert f"{BASE}/email/open/{LINKS.open_token(a.id)}.gif" in smtp.to("a@example.com")[0].part("html")
    async with serving(database_url) as app, caller(app) as client:
        forged = f"{b.id}.{LINKS.open_token(a.id).split('.')[1]}"
        for token in (forged, "1.x", "nope", "9" * 5000):
            response = await client.get(f"/email/open/{token}.gif")
            assert response.status_code == 200 and response.content.startswith(b"GIF89a")
        assert (await Message.get(id=b.id)).opened_at is None
        first = await client.get(f"/email/open/{LINKS.open_token(a.id)}.gif")
        assert first.headers["content-type"] == "image/gif"
        opened = (await Message.get(id=a.id)).opened_at
        await client.get(f"/email/open/{LINKS.open_token(a.id)}.gif")
        assert opened is not None and (await Message.get(id=a.id)).opened_at == opened


async def test_email_pages_are_rate_limited_per_client_address_but_never_an_unsubscribe(database_url, db):
    m, _ = await merchant()
    async with serving(database_url, rate_limit_email_ip="3/minute") as app:
        async with caller(app, "198.51.100.1") as client:
            codes = [(await client.get(unsubscribe_path(m.id, "a@example.com"))).status_code for _ in range(4)]
            one_click = [(await client.post(unsubscribe_path(m.id, "a@example.com"))).status_code for _ in range(3)]
        async with caller(app, "198.51.100.2") as other:
            assert (await other.get(unsubscribe_path(m.id, "a@example.com"))).status_code == 200
    assert codes == [200, 200, 200, 429]
    assert one_click == [200, 200, 200], "a one-click unsubscribe is never refused"


async def test_the_page_speaks_french_to_a_french_browser(database_url, db):
    m, _ = await merchant()
    async with serving(database_url) as app, caller(app) as client:
        page = await client.get(unsubscribe_path(m.id, "a@example.com"), headers={"accept-language": "fr-FR,fr"})
    assert "Me désinscrire" in page.text and 'lang="fr"' in page.text
