"""What feedback refuses, as one small class per refusal under ``FeedbackError``.

The API, the signed endpoints and the CLI show the message and the ``path`` (the input field at
fault); a bare ``ValueError`` from inside feedback is a bug, not a refusal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class FeedbackErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    ALREADY_ANSWERED = "already_answered"
    EXPIRED = "expired"
    BAD_LINK = "bad_link"
    WRONG_STATUS = "wrong_status"


class FeedbackError(Exception):
    """A rule of feedback refused the request; the message is meant for people."""

    code: ClassVar[FeedbackErrorCode]

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class InvalidFeedback(FeedbackError):
    """A score out of range, an empty or oversized text, an unknown category or order, a bad setting."""

    code = FeedbackErrorCode.INVALID


class FeedbackNotFound(FeedbackError):
    """Not found for this caller: another merchant's or another shopper's row is not found either."""

    code = FeedbackErrorCode.NOT_FOUND


class AlreadyAnswered(FeedbackError):
    code = FeedbackErrorCode.ALREADY_ANSWERED


class SurveyExpired(FeedbackError):
    code = FeedbackErrorCode.EXPIRED


class BadSurveyLink(FeedbackError):
    """A link whose signature does not verify: forged, altered or cut; it names no survey."""

    code = FeedbackErrorCode.BAD_LINK


class WrongComplaintStatus(FeedbackError):
    """Replying to, or resolving, a complaint in a status that does not allow it."""

    code = FeedbackErrorCode.WRONG_STATUS
