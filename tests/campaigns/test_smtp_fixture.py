"""The test SMTP server speaks real SMTP: it keeps what it accepts and plays the faults it is told to."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "shop@example.com", to, "hi"
    message.set_content("plain")
    message.add_alternative("<p>html</p>", subtype="html")
    return message


def test_the_test_server_keeps_mail_refuses_bounces_defers_and_goes_down(smtp):
    with smtplib.SMTP(smtp.host, smtp.port) as client:
        client.send_message(_message("a@example.com"))
    assert smtp.to("a@example.com")[0].part("html") == "<p>html</p>\n"
    smtp.refuse.add("gone@example.com")
    with smtplib.SMTP(smtp.host, smtp.port) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.send_message(_message("gone@example.com"))
    smtp.defer = 1
    with smtplib.SMTP(smtp.host, smtp.port) as client, pytest.raises(smtplib.SMTPDataError) as deferred:
        client.send_message(_message("b@example.com"))
    assert deferred.value.smtp_code == 451
    smtp.stop()
    with pytest.raises(OSError):
        smtplib.SMTP(smtp.host, smtp.port, timeout=2)
    assert [r.to for r in smtp.received] == ["a@example.com"]
