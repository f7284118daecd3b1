"""Signed survey links: the survey's id and an HMAC-SHA256 of it, so the link answers that one
survey without a login and names no other.

The keys and the MAC are the mail links' (``store.link_signing``): the first key signs, any
verifies, so a link mailed before a key rotation still works; the MAC covers a purpose of its
own (``survey``), so an open-pixel or unsubscribe token is never a survey token. A token that
does not verify names no survey at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.errors import BadSurveyLink
from store.link_signing import b64, mac, signed_by_any, unb64

PURPOSE = "survey"
MAX_TOKEN = 200
"""A longer token is refused before it is decoded: a genuine one is about 40 characters."""


@dataclass(frozen=True)
class SurveyLinks:
    """Signs with the first key, verifies with any of them (the current key and its fallbacks)."""

    keys: Sequence[bytes]

    def token(self, survey_id: int) -> str:
        return f"{survey_id}.{b64(mac(self.keys[0], PURPOSE, str(survey_id)))}"

    def verify(self, token: str) -> int:
        """The survey id a genuine token names; ``BadSurveyLink`` for a forged, altered or cut one."""
        if len(token) > MAX_TOKEN:
            raise BadSurveyLink("this survey link is not valid")
        survey, _, signature = token.partition(".")
        if not survey.isdigit() or len(survey) > 19 or not signature:
            raise BadSurveyLink("this survey link is not valid")
        given = unb64(signature)
        survey_id = int(survey)
        if given is None or f"{survey_id}.{b64(given)}" != token:  # one spelling per link: no leading zeros
            raise BadSurveyLink("this survey link is not valid")
        if not signed_by_any(self.keys, given, PURPOSE, str(survey_id)):
            raise BadSurveyLink("this survey link is not valid")
        return survey_id
