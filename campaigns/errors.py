"""What campaigns refuse, as one small class per refusal under ``CampaignError``.

The API and the CLI show the message and the ``path`` (the input field at fault); a bare
``ValueError`` from inside campaigns is a bug, not a refusal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class CampaignErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    WRONG_STATUS = "wrong_status"
    NAME_TAKEN = "name_taken"
    LOCKED = "locked"


class CampaignError(Exception):
    """A rule of campaigns refused the request; the message is meant for people."""

    code: ClassVar[CampaignErrorCode]

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class InvalidCampaign(CampaignError):
    """An audience, an action or a setting that cannot work, refused before it is saved."""

    code = CampaignErrorCode.INVALID


class CampaignNotFound(CampaignError):
    code = CampaignErrorCode.NOT_FOUND


class WrongStatus(CampaignError):
    """Launching a running campaign, pausing a draft, editing what already ran in a way that would change its results."""

    code = CampaignErrorCode.WRONG_STATUS


class NameTaken(CampaignError):
    code = CampaignErrorCode.NAME_TAKEN


class InvalidBirthday(CampaignError):
    """A date that does not exist, or a year outside the ages a shop may ask about."""

    code = CampaignErrorCode.INVALID


class BirthdayLocked(CampaignError):
    """The shopper already gave their birthday: only the store may change it, so a gift cannot be moved to today."""

    code = CampaignErrorCode.LOCKED
