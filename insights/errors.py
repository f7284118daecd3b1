"""What insights refuses, as one small class per refusal under ``InsightsError``.

Callers (the API, the CLI) catch these and show their message; a bare ``ValueError`` from
inside insights is then a bug, not a refusal, and is not shown as one. The statistics under
``insights.clv`` and ``insights.recommend`` keep ``ValueError`` for bad arguments, as numpy does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class InsightsErrorCode(StrEnum):
    INVALID_SETTINGS = "invalid_settings"
    SPLIT_REFUSED = "split_refused"
    PERSONAL_ACTOR = "personal_actor"


class InsightsError(Exception):
    """A rule of insights refused the request; the message is meant for people."""

    code: ClassVar[InsightsErrorCode]


class InvalidSettings(InsightsError):
    """Insight settings that are unknown or contradict each other, refused before they are saved."""

    code = InsightsErrorCode.INVALID_SETTINGS


class SplitRefused(InsightsError):
    """Customers that cannot be split off their profile as asked (missing, spread over profiles, or all of it)."""

    code = InsightsErrorCode.SPLIT_REFUSED


class PersonalActor(InsightsError):
    """The privacy audit names who acted by account id, never by a personal email."""

    code = InsightsErrorCode.PERSONAL_ACTOR
