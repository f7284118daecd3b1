"""The demo's mail: its SMTP server keeps what it accepts as .eml files, and the mailbox routes list
them and show one, only when the demo turned them on and only for names the server wrote."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import httpx
import pytest
from starlette.applications import Starlette

from app.demo.mailbox import DemoMailServer, routes
from app.settings import load_settings
from tests.support.servers import SECRET, free_port


def _mail(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Northwind <rewards@rapport-demo.test>"
    message["To"] = to
    message["Subject"] = subject
    message["List-Unsubscribe"] = "<https://example.test/email/unsubscribe?t=abc>"
    message.set_content("We miss you.\nYour code: BACK-1234")
    message.add_alternative("<p>We miss you. <script>alert(1)</script><b>BACK-1234</b></p>", subtype="html")
    return message


@pytest.fixture
def server(tmp_path):
    mail = DemoMailServer(tmp_path / "mailbox", free_port()).start()
    yield mail
    mail.stop()


def _client(directory: str | None) -> httpx.AsyncClient:
    settings = load_settings(database_url="sqlite://:memory:", secret_key=SECRET, demo_mailbox=directory)
    app = Starlette(routes=routes(settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demo.test")


async def test_mail_sent_over_smtp_is_listed_newest_first_and_shown_with_both_parts(server):
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.send_message(_mail("ada@example.com", "We miss you, Ada"))
        smtp.send_message(_mail("bob@example.com", "We miss you, Bob"))
    async with _client(str(server.directory)) as client:
        listed = (await client.get("/demo/mailbox/messages")).json()
        assert listed["total"] == 2
        assert [(m["to"], m["subject"]) for m in listed["messages"]] == [
            ("bob@example.com", "We miss you, Bob"),
            ("ada@example.com", "We miss you, Ada"),
        ]
        one = (await client.get(f"/demo/mailbox/messages/{listed['messages'][1]['id']}")).json()
    assert one["to"] == "ada@example.com" and one["subject"] == "We miss you, Ada"
    assert "BACK-1234" in one["text"] and "<b>BACK-1234</b>" in one["html"]
    assert one["listUnsubscribe"] == "<https://example.test/email/unsubscribe?t=abc>"


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fetc%2Fpasswd", "..", "x" * 5000, "20260101T000000000000-" + "0" * 31, ".hidden", "%00"],
)
async def test_only_names_the_server_wrote_are_served(server, name):
    (server.directory / "secret.eml").write_text("Subject: not listed\n\nhidden")
    async with _client(str(server.directory)) as client:
        response = await client.get(f"/demo/mailbox/messages/{name}")
        listed = (await client.get("/demo/mailbox/messages")).json()
    assert response.status_code == 404
    assert listed["total"] == 0


async def test_without_the_demo_the_mailbox_routes_do_not_exist(tmp_path):
    async with _client(None) as client:
        assert (await client.get("/demo/mailbox/messages")).status_code == 404
