"""Global ids: ``gid://rapport/<Type>/<id>``, the shape Shopify's own APIs use.

Readable on purpose (theme developers know the format from Shopify), and not a secret: every
lookup by id is still scoped to what the caller may see, so guessing an id reveals nothing.
"""

from __future__ import annotations

import re

from strawberry import ID

from schema.core.errors import ApiError, ErrorCode
from store.models import Platform

PREFIX = "gid://rapport/"
_GID = re.compile(r"^gid://rapport/([A-Za-z]+)/([1-9][0-9]{0,17})$")
_PLATFORM_GID = re.compile(rf"^gid://({'|'.join(p.value for p in Platform)})/([A-Za-z]+)/([1-9][0-9]{{0,19}})$")
"""A platform's own id in Shopify's gid form (``gid://shopify/Product/123``): what a theme knows."""


def to_gid(type_name: str, pk: int) -> ID:
    """Typed as strawberry's ``ID`` (a plain ``str`` at run time) so it fills ``id`` fields as is."""
    return ID(f"{PREFIX}{type_name}/{pk}")


def parse_gid(value: str) -> tuple[str, int]:
    """The type name and primary key of a global id, or a BAD_USER_INPUT error."""
    match = _GID.match(value or "")
    if match is None:
        raise ApiError(f"{value!r} is not a Rapport global id (gid://rapport/<Type>/<id>)", ErrorCode.BAD_USER_INPUT)
    return match.group(1), int(match.group(2))


def pk_of(value: str, type_name: str) -> int | None:
    """The primary key when ``value`` is a well-formed id of ``type_name``, else ``None``."""
    match = _GID.match(value or "")
    if match is None or match.group(1) != type_name:
        return None
    return int(match.group(2))


def expect_pk(value: str, type_name: str, *, argument: str = "id") -> int:
    """The primary key of an id that must name a ``type_name``; BAD_USER_INPUT otherwise."""
    kind, pk = parse_gid(value)
    if kind != type_name:
        raise ApiError(f"{argument} must be a {type_name} id, got a {kind} id", ErrorCode.BAD_USER_INPUT)
    return pk


def platform_id_of(value: str, type_name: str, *, argument: str = "id") -> tuple[Platform, str] | None:
    """``(platform, platform id)`` when ``value`` is a platform's own id (``gid://shopify/Product/123``),
    ``None`` when it is not in that form; BAD_USER_INPUT when it names another type."""
    match = _PLATFORM_GID.match(value or "")
    if match is None:
        return None
    if match.group(2) != type_name:
        raise ApiError(f"{argument} must be a {type_name} id, got a {match.group(2)} id", ErrorCode.BAD_USER_INPUT)
    return Platform(match.group(1)), match.group(3)
