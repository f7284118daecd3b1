"""SMTP_URL and MAIL_FROM are checked at start-up, with a one-line error naming the setting."""

from __future__ import annotations

import pytest

from app.settings import SettingsError, load_settings
from tests.support.servers import SECRET


@pytest.mark.parametrize(
    "smtp_url, message",
    [
        ("http://mail.example", "must start with smtp://"),
        ("smtp://", "needs a host"),
        ("smtp://mail.example:port", "the port must be a number"),
    ],
)
def test_a_bad_smtp_url_stops_start_up(smtp_url: str, message: str) -> None:
    with pytest.raises(SettingsError, match=rf"^bad setting SMTP_URL: {message}"):
        load_settings(secret_key=SECRET, smtp_url=smtp_url, mail_from="rewards@shop.example")


def test_an_smtp_url_without_a_sender_address_stops_start_up() -> None:
    with pytest.raises(SettingsError, match=r"^bad setting MAIL_FROM: is required when SMTP_URL is set"):
        load_settings(secret_key=SECRET, smtp_url="smtp://127.0.0.1:1025")


@pytest.mark.parametrize("mail_from", ["rewards", "a@b", "Shop <a@shop.example>", "a@shop.example\r\nBcc: x@y.z"])
def test_mail_from_is_one_plain_address(mail_from: str) -> None:
    with pytest.raises(SettingsError, match=r"^bad setting MAIL_FROM: .* is not an email address"):
        load_settings(secret_key=SECRET, smtp_url="smtp://127.0.0.1:1025", mail_from=mail_from)


def test_smtp_and_smtps_urls_with_credentials_are_accepted() -> None:
    for url in ("smtp://127.0.0.1:1025", "smtps://user:p%40ss@mail.example"):
        settings = load_settings(secret_key=SECRET, smtp_url=url, mail_from="rewards@shop.example")
        assert (settings.smtp_url, settings.mail_from) == (url, "rewards@shop.example")
    assert load_settings(secret_key=SECRET).smtp_url is None
