"""The privacy audit trail: one row per export or erasure, with ids and counts only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from insights.errors import PersonalActor
from insights.models import PrivacyAudit


async def record(
    merchant_id: int, action: str, subject: str, subject_id: int, actor: str, details: dict[str, Any]
) -> None:
    """``actor`` is an account or system id (``admin:7``, ``shopify:customers/redact``), never a name or email."""
    if "@" in actor:
        raise PersonalActor("the audit actor must be an id, not an email address")
    await PrivacyAudit.create(
        merchant_id=merchant_id,
        action=action,
        subject=subject,
        subject_id=subject_id,
        actor=actor,
        details=details,
        at=datetime.now(UTC),
    )
