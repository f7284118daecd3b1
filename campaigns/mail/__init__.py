"""Rendering the email Rapport sends: Liquid templates per campaign kind, in English and French,
one layout with the merchant's name and colours, and the MIME message with its headers."""

from campaigns.mail.headers import message_id, to_email_message
from campaigns.mail.render import Rendered, check_template, preview, render

__all__ = ["Rendered", "check_template", "message_id", "preview", "render", "to_email_message"]
