"""How fast a complaint was handled, against the merchant's targets: pure arithmetic on its times.

The clocks start at intake (``received_at``). The response clock stops at the first reply actually
queued for the shopper (``first_response_at``); internal notes never stop it. The resolution clock
stops when the complaint is resolved. A complaint is in breach of a target when its clock stopped
later than the target, or is still running past it at ``now``; exactly on the target is not a breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.settings import FeedbackConfig


@dataclass(frozen=True)
class Targets:
    """The merchant's targets (``FeedbackConfig.response_target_minutes`` / ``resolution_target_hours``)."""

    response: timedelta
    resolution: timedelta

    @classmethod
    def of(cls, config: FeedbackConfig) -> Targets:
        return cls(
            response=timedelta(minutes=config.response_target_minutes),
            resolution=timedelta(hours=config.resolution_target_hours),
        )


def minutes_between(start: datetime, end: datetime | None) -> float | None:
    """Minutes from ``start`` to ``end`` (seconds kept as a fraction), or None while the clock runs."""
    if end is None:
        return None
    return round((end - start).total_seconds() / 60, 2)


def first_response_minutes(received_at: datetime, first_response_at: datetime | None) -> float | None:
    return minutes_between(received_at, first_response_at)


def resolution_minutes(received_at: datetime, resolved_at: datetime | None) -> float | None:
    return minutes_between(received_at, resolved_at)


def breached(received_at: datetime, stopped_at: datetime | None, target: timedelta, now: datetime) -> bool:
    """Over the target: stopped after it, or not stopped and ``now`` is past it."""
    end = stopped_at if stopped_at is not None else now
    return end - received_at > target


def response_breached(
    received_at: datetime, first_response_at: datetime | None, targets: Targets, now: datetime
) -> bool:
    return breached(received_at, first_response_at, targets.response, now)


def resolution_breached(received_at: datetime, resolved_at: datetime | None, targets: Targets, now: datetime) -> bool:
    return breached(received_at, resolved_at, targets.resolution, now)
