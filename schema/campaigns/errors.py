"""Campaign refusals as userErrors: campaigns' own codes, at the input field at fault."""

from __future__ import annotations

import re

import strawberry

from campaigns.errors import CampaignError
from schema.campaigns.enums import CampaignErrorCode
from schema.core.errors import UserError

_SNAKE = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    """``valid_days`` -> ``validDays``: the input path as the client wrote it."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


@strawberry.type(description="A campaign mutation's business failure, at the input field it concerns")
class CampaignUserError(UserError):
    code: CampaignErrorCode


def user_error(error: CampaignError) -> CampaignUserError:
    """A refusal of ``campaigns`` at ``input.<its path>``; audience paths keep their JSON keys."""
    path = list(error.path)
    if path and path[0] != "audience":
        path = [camel(part) for part in path]
    return CampaignUserError(field=["input", *path], message=str(error), code=error.code)


def refused(message: str, code: CampaignErrorCode, *path: str) -> CampaignUserError:
    return CampaignUserError(field=["input", *path], message=message, code=code)
