"""Search by email or name: every word must match the email, first or last name."""

from __future__ import annotations

from tortoise.expressions import Q


def name_or_email(search: str | None, prefix: str = "") -> Q | None:
    words = (search or "").split()
    if not words:
        return None
    query = Q()
    for word in words[:5]:
        query &= (
            Q(**{f"{prefix}email__icontains": word})
            | Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
        )
    return query
